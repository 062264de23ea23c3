// One EAS request, from HTTP message to HTTP message, without sockets: path,
// method and size checks, query parsing, Basic auth, protocol version,
// device bookkeeping, the provisioning gate (MS-ASPROV 3.2.5.1), WBXML
// decode, the command handler, WBXML encode. The network front (server.h)
// only moves bytes; tests drive this directly.
#ifndef EAS_REFERENCE_HTTP_DISPATCHER_H_
#define EAS_REFERENCE_HTTP_DISPATCHER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "reference/backend/backend.h"
#include "reference/commands/command.h"
#include "reference/commands/find.h"
#include "reference/commands/sync_engine.h"
#include "reference/eas/later.h"
#include "reference/exec/strands.h"
#include "reference/exec/worker_pool.h"
#include "reference/http/credentials.h"
#include "reference/http/login_guard.h"
#include "reference/push/push_hub.h"
#include "reference/record/session_recorder.h"
#include "reference/state/device_state.h"

namespace eas::http {

inline constexpr char kEasPath[] = "/Microsoft-Server-ActiveSync";
inline constexpr char kWbxmlContentType[] = "application/vnd.ms-sync.wbxml";
// An Autodiscover request is a few hundred bytes.
inline constexpr size_t kMaxAutodiscoverBody = 64 << 10;

struct HttpRequest {
  std::string method;
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string peer;  // remote address, for throttling requests without a device id
  // The first header of that name, compared case-insensitively; "" if none.
  std::string Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set when the answer comes later (a parked Ping); then nothing else is.
  std::shared_ptr<Later<HttpResponse>> later;
  std::string Header(absl::string_view name) const;
};

struct DispatcherOptions {
  size_t max_body_bytes = 32 << 20;
  // Failed logins before an account, and before a source address, is
  // locked out (reference/http/login_guard.h). Many users may share an
  // address (NAT), so it gets more.
  LockoutPolicy account_lockout = {3, absl::Seconds(1), absl::Seconds(30), absl::Minutes(15)};
  LockoutPolicy peer_lockout = {20, absl::Seconds(1), absl::Minutes(5), absl::Minutes(15)};
  std::function<int64_t()> now = nullptr;        // Unix seconds; default: the clock
  std::function<uint32_t()> random32 = nullptr;  // default: OpenSSL's RAND_bytes
  // Direct Push; without a hub Ping is not offered.
  push::PushHub* hub = nullptr;
  commands::PingLimits ping;
  // The ActiveSync URL Autodiscover hands out (--public-url); empty: https://
  // and the request's Host header.
  std::string public_url;
  // Items one mailbox Search may read before it answers Status 10.
  int search_max_items = commands::kDefaultSearchMaxItems;
  // Outbound mail (--smtp); without it mail to outside addresses is refused.
  mail::Relay* relay = nullptr;
  // How long a client waits for an answer when the quirk table does not
  // say (quirks.txt `deadline`), and the share of that time a Sync may
  // spend gathering items before it answers with MoreAvailable; the rest
  // is for the answer to travel over a slow mobile link.
  absl::Duration default_client_deadline = absl::Seconds(60);
  double deadline_share = 0.5;
  // The worker threads handlers run on (docs/architecture.md, "Execution
  // model"), and how many requests may wait for one.
  int workers = 4;
  size_t max_queued_requests = 4096;
  // Requests of one device waiting behind the one running; more get 503.
  size_t max_queued_per_device = 16;
  // The Sync handler's process-wide state; the Dispatcher's own if null.
  commands::SyncEngine* sync_engine = nullptr;
  // Sessions recorded as captures (--record-dir); none if null.
  record::SessionRecorder* recorder = nullptr;
};

// Where an answer goes: called exactly once, on a worker (or, for a parked
// Ping, on the thread that ended it).
using Responder = std::function<void(HttpResponse)>;

// One row of the command table: what the server implements, for the docs
// and for OPTIONS (MS-ASProtocolCommands).
struct CommandInfo {
  std::string name;
  ProtocolVersion since, until;  // the protocol versions that have it (MS-ASCMD 2.2.1)
  bool needs_policy_key;         // behind the provisioning gate
};
// Every implemented command, in the order OPTIONS lists them; Ping only
// with `push` (a hub).
std::vector<CommandInfo> CommandTable(bool push = true);

class Dispatcher {
 public:
  Dispatcher(backend::Backend& backend, state::DeviceState& state, DispatcherOptions options = {});
  // Runs what is queued, then stops the workers.
  ~Dispatcher();
  // The same, before the network front goes (its connections may still be
  // in answers that are queued); later requests get 503.
  void Shutdown();

  // Requests waiting for a worker; devices with a request queued or running.
  size_t queued() const;
  size_t active_devices() const;

  // Answers `request` on the workers: the checks up to the account on any
  // worker, the rest on the device's strand. `respond` gets the final
  // answer (a parked Ping's when it ends).
  void Submit(HttpRequest request, Responder respond);

  // Whether `authorization` (a request's Authorization header) logs in,
  // lockouts counted: for the network front, before it reads a large body.
  // `done` runs on a worker.
  void CheckCredentials(std::string authorization, std::string peer, std::function<void(bool)> done);

  // The same, waiting for the first answer: for a parked Ping one with
  // `later` set. For tests and tools that drive the Dispatcher directly.
  HttpResponse Handle(const HttpRequest& request);

  // What MS-ASProtocolCommands advertises: exactly the commands that have a
  // handler here.
  std::string ImplementedCommands() const;

 private:
  struct Admitted;
  struct Record;
  struct Login_ {
    AccountName name;
    backend::Account account;
  };
  // Basic credentials checked, with the lockouts (login_guard.h).
  std::variant<HttpResponse, Login_> Login(const std::string& authorization, const std::string& peer,
                                           Record& record);
  // `first` gets the answer as the handler gives it (perhaps `later`).
  void Dispatch(std::shared_ptr<const HttpRequest> request, Responder first);
  // Path, method, query, Basic auth, User=, version, command, device:
  // everything that needs no device state. Runs on any worker.
  std::variant<HttpResponse, Admitted> Admit(const HttpRequest& request, Record& record);
  // Device bookkeeping, the provisioning gate, the command. Runs on the
  // device's strand.
  HttpResponse Run(const HttpRequest& request, const Admitted& admitted, Record& record);
  HttpResponse Options();
  // Whether the device is recorded (--record-all, eas-admin devices
  // record); if so its session is opened before the request runs.
  // `protocol` is "" for an OPTIONS, which names no version.
  void StartRecording(const HttpRequest& request, const backend::Account& account, const Query& query,
                      const std::string& protocol, Record& record);
  // After the answer: the exchange into the device's recorded session.
  void RecordExchange(const HttpRequest& request, const Record& record, const HttpResponse& response);
  // Mail from outside the session that this answer shows the device (deliver
  // events), and the device's own sent mail remembered as its own.
  std::vector<record::RecordedDelivery> RecordedMail(const HttpRequest& request, const Record& record,
                                                     const HttpResponse& response);
  // POST /autodiscover/autodiscover.xml (any case), for the signed-in account.
  HttpResponse Autodiscover(const HttpRequest& request, Record& record);
  // 401; `why` non-empty: credentials that failed (logged as such).
  HttpResponse Unauthorized(const Record& record, const char* why);

  backend::Backend& backend_;
  state::DeviceState& state_;
  DispatcherOptions options_;
  std::unique_ptr<commands::SyncEngine> own_sync_engine_;  // when options_ has none
  commands::FindSearches find_searches_;
  // The pool goes first (~Dispatcher): its queued tasks use the strands.
  std::unique_ptr<exec::WorkerPool> pool_;
  std::unique_ptr<exec::Strands> strands_;
  LoginGuard login_guard_;
};

}  // namespace eas::http

#endif  // EAS_REFERENCE_HTTP_DISPATCHER_H_
