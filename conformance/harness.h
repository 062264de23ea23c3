// In-process conformance harness: a Dispatcher over a fresh embedded store
// and device state in the test's temp directory, and a "phone" that builds
// requests the way devices do (plain or base64 query, Basic auth, WBXML
// bodies written as XML).
#ifndef EAS_CONFORMANCE_HARNESS_H_
#define EAS_CONFORMANCE_HARNESS_H_

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pugixml.hpp"
#include "reference/backend/sqlite_store.h"
#include "reference/http/dispatcher.h"
#include "reference/push/push_hub.h"
#include "reference/state/device_state.h"

namespace eas::conformance {

// Tags the running test with what it verifies: Microsoft's requirement IDs
// as its EAS test suites number them ("MS-ASPROV_R394") or a specification
// section ("MS-ASHTTP 2.2.1.1.1.1"). They go into the test's XML report;
// //tools/requirements:list_requirements lists them across the suite.
void Verifies(std::initializer_list<const char*> ids);

struct Phone {
  std::string username = "ox.io\\miguel";
  std::string password = "secret";
  std::string device_id = "ApplF17AB2C3D4";
  std::string device_type = "iPhone";
  std::string version = "14.1";
  std::string user_agent = "Apple-iPhone4C1/902.176";
  std::optional<std::string> policy_key;  // X-MS-PolicyKey; none if unset
  bool base64_query = false;
  std::string query_user = "miguel";  // the User= parameter
};

// Phones of families the device-quirk table tells apart, with the
// User-Agent and DeviceType those clients send (../shared/device-notes.md).
Phone AndroidPhone(const std::string& device_id);  // AOSP 4.0 Email
Phone WindowsMobilePhone(const std::string& device_id, const std::string& version);  // MSFT-PPC, PocketPC

struct Reply {
  http::HttpResponse http;
  pugi::xml_document doc;  // decoded body (empty if none or not WBXML)
  std::string xml;         // readable body, for failure messages
  // Text of the first element at `path` ("Policies/Policy/PolicyKey"),
  // relative to the root; "" if absent.
  std::string Text(const std::string& path) const;
  bool Has(const std::string& path) const;
  int status() const { return http.status; }
};

// A plain-text message from outside, dated `received` (Unix seconds): what
// tests put in a mailbox with Backend::AddMail on either backend.
std::string MailReceived(const std::string& subject, int64_t received);

class ConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // POSTs `command` with `xml` (encoded to WBXML; "" for no body).
  Reply Post(const Phone& phone, const std::string& command, const std::string& xml);
  Reply Options(const Phone& phone);
  Reply Send(const http::HttpRequest& request);
  // For a parked answer (Ping): waits up to `limit` for it; a Reply with
  // status 0 if none came. Call it once per response (Later hands over once).
  Reply Await(http::HttpResponse parked, std::chrono::milliseconds limit);
  // Starts a request whose answer may come later (Ping), without waiting.
  http::HttpResponse Start(const Phone& phone, const std::string& command, const std::string& xml);
  http::HttpRequest Request(const Phone& phone, const std::string& method,
                            const std::string& command);

  // Serves the phones from `backend` (a wrapper of backend_ that slows or
  // fails calls) with the harness's clock and random source, and `options`.
  void DispatchTo(backend::Backend& backend, http::DispatcherOptions options = {});

  // Runs both Provision phases; returns the final policy key ("" on failure).
  std::string Provision(Phone& phone);

  std::string dir_;
  // Declared first, destroyed last: parked Pings end before the rest goes.
  std::unique_ptr<push::PushHub> hub_;
  // The embedded store; null on the OX runs (EAS_CONFORMANCE_BACKEND=ox),
  // where the server talks to the OX mock (tools/oxmock) through the
  // connector. Tests seed through backend_, which is either.
  std::unique_ptr<backend::SqliteStore> store_;
  std::unique_ptr<backend::Backend> ox_;
  backend::Backend* backend_ = nullptr;
  static bool OnOx();
  // A directory (GAL) entry of `context`: in the embedded store, or a
  // contact in OX's global address book (made through the mock).
  void AddGalEntry(const std::string& context, const backend::GalEntry& entry);
  // Ana Souza (ana@ox.io, ox.io), a colleague with an Inbox, Sent Items and
  // Deleted Items: made in the embedded store, already there in OX.
  backend::Account Colleague();
  std::unique_ptr<state::DeviceState> state_;
  std::unique_ptr<http::Dispatcher> dispatcher_;
  backend::Account miguel_;
  int64_t now_ = 1795000000;  // 2026-11-18
  uint32_t next_random_ = 0x1000;
};

}  // namespace eas::conformance

#endif  // EAS_CONFORMANCE_HARNESS_H_
