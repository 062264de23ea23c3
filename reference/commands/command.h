// What every command handler gets and gives back.
#ifndef EAS_REFERENCE_COMMANDS_COMMAND_H_
#define EAS_REFERENCE_COMMANDS_COMMAND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "pugixml.hpp"
#include "reference/backend/backend.h"
#include "reference/commands/sync_engine.h"
#include "reference/eas/later.h"
#include "reference/eas/protocol_version.h"
#include "reference/http/query.h"
#include "reference/mail/relay.h"
#include "reference/push/push_hub.h"
#include "reference/state/device_state.h"

namespace eas::commands {

// Ping's bounds (MS-ASCMD 2.2.3.84, 2.2.3.100), configurable.
struct PingLimits {
  int min_heartbeat = 60;
  int max_heartbeat = 3540;
  int max_folders = 300;
};

// Items one mailbox Search reads at most (--search-max-items).
inline constexpr int kDefaultSearchMaxItems = 20000;

class FindSearches;

struct CommandContext {
  ProtocolVersion version;
  const http::Query* query = nullptr;
  backend::Account account;
  state::Device device;
  backend::Backend* backend = nullptr;
  // Keeps `backend` alive while a copy of the context waits (Sync with
  // Wait); may be empty when the caller owns the backend for longer.
  std::shared_ptr<backend::Backend> backend_owner;
  state::DeviceState* state = nullptr;
  // The decoded request body; empty (no root element) for an empty body or
  // one that is not WBXML (SendMail's MIME below 14.0).
  const pugi::xml_document* request = nullptr;
  // The body as received.
  const std::string* raw_body = nullptr;
  // The client takes multipart answers (MS-ASAcceptMultiPart, query flag).
  bool accept_multipart = false;
  // Outbound mail for addresses outside the store; null when none is set up.
  mail::Relay* relay = nullptr;
  int64_t now = 0;  // Unix seconds
  // Random source for policy keys (replaceable in tests).
  std::function<uint32_t()> random32;
  push::PushHub* hub = nullptr;
  PingLimits ping;
  int search_max_items = kDefaultSearchMaxItems;
  // The Find searches devices began (never null from the Dispatcher).
  FindSearches* find_searches = nullptr;
  // Queues work on this device's strand (reference/exec/strands.h): what a
  // parked Sync does when a change wakes it. False when the strand refuses.
  std::function<bool(std::function<void()>)> on_device_strand;
  // The Sync handler's process-wide bookkeeping (never null from the
  // Dispatcher).
  SyncEngine* sync_engine = nullptr;
  // The device quirks that apply (reference/devices/quirks.txt).
  std::set<std::string> quirks;
  bool Quirk(const char* name) const { return quirks.count(name) > 0; }
  // How long a Sync may spend gathering items before it answers with what
  // it has and MoreAvailable: a share of the client's deadline.
  absl::Duration response_budget = absl::InfiniteDuration();
};

struct CommandResult {
  int http_status = 200;
  // The response body; no root element means an empty body.
  std::unique_ptr<pugi::xml_document> body = std::make_unique<pugi::xml_document>();
  // Set instead of a body when the answer comes later (a parked Ping).
  std::shared_ptr<Later<CommandResult>> later;
  // A body that is no WBXML document (GetAttachment's bytes, a multipart
  // ItemOperations answer), sent as it is with `content_type`.
  std::optional<std::string> raw_body;
  std::string content_type;
  // Sent as Retry-After when above 0 (with a 503).
  int retry_after_seconds = 0;
};

// HTTP 503 with Retry-After: what a request whose writes the store could
// not take gets (storage::WriteFaultScope).
CommandResult StorageUnavailable();

// True (and an error line with the status's text, the account and the
// device) if `status` failed: for a failure that becomes a protocol status.
bool Failed(const absl::Status& status, const CommandContext& ctx, absl::string_view where);

// Starts a response document whose root is `name` in code page `ns`.
pugi::xml_node StartResponse(CommandResult& result, const char* name, const char* ns);

// <root xmlns="ns"><Status>status</Status></root>: how most commands answer
// a request they cannot serve, and the provisioning gate's answer from 14.0.
CommandResult StatusResponse(absl::string_view root, absl::string_view ns, int status);

// Appends <name>text</name>.
pugi::xml_node AddText(pugi::xml_node parent, const char* name, const std::string& text);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_COMMAND_H_
