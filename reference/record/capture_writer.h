// One recorded device session as a capture in the corpus format
// (docs/captures.md, "Recorded captures"): the device's requests as it sent
// them (its header order and case, a base64 query as its fields, its own
// WBXML as hex where our encoder would write other bytes), the server's
// answers as the expectations, and every value the server issued (sync
// keys, policy keys, ServerIds, LongIds, FileReferences) bound as {{name}}
// so that the capture replays against a fresh server.
#ifndef EAS_REFERENCE_RECORD_CAPTURE_WRITER_H_
#define EAS_REFERENCE_RECORD_CAPTURE_WRITER_H_

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "pugixml.hpp"

namespace eas::record {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Mail that came into the account from outside the session (not in its
// state at the start, not made by the device's own requests): a deliver
// event of the capture (docs/captures.md), before the exchange in which the
// device saw it or, `during`, while its request waited (a parked Ping).
struct RecordedDelivery {
  std::string mime;
  bool during = false;
  int64_t after_ms = 0;
};

struct RecordedExchange {
  std::string method, target;
  HeaderList request_headers;
  std::string request_body;
  int status = 0;
  HeaderList response_headers;
  std::string response_body;
  // When the request came and when its answer left: the capture's at= and
  // answered= (seconds since the session began), for the timing rules of
  // tools/clientcheck (Retry-After after 503).
  absl::Time received, answered;
  std::vector<RecordedDelivery> deliveries;
};

// What the capture says of the device and the account, from the first
// recorded request.
struct SessionInfo {
  std::string login;  // the account's login (for file names)
  std::string device_id, device_type, user_agent, protocol;
  std::string query_form;  // "plain" or "base64"
  std::string user;        // the Basic user name as the device sends it
  std::string query_user;  // User= of a plain query ("" if none)
  std::string fixture;     // the state file beside the capture (a file name)
  std::string account;     // CONTEXT/LOGIN, for the deliver events
  absl::Time started;
};

class CaptureWriter {
 public:
  explicit CaptureWriter(SessionInfo info) : info_(std::move(info)) {}

  // One exchange as the file's text, bound with what the earlier ones
  // bound. The file is Header(), every exchange in order, then Footer(),
  // which may grow with each exchange (the rules the session verifies): a
  // recorder appends each exchange in place of the last footer.
  std::string Add(const RecordedExchange& exchange);
  std::string Header() const;
  std::string Footer() const;
  // The protocol version, once a request names one (an OPTIONS does not):
  // the header is written only then.
  bool has_protocol() const { return !info_.protocol.empty(); }
  void SetProtocol(const std::string& protocol) { info_.protocol = protocol; }
  size_t exchanges() const { return exchanges_; }
  size_t bytes() const { return bytes_; }

  // What a binding stands for: "key:COLLECTION" or "key:hierarchy" (sync
  // keys, counted per collection), "policy", "id".
  using Kind = std::string;

 private:
  std::string Request(const RecordedExchange& e);
  std::string Response(const RecordedExchange& e);
  std::string Delivery(const RecordedDelivery& d, const char* indent) const;
  std::string Query(const std::string& target, std::string& command);
  // The <bind> elements of a first download (match="items"): each item's
  // ServerId bound by a property only it has in the download.
  std::string DownloadBindings(const pugi::xml_node& commands);
  // The {{name}} of a value the server issued; a new name the first time.
  std::string Issue(const Kind& kind, const std::string& value);
  // The {{name}} a request's value stands for, or the value itself.
  std::string Use(const Kind& kind, const std::string& value) const;

  SessionInfo info_;
  std::map<std::pair<Kind, std::string>, std::string> names_;
  std::map<Kind, int> counters_;
  // Collection -> the sync key a Sync with SyncKey 0 was answered with: the
  // next Sync with it brings the folder as the account holds it, written
  // match="items" (the corpus's form for the first download).
  std::map<std::string, std::string> first_keys_;
  // The request of the exchange being added: collection -> its SyncKey.
  std::map<std::string, std::string> request_keys_;
  std::set<std::string> commands_;
  size_t exchanges_ = 0;
  size_t bytes_ = 0;
  int received_seen_ = 0;  // DateReceived values of mail that came during the session
};

}  // namespace eas::record

#endif  // EAS_REFERENCE_RECORD_CAPTURE_WRITER_H_
