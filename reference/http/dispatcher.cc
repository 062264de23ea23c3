#include "reference/http/dispatcher.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <future>
#include <new>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "reference/backend/outage_watch.h"
#include "reference/commands/folder_commands.h"
#include "reference/commands/find.h"
#include "reference/commands/folder_sync.h"
#include "reference/commands/get_item_estimate.h"
#include "reference/commands/item_operations.h"
#include "reference/commands/meeting_response.h"
#include "reference/commands/move_items.h"
#include "reference/commands/ping.h"
#include "reference/commands/policy_document.h"
#include "reference/commands/provision.h"
#include "reference/commands/resolve_recipients.h"
#include "reference/commands/search.h"
#include "reference/commands/send_mail.h"
#include "reference/commands/settings.h"
#include "reference/commands/sync.h"
#include "reference/commands/validate_cert.h"
#include "reference/devices/device_quirks.h"
#include "reference/eas/status_codes.h"
#include "reference/http/autodiscover.h"
#include "reference/http/credentials.h"
#include "reference/record/account_fixture.h"
#include "reference/http/query.h"
#include "reference/log/log.h"
#include "reference/metrics/metrics.h"
#include "reference/plan/test_plan.h"
#include "reference/storage/sqlite.h"
#include "reference/wbxml/decoder.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/encoder.h"

namespace eas::http {
namespace detail {

using Handler = commands::CommandResult (*)(commands::CommandContext&);

struct CommandSpec {
  Command command;
  const char* root;       // the response's root element
  const char* ns;         // and its code page
  Handler handler;
  bool needs_policy_key;  // behind the provisioning gate
  // The answer to a body that does not decode: the command's own status.
  int protocol_error;
  // Below 14.0 the body is MIME, not WBXML (SendMail, SmartReply, SmartForward).
  bool mime_below_14 = false;
  // The protocol versions that have the command (MS-ASCMD 2.2.1).
  ProtocolVersion since = ProtocolVersion::k2_5;
  ProtocolVersion until = ProtocolVersion::k16_1;
};

}  // namespace detail

namespace {

using detail::CommandSpec;

// HTTP 449 "Retry after sending a PROVISION command" (MS-ASHTTP 3.2.5.1),
// for protocol 12.1 and earlier.
constexpr int kHttpRetryWithProvision = 449;
// Exchange 2016's answer in MS-Server-ActiveSync.
constexpr char kServerVersion[] = "15.1";
// The longest DeviceId and DeviceType taken.
constexpr size_t kMaxDeviceField = 64;

// The implemented commands. Settings is outside the gate: iOS and Nokia send
// it before Provision (../shared/device-notes.md).
constexpr CommandSpec kCommands[] = {
    {Command::kProvision, "Provision", "Provision:", &commands::Provision, false,
     status::provision::kProtocolError},
    {Command::kFolderSync, "FolderSync", "FolderHierarchy:", &commands::FolderSync, true,
     status::folder_sync::kIncorrectlyFormattedRequest},
    {Command::kSettings, "Settings", "Settings:", &commands::Settings, false,
     status::settings::kProtocolError},
    {Command::kSync, "Sync", "AirSync:", &commands::Sync, true, status::sync::kProtocolError},
    // A body that does not decode has no collection to blame: Status 2.
    {Command::kGetItemEstimate, "GetItemEstimate", "GetItemEstimate:", &commands::GetItemEstimate,
     true, status::get_item_estimate::kInvalidCollection},
    {Command::kPing, "Ping", "Ping:", &commands::Ping, true, status::ping::kSyntaxError},
    {Command::kFolderCreate, "FolderCreate", "FolderHierarchy:", &commands::FolderCreate, true,
     status::folder::kMalformedRequest},
    {Command::kFolderUpdate, "FolderUpdate", "FolderHierarchy:", &commands::FolderUpdate, true,
     status::folder::kMalformedRequest},
    {Command::kFolderDelete, "FolderDelete", "FolderHierarchy:", &commands::FolderDelete, true,
     status::folder::kMalformedRequest},
    // MoveItems has no top-level Status; a body that does not decode gets
    // the common status from 14.0 and HTTP 400 before.
    {Command::kMoveItems, "MoveItems", "Move:", &commands::MoveItems, true, status::common::kInvalidWbxml},
    {Command::kSearch, "Search", "Search:", &commands::Search, true, status::search::kInvalidRequest},
    {Command::kFind, "Find", "Find:", &commands::Find, true, status::find::kInvalidRequest, false,
     ProtocolVersion::k16_1},
    {Command::kResolveRecipients, "ResolveRecipients", "ResolveRecipients:", &commands::ResolveRecipients,
     true, status::resolve_recipients::kProtocolError},
    {Command::kItemOperations, "ItemOperations", "ItemOperations:", &commands::ItemOperations, true,
     status::item_operations::kProtocolError, false, ProtocolVersion::k12_0},
    {Command::kGetAttachment, "GetAttachment", "", &commands::GetAttachment, true, 0, false,
     ProtocolVersion::k2_5, ProtocolVersion::k12_1},
    {Command::kMeetingResponse, "MeetingResponse", "MeetingResponse:", &commands::MeetingResponse, true,
     status::meeting_response::kInvalidMeetingRequest},
    {Command::kValidateCert, "ValidateCert", "ValidateCert:", &commands::ValidateCert, true,
     status::validate_cert::kProtocolError},
    {Command::kSendMail, "SendMail", "ComposeMail:", &commands::SendMail, true,
     status::common::kInvalidWbxml, true},
    {Command::kSmartReply, "SmartReply", "ComposeMail:", &commands::SmartReply, true,
     status::common::kInvalidWbxml, true},
    {Command::kSmartForward, "SmartForward", "ComposeMail:", &commands::SmartForward, true,
     status::common::kInvalidWbxml, true},
};

const CommandSpec* FindSpec(Command c, bool push) {
  for (const auto& spec : kCommands) {
    if (spec.command == c && (push || c != Command::kPing)) return &spec;
  }
  return nullptr;
}

HttpResponse Plain(int status, const std::string& text) {
  HttpResponse r;
  r.status = status;
  r.body = text.empty() ? "" : text + "\n";
  if (!r.body.empty()) r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
  return r;
}

HttpResponse Wbxml(const commands::CommandResult& result) {
  HttpResponse r;
  r.status = result.http_status;
  if (result.retry_after_seconds > 0) {
    r.headers.emplace_back("Retry-After", absl::StrCat(result.retry_after_seconds));
  }
  if (result.raw_body) {
    r.body = *result.raw_body;
    if (!result.content_type.empty()) r.headers.emplace_back("Content-Type", result.content_type);
    return r;
  }
  if (result.body->first_child()) {
    auto bytes = wbxml::Encode(*result.body);
    if (!bytes.ok()) return Plain(500, "cannot encode the response");
    r.body = std::move(*bytes);
    r.headers.emplace_back("Content-Type", kWbxmlContentType);
  }
  return r;
}

uint32_t OpenSslRandom32() {
  uint32_t value = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof(value));
  return value;
}

}  // namespace

std::string HttpRequest::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

// The state a request has after Admit: everything Run needs besides the
// request itself.
struct Dispatcher::Admitted {
  Query query;
  AccountName name;
  backend::Account account;
  ProtocolVersion version;
  const CommandSpec* spec = nullptr;
  // The device's strand and its key in the push hub: account/DeviceId.
  std::string device_key;
};

// What the access line says of one request, filled in as it goes: by
// Admit (account, command), by Run (device, EAS status, backend calls), and
// when the answer leaves (HTTP status, bytes, time).
struct Dispatcher::Record {
  absl::Time start = absl::Now();
  std::string peer, account, device_id, device_type, command, version;
  // The command as the metrics name it: one of the command table's, or
  // OPTIONS, or "unknown" (never the client's text: it would grow the set).
  std::string metric_command = "unknown";
  size_t bytes_in = 0;
  int eas_status = 0;
  int backend_calls = 0;
  // The request belongs to a recorded session (StartRecording).
  bool recording = false;
  std::string device_key;
  backend::Account recorded_account;  // whose mail a recorded answer shows

  void Finish(const HttpResponse& r) const {
    const absl::Duration took = absl::Now() - start;
    log::Access({{"peer", peer},
                 {"account", account},
                 {"device", device_id},
                 {"type", device_type},
                 {"cmd", command},
                 {"ver", version},
                 {"http", r.status},
                 {"eas", eas_status},
                 {"ms", absl::ToDoubleMilliseconds(took)},
                 {"in", bytes_in},
                 {"out", r.body.size()},
                 {"backend", backend_calls}});
    auto& m = metrics::Registry::Default();
    const std::string command = absl::StrCat("command=\"", metric_command, "\"");
    m.Count("eas_requests_total", absl::StrCat(command, ",code=\"", r.status, "\""));
    m.Observe("eas_request_duration_seconds", command, absl::ToDoubleSeconds(took));
    if (backend_calls > 0) m.Count("eas_backend_calls_total", "", backend_calls);
  }
};

namespace {

// The answer's status for the log: the first Status element (the
// command's, or its first collection's).
int EasStatus(const pugi::xml_document& body) {
  pugi::xml_node status = body.find_node([](pugi::xml_node n) { return std::strcmp(n.name(), "Status") == 0; });
  return status ? status.text().as_int() : 0;
}

}  // namespace

Dispatcher::Dispatcher(backend::Backend& backend, state::DeviceState& state,
                       DispatcherOptions options)
    : backend_(backend), state_(state), options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return absl::ToUnixSeconds(absl::Now()); };
  if (!options_.random32) options_.random32 = &OpenSslRandom32;
  if (options_.sync_engine == nullptr) {
    own_sync_engine_ = std::make_unique<commands::SyncEngine>();
    options_.sync_engine = own_sync_engine_.get();
  }
  pool_ = std::make_unique<exec::WorkerPool>(options_.workers, options_.max_queued_requests);
  strands_ = std::make_unique<exec::Strands>(*pool_, options_.max_queued_per_device);
}

Dispatcher::~Dispatcher() { Shutdown(); }

void Dispatcher::Shutdown() {
  // Nothing new reaches the pool once it is going: a change may still wake
  // a parked Sync and try to queue it on its strand.
  strands_->Close();
  pool_.reset();
}

size_t Dispatcher::queued() const { return pool_ ? pool_->queued() : 0; }

size_t Dispatcher::active_devices() const { return strands_->active(); }

std::vector<CommandInfo> CommandTable(bool push) {
  std::vector<CommandInfo> table;
  for (const auto& spec : kCommands) {
    if (FindSpec(spec.command, push)) {
      table.push_back({std::string(CommandName(spec.command)), spec.since, spec.until, spec.needs_policy_key});
    }
  }
  return table;
}

std::string Dispatcher::ImplementedCommands() const {
  std::vector<std::string> names;
  for (const auto& spec : kCommands) {
    if (FindSpec(spec.command, options_.hub != nullptr)) names.emplace_back(CommandName(spec.command));
  }
  return absl::StrJoin(names, ",");
}

HttpResponse Dispatcher::Options() {
  HttpResponse r;
  r.headers = {{"Allow", "OPTIONS,POST"},
               {"Public", "OPTIONS,POST"},
               {"MS-Server-ActiveSync", kServerVersion},
               {"MS-ASProtocolVersions", SupportedVersionsHeader()},
               {"MS-ASProtocolCommands", ImplementedCommands()}};
  return r;
}

HttpResponse Dispatcher::Unauthorized(const Record& record, const char* why) {
  // No credentials at all is how every client's first request goes: only
  // credentials that fail are a security event.
  if (*why != '\0') {
    metrics::Registry::Default().Count("eas_login_failures_total", "");
    log::Security("login-failed", {{"peer", record.peer}, {"account", record.account}, {"device", record.device_id},
                                   {"why", why}});
  }
  HttpResponse r = Plain(401, "authentication required");
  r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"ActiveSync\"");
  return r;
}

std::variant<HttpResponse, Dispatcher::Login_> Dispatcher::Login(const std::string& authorization,
                                                               const std::string& peer, Record& record) {
  auto credentials = ParseBasicAuthorization(authorization);
  if (!credentials) return Unauthorized(record, "");
  auto name = ResolveAccountName(credentials->username);
  record.account = credentials->username;
  if (!name) return Unauthorized(record, "no such account form");
  record.account = absl::StrCat(name->context, "/", name->login);
  // Guessing protection: a locked-out account or address is refused
  // without checking the password (MS-ASHTTP 3.2.5.1 lets a server refuse
  // with 401), whichever DeviceId or connection the guesses come from.
  const absl::Time now = absl::FromUnixSeconds(options_.now());
  const std::string account_key = LoginGuard::Key("account", record.account);
  const std::string peer_key = LoginGuard::Key("peer", peer);
  const absl::Duration locked = std::max(login_guard_.LockedFor(account_key, now), login_guard_.LockedFor(peer_key, now));
  if (locked > absl::ZeroDuration()) {
    metrics::Registry::Default().Count("eas_login_lockouts_total", "");
    log::Security("login-refused", {{"peer", record.peer}, {"account", record.account}, {"device", record.device_id},
                                    {"locked_ms", static_cast<long long>(absl::ToInt64Milliseconds(locked))}});
    HttpResponse r = Unauthorized(record, "");
    r.headers.emplace_back("Retry-After", absl::StrCat((absl::ToInt64Milliseconds(locked) + 999) / 1000));
    return r;
  }
  // One account's guesses are checked one at a time (login_guard.h); the
  // credential is told apart by a digest, never kept.
  const std::string credential = LoginGuard::Key("password", absl::StrCat(record.account, ":", credentials->password));
  if (!login_guard_.BeginCheck(account_key, credential, now)) {
    metrics::Registry::Default().Count("eas_login_lockouts_total", "");
    HttpResponse r = Unauthorized(record, "");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  auto account = backend_.Authenticate(name->context, name->login, credentials->password);
  if (account.status().code() == absl::StatusCode::kUnauthenticated) {
    login_guard_.Failed(account_key, now, options_.account_lockout);
    login_guard_.Failed(peer_key, now, options_.peer_lockout);
    login_guard_.EndCheck(account_key);
    return Unauthorized(record, "wrong password or unknown account");
  }
  if (!account.ok()) {
    login_guard_.EndCheck(account_key);
    log::Error("authenticating", account.status(), {{"account", record.account}});
    HttpResponse r = Plain(503, "the groupware server is not reachable; try again later");
    r.headers.emplace_back("Retry-After", "30");
    return r;
  }
  login_guard_.Succeeded(account_key);
  login_guard_.EndCheck(account_key);
  return Login_{*name, *account};
}

void Dispatcher::CheckCredentials(std::string authorization, std::string peer, std::function<void(bool)> done) {
  const bool queued = pool_ != nullptr && pool_->Post([this, authorization, peer, done] {
    Record record;
    record.peer = peer;
    record.command = "(before the body)";
    done(std::holds_alternative<Login_>(Login(authorization, peer, record)));
  });
  if (!queued) done(false);
}

HttpResponse Dispatcher::Autodiscover(const HttpRequest& request, Record& record) {
  record.command = record.metric_command = "Autodiscover";
  if (request.method != "POST") {
    HttpResponse r = Plain(405, "Autodiscover takes POST");
    r.headers.emplace_back("Allow", "POST");
    return r;
  }
  if (request.body.size() > kMaxAutodiscoverBody) return Plain(413, "request body too large");
  auto login = Login(request.Header("Authorization"), request.peer, record);
  if (auto* refused = std::get_if<HttpResponse>(&login)) return std::move(*refused);
  std::string url = options_.public_url;
  if (url.empty()) {
    // Where the client reached us, if the Host header is a plain host name.
    std::string host = request.Header("Host");
    if (host.empty() || host.size() > 255 ||
        host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            std::string::npos) {
      host = "localhost";
    }
    url = absl::StrCat("https://", host, kEasPath);
  }
  HttpResponse r;
  r.body = AutodiscoverAnswer(request.body, std::get<Login_>(login).account, url,
                              absl::FromUnixSeconds(options_.now()));
  r.headers.emplace_back("Content-Type", "text/xml; charset=utf-8");
  return r;
}

std::variant<HttpResponse, Dispatcher::Admitted> Dispatcher::Admit(const HttpRequest& request, Record& record) {
  // Path and method (MS-ASHTTP 2.2.1.1.1).
  const size_t question = request.target.find('?');
  const std::string path = request.target.substr(0, question);
  if (absl::EqualsIgnoreCase(path, kAutodiscoverPath)) return Autodiscover(request, record);
  if (!absl::EqualsIgnoreCase(path, kEasPath)) return Plain(404, "not an ActiveSync URL");
  if (request.method != "POST" && request.method != "OPTIONS") {
    HttpResponse r = Plain(405, "only OPTIONS and POST");
    r.headers.emplace_back("Allow", "OPTIONS,POST");
    return r;
  }
  if (request.body.size() > options_.max_body_bytes) return Plain(413, "request body too large");

  Query query;
  if (question != std::string::npos && question + 1 < request.target.size()) {
    auto parsed = ParseQuery(absl::string_view(request.target).substr(question + 1));
    if (!parsed.ok()) return Plain(400, std::string(parsed.status().message()));
    query = std::move(*parsed);
  } else if (request.method == "POST") {
    return Plain(400, "no query");
  }
  record.command = query.command_name.empty() ? request.method : query.command_name;
  record.device_id = query.device_id;
  record.device_type = query.device_type;

  // Basic authentication (MS-ASHTTP 2.2.1.1.2.1), OPTIONS included: phones
  // validate the account with it.
  auto login = Login(request.Header("Authorization"), request.peer, record);
  if (auto* refused = std::get_if<HttpResponse>(&login)) return std::move(*refused);
  const AccountName* name = &std::get<Login_>(login).name;
  auto account = &std::get<Login_>(login).account;
  if (request.method == "OPTIONS") {
    record.metric_command = "OPTIONS";
    // A device that names itself in the query (iOS does) has its OPTIONS
    // in its recorded session: the versions it was offered.
    if (options_.recorder != nullptr && options_.recorder->enabled() && !query.device_id.empty() &&
        query.device_id.size() <= kMaxDeviceField && query.device_type.size() <= kMaxDeviceField) {
      StartRecording(request, *account, query, "", record);
    }
    return Options();
  }

  if (!QueryUserMatches(query.user, *name)) {
    return Plain(403, "the User parameter names another account");
  }

  // MS-ASHTTP 2.2.1.1.1.2.3: no commas or special characters. Bounded, so a
  // client cannot make a device row of 50 KB (issue 15).
  auto plain_id = [](const std::string& v) {
    return v.size() <= kMaxDeviceField &&
           std::all_of(v.begin(), v.end(), [](char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.'; });
  };
  // A refusal of a device that names itself well is part of its recorded
  // session: a version it was not offered is what the client rules judge
  // (http.protocol-version).
  auto record_refusal = [&] {
    if (options_.recorder != nullptr && options_.recorder->enabled() && !query.device_id.empty() &&
        !query.device_type.empty() && plain_id(query.device_id) && plain_id(query.device_type)) {
      StartRecording(request, *account, query, "", record);
    }
  };

  // Protocol version: the base64 query's first byte, else the header.
  std::optional<ProtocolVersion> version = query.version;
  if (!query.base64) version = ParseProtocolVersion(request.Header("MS-ASProtocolVersion"));
  if (!version) {
    record_refusal();
    HttpResponse r = Plain(400, "unsupported or missing protocol version");
    r.headers.emplace_back("MS-ASProtocolVersions", SupportedVersionsHeader());
    return r;
  }
  const CommandSpec* spec = query.command ? FindSpec(*query.command, options_.hub != nullptr) : nullptr;
  if (spec == nullptr) {
    HttpResponse r = Plain(501, absl::StrCat("command not implemented: ", query.command_name));
    r.headers.emplace_back("MS-ASProtocolCommands", ImplementedCommands());
    return r;
  }
  if (query.device_id.empty() || query.device_type.empty()) {
    return Plain(400, "DeviceId and DeviceType are required");
  }
  if (!plain_id(query.device_id) || !plain_id(query.device_type)) {
    return Plain(400, absl::StrCat("DeviceId and DeviceType are letters and digits, at most ", kMaxDeviceField));
  }
  record.version = ToString(*version);
  record.metric_command = spec->root;
  if (*version < spec->since || *version > spec->until) {
    record_refusal();
    HttpResponse r = Plain(501, absl::StrCat(query.command_name, " does not exist in protocol ",
                                             ToString(*version)));
    r.headers.emplace_back("MS-ASProtocolCommands", ImplementedCommands());
    return r;
  }

  Admitted admitted;
  admitted.device_key = absl::StrCat(account->key(), "/", query.device_id);
  admitted.query = std::move(query);
  admitted.name = std::move(*name);
  admitted.account = std::move(*account);
  admitted.version = *version;
  admitted.spec = spec;
  return admitted;
}

HttpResponse Dispatcher::Run(const HttpRequest& request, const Admitted& admitted, Record& record) {
  const Query& query = admitted.query;
  const backend::Account* account = &admitted.account;
  const std::optional<ProtocolVersion> version = admitted.version;
  const CommandSpec* spec = admitted.spec;
  // A device that sends anything ends the request it left parked (a Ping,
  // a Sync with Wait): it is no longer waiting on that connection.
  if (options_.hub != nullptr) options_.hub->Wake(admitted.device_key, {});

  auto device = state_.Touch(account->key(), query.device_id, query.device_type,
                             request.Header("User-Agent"), ToString(*version), options_.now());
  if (absl::IsResourceExhausted(device.status())) {
    log::Security("device-refused", {{"account", record.account}, {"device", record.device_id},
                                     {"why", device.status().message()}});
    return Plain(403, "this account has too many devices; remove old ones (eas-admin devices list)");
  }
  if (!device.ok()) {
    log::Error("recording the device", device.status(), {{"account", record.account}, {"device", record.device_id}});
    // Busy or out of disk: try again later (MS-ASHTTP 3.2.5.1).
    HttpResponse r = Plain(absl::IsUnavailable(device.status()) ? 503 : 500, "device state unavailable");
    if (r.status == 503) r.headers.emplace_back("Retry-After", "30");
    return r;
  }
  if (device->blocked) {
    log::Security("device-refused", {{"account", record.account}, {"device", record.device_id}, {"why", "blocked"}});
    return Plain(403, "this device is blocked for this account");
  }
  if (options_.recorder != nullptr && options_.recorder->enabled()) {
    StartRecording(request, admitted.account, admitted.query, ToString(admitted.version), record);
  }

  // The test plan the server plays with this device, if one is set
  // (eas-admin devices plan; reference/plan/test_plan.h): its turn before
  // the gate, then with the body. Its progress is saved as it changes.
  std::optional<plan::Runner> planner;
  plan::PlanEnv plan_env;
  plan::PlanRequest plan_request;
  auto save_plan = [&] {
    if (!planner || !planner->changed()) return;
    if (auto st = state_.SetPlan(account->key(), query.device_id, plan::Serialize(planner->progress())); !st.ok()) {
      log::Error("saving the test plan's progress", st, {{"account", record.account}, {"device", record.device_id}});
    }
    planner->Saved();
  };
  if (auto stored = state_.Plan(account->key(), query.device_id); !stored.ok()) {
    log::Error("reading the test plan", stored.status(), {{"account", record.account}, {"device", record.device_id}});
  } else if (stored->has_value()) {
    auto progress = plan::Parse(**stored);
    auto policy = state_.GetPolicy();
    if (!progress.ok() || !policy.ok()) {
      log::Error("reading the test plan", progress.ok() ? policy.status() : progress.status(),
                 {{"account", record.account}, {"device", record.device_id}});
    } else {
      planner.emplace(std::move(*progress));
      plan_env = {&backend_, &state_, *account, *device, *policy};
      plan_request = {record.command, *version, spec->needs_policy_key, absl::ToUnixMillis(absl::Now())};
      bool device_changed = false;
      auto answer = planner->BeforeGate(plan_request, plan_env, &device_changed);
      save_plan();
      if (answer) return Wbxml(*answer);
      if (device_changed) {
        auto again = state_.Find(account->key(), query.device_id);
        if (again.ok() && again->has_value()) *device = **again;
      }
    }
  }

  // The provisioning gate (MS-ASPROV 3.2.5.1): 449 up to 12.1, a status in
  // the command's body from 14.0.
  if (spec->needs_policy_key) {
    auto policy = state_.GetPolicy();
    if (!policy.ok()) {
      log::Error("reading the policy", policy.status());
      return Plain(500, "policy unavailable");
    }
    const bool exempt = std::find(policy->exempt_device_types.begin(),
                                  policy->exempt_device_types.end(),
                                  device->device_type) != policy->exempt_device_types.end();
    int refusal = 0;
    // Either wipe (MS-ASPROV 3.1.5.1.1); an account-only one only where the
    // protocol has it (16.1, 2.2.2.1).
    if (device->wipe == state::WipeStatus::kRequested ||
        (device->wipe == state::WipeStatus::kAccountOnlyRequested && *version >= ProtocolVersion::k16_1)) {
      refusal = status::common::kRemoteWipeRequested;
    } else if (policy->required && !exempt) {
      // No key at all: a client that does not know provisioning (141). Key 0
      // or a device never provisioned: 142. A wrong key: 144. A key from
      // before the policy changed: 143. (MS-ASPROV 3.2.5.1, Appendix B.)
      std::optional<uint32_t> key = query.policy_key;
      if (!query.base64) {
        uint32_t parsed = 0;
        const std::string header = request.Header("X-MS-PolicyKey");
        if (absl::SimpleAtoi(header, &parsed)) key = parsed;
      }
      if (!key.has_value()) {
        refusal = device->policy_key == 0 ? status::common::kDeviceNotProvisioned
                                          : status::common::kLegacyDeviceOnStrictPolicy;
      } else if (device->policy_key == 0 || *key == 0) {
        refusal = status::common::kDeviceNotProvisioned;
      } else if (*key != device->policy_key) {
        refusal = status::common::kInvalidPolicyKey;
      } else if (device->policy_generation != policy->generation) {
        refusal = status::common::kPolicyRefresh;
      }
    }
    if (refusal != 0) {
      if (*version <= ProtocolVersion::k12_1) return Plain(kHttpRetryWithProvision, "");
      // From 14.0 the refusal is a status in the command's own body.
      return Wbxml(commands::StatusResponse(spec->root, spec->ns, refusal));
    }
  }

  pugi::xml_document body;
  const bool mime_body = spec->mime_below_14 && *version < ProtocolVersion::k14_0;
  if (!request.body.empty() && !mime_body && spec->command != Command::kGetAttachment) {
    if (!wbxml::Decode(request.body, body).ok()) {
      if (spec->command == Command::kMoveItems && *version < ProtocolVersion::k14_0) {
        return Plain(400, "the body is not WBXML");
      }
      return Wbxml(commands::StatusResponse(spec->root, spec->ns, spec->protocol_error));
    }
  }
  if (planner) {
    plan_env.device = *device;
    auto answer = planner->BeforeHandler(plan_request, body, plan_env);
    save_plan();
    if (answer) return Wbxml(*answer);
  }
  commands::CommandContext ctx;
  ctx.version = *version;
  ctx.query = &query;
  ctx.account = *account;
  ctx.device = *device;
  auto watch = std::make_shared<backend::OutageWatch>(backend_);
  ctx.backend = watch.get();
  ctx.backend_owner = watch;  // a waiting Sync keeps it
  ctx.state = &state_;
  ctx.request = &body;
  ctx.raw_body = &request.body;
  ctx.accept_multipart = query.accept_multipart ||
                         absl::EqualsIgnoreCase(request.Header("MS-ASAcceptMultiPart"), "T");
  ctx.relay = options_.relay;
  ctx.now = options_.now();
  ctx.random32 = options_.random32;
  ctx.hub = options_.hub;
  ctx.ping = options_.ping;
  ctx.search_max_items = options_.search_max_items;
  ctx.find_searches = &find_searches_;
  ctx.sync_engine = options_.sync_engine;
  ctx.on_device_strand = [this, key = admitted.device_key](std::function<void()> task) {
    return strands_->Post(key, std::move(task));
  };
  if (auto overrides = state_.QuirkOverrides(); overrides.ok()) {
    std::set<std::string> off, on;
    for (const auto& [name, enabled] : *overrides) (enabled ? on : off).insert(name);
    const std::string agent = request.Header("User-Agent");
    ctx.quirks = devices::QuirkTable::Default().For(device->device_type,
                                                    agent.empty() ? device->user_agent : agent, off, on);
  }
  const int deadline = devices::QuirkTable::Default().DeadlineSeconds(ctx.quirks);
  ctx.response_budget = (deadline > 0 ? absl::Seconds(deadline) : options_.default_client_deadline) *
                        options_.deadline_share;
  storage::WriteFaultScope writes;
  commands::CommandResult result = spec->handler(ctx);
  record.backend_calls = watch->calls();
  if (writes.faulted() && !result.later) {
    // The disk is full or the file locked: whatever the handler answered,
    // the phone is to try again later (MS-ASHTTP 3.2.5.1); the request's
    // sync state stays resendable.
    metrics::Registry::Default().Count("eas_storage_write_faults_total", "");
    log::Error("storing during " + record.command, writes.first(),
               {{"account", record.account}, {"device", record.device_id}});
    return Wbxml(commands::StorageUnavailable());
  }
  if (watch->outage() && !result.later) {
    // The groupware was unreachable: retry later (MS-ASHTTP 3.2.5.1).
    metrics::Registry::Default().Count("eas_groupware_outages_total", "");
    log::Error("the groupware during " + record.command, watch->first_outage(),
               {{"account", record.account}, {"device", record.device_id}});
    HttpResponse r = Plain(503, "the groupware server is not reachable; try again later");
    r.headers.emplace_back("Retry-After", "30");
    return r;
  }
  if (result.later) {
    HttpResponse parked;
    parked.later = std::make_shared<Later<HttpResponse>>();
    result.later->Then([answer = parked.later, &record](commands::CommandResult done) {
      if (done.body) record.eas_status = EasStatus(*done.body);
      answer->Complete(Wbxml(done));
    });
    return parked;
  }
  if (result.body) record.eas_status = EasStatus(*result.body);
  return Wbxml(result);
}

void Dispatcher::StartRecording(const HttpRequest& request, const backend::Account& account, const Query& query,
                                const std::string& protocol, Record& record) {
  const std::string device_key = absl::StrCat(account.key(), "/", query.device_id);
  bool on = options_.recorder->record_all();
  if (!on) {
    auto flag = state_.IsRecording(account.key(), query.device_id);
    log::IfError(flag.status(), "reading whether the device is recorded",
                 {{"account", record.account}, {"device", record.device_id}});
    on = flag.ok() && *flag;
  }
  if (!on) {
    options_.recorder->End(device_key);
    return;
  }
  record::SessionInfo info;
  info.login = account.login;
  info.account = account.key();
  info.device_id = query.device_id;
  info.device_type = query.device_type;
  info.user_agent = request.Header("User-Agent");
  info.protocol = protocol;
  info.query_form = query.base64 ? "base64" : "plain";
  auto credentials = ParseBasicAuthorization(request.Header("Authorization"));
  info.user = credentials ? credentials->username : account.login;
  info.query_user = query.base64 ? "" : query.user;
  info.started = record.start;
  record.recording = options_.recorder->Begin(
      device_key, info,
      [&]() -> absl::StatusOr<nlohmann::json> {
        auto state = record::ExportAccount(backend_, account);
        if (!state.ok()) return state;
        // The policy the session runs under is part of where it started.
        auto policy = state_.GetPolicy();
        if (!policy.ok()) return policy.status();
        (*state)[record::kPolicyKey] =
            record::PolicyToFixture(policy->stored ? *policy : commands::DefaultPolicy());
        return state;
      },
      absl::Now());
  record.device_key = device_key;
  record.recorded_account = account;
}

std::vector<record::RecordedDelivery> Dispatcher::RecordedMail(const HttpRequest& request, const Record& record,
                                                               const HttpResponse& response) {
  const std::string& command = record.command;
  const backend::Account& account = record.recorded_account;
  // The device's own messages: their copies (Sent Items, to itself) are
  // not deliveries.
  if (command == "SendMail" || command == "SmartReply" || command == "SmartForward") {
    pugi::xml_document doc;
    if (!request.body.empty() && request.body[0] == 0x03 && wbxml::Decode(request.body, doc).ok()) {
      auto mime = wbxml::ContentBytes(doc.document_element().child("Mime"));
      if (mime.ok()) options_.recorder->Sent(record.device_key, *mime);
    } else {
      options_.recorder->Sent(record.device_key, request.body);
    }
    return {};
  }
  if (response.status != 200 || (command != "Sync" && command != "Ping")) return {};
  pugi::xml_document doc;
  if (!wbxml::Decode(response.body, doc).ok()) return {};
  // The mail the answer hands the device (Sync), or is about to (a Ping's
  // changed folders): at most this many looked at an exchange.
  constexpr size_t kMaxLooked = 50;
  std::vector<std::string> ids;
  if (command == "Sync") {
    for (pugi::xml_node c : doc.child("Sync").child("Collections").children("Collection")) {
      for (pugi::xml_node add : c.child("Commands").children("Add")) {
        const pugi::xml_node data = add.child("ApplicationData");
        const bool mail = std::any_of(data.begin(), data.end(),
                                      [](const pugi::xml_node& n) { return absl::StartsWith(n.name(), "email:"); });
        if (ids.size() < kMaxLooked && mail) {
          ids.push_back(add.child("ServerId").text().get());
        }
      }
    }
  } else if (std::string(doc.child("Ping").child("Status").text().get()) == "2") {
    auto device = state_.Find(account.key(), record.device_id);
    for (pugi::xml_node f : doc.child("Ping").child("Folders").children("Folder")) {
      if (!device.ok() || !device->has_value()) break;
      const std::string folder = f.text().get();
      auto key = state_.LatestCollectionKey(**device, folder);
      auto held = key.ok() && !key->empty() ? state_.CollectionSnapshot(**device, folder, *key)
                                            : absl::StatusOr<std::optional<state::CollectionState>>(std::nullopt);
      if (!held.ok() || !held->has_value()) continue;
      auto changes = backend_.ChangesSince(account, folder, (*held)->counter);
      if (!changes.ok()) continue;
      for (const auto& change : *changes) {
        if (ids.size() < kMaxLooked && !change.deleted && change.item_class == "Email" &&
            !(*held)->items.contains(change.server_id)) {
          ids.push_back(change.server_id);
        }
      }
    }
  }
  std::vector<std::string> seen;
  for (const auto& id : ids) {
    auto mime = backend_.GetMime(account, id);
    if (mime.ok()) seen.push_back(std::move(*mime));
  }
  std::vector<record::RecordedDelivery> out;
  const int64_t waited = absl::ToInt64Milliseconds(absl::Now() - record.start);
  for (auto& mime : options_.recorder->Arrived(record.device_key, seen)) {
    record::RecordedDelivery d;
    d.mime = std::move(mime);
    // Into a parked Ping a little before its answer left: the replay's
    // delivery wakes it as this one did.
    d.during = command == "Ping";
    d.after_ms = std::max<int64_t>(50, waited - 200);
    out.push_back(std::move(d));
  }
  return out;
}

void Dispatcher::RecordExchange(const HttpRequest& request, const Record& record, const HttpResponse& response) {
  if (!record.recording) return;
  record::RecordedExchange e;
  e.method = request.method;
  e.target = request.target;
  e.request_headers = request.headers;
  e.request_body = request.body;
  e.status = response.status;
  e.response_headers = response.headers;
  e.response_body = response.body;
  e.received = record.start;
  e.deliveries = RecordedMail(request, record, response);
  e.answered = absl::Now();
  options_.recorder->Record(record.device_key, e, e.answered);
}

namespace {

HttpResponse Busy(const char* why) {
  HttpResponse r = Plain(503, why);
  r.headers.emplace_back("Retry-After", "5");
  return r;
}

}  // namespace

void Dispatcher::Dispatch(std::shared_ptr<const HttpRequest> request, Responder first) {
  auto record = std::make_shared<Record>();
  record->peer = request->peer;
  record->bytes_in = request->body.size();
  // Every answer gets its access line when it is ready: a parked Ping's
  // when it ends.
  Responder answer = [this, request, record, first](HttpResponse r) {
    if (r.later) {
      auto outer = std::make_shared<Later<HttpResponse>>();
      r.later->Then([this, request, record, outer](HttpResponse done) {
        record->Finish(done);
        RecordExchange(*request, *record, done);
        outer->Complete(std::move(done));
      });
      r.later = outer;
    } else {
      record->Finish(r);
      RecordExchange(*request, *record, r);
    }
    first(std::move(r));
  };
  // A handler that throws (std::bad_alloc on a hostile body) costs its
  // request, never the process.
  auto guarded = [answer, record](auto&& step) {
    try {
      step();
    } catch (const std::bad_alloc&) {
      log::Error("answering " + record->command, absl::ResourceExhaustedError("out of memory"),
                 {{"account", record->account}, {"device", record->device_id}});
      answer(Busy("the server could not take this request now"));
    } catch (const std::exception& e) {
      log::Error("answering " + record->command, absl::InternalError(e.what()),
                 {{"account", record->account}, {"device", record->device_id}});
      answer(Plain(500, "internal error"));
    }
  };
  const bool queued = pool_ != nullptr && pool_->Post([this, request, answer, guarded, record] {
    guarded([&] {
      auto admitted = Admit(*request, *record);
      if (auto* refused = std::get_if<HttpResponse>(&admitted)) return answer(std::move(*refused));
      auto shared = std::make_shared<Admitted>(std::get<Admitted>(std::move(admitted)));
      const std::string key = shared->device_key;
      const bool on_strand = strands_->Post(key, [this, request, shared, answer, guarded, record] {
        guarded([&] { answer(Run(*request, *shared, *record)); });
      });
      if (!on_strand) answer(Busy("too many requests from this device at once"));
    });
  });
  if (!queued) answer(Busy("the server is busy"));
}

void Dispatcher::Submit(HttpRequest request, Responder respond) {
  Dispatch(std::make_shared<const HttpRequest>(std::move(request)), [respond](HttpResponse r) {
    if (r.later) {
      std::shared_ptr<Later<HttpResponse>> later = std::move(r.later);
      later->Then(respond);
      return;
    }
    respond(std::move(r));
  });
}

HttpResponse Dispatcher::Handle(const HttpRequest& request) {
  auto answer = std::make_shared<std::promise<HttpResponse>>();
  std::future<HttpResponse> ready = answer->get_future();
  Dispatch(std::make_shared<const HttpRequest>(request),
           [answer](HttpResponse r) { answer->set_value(std::move(r)); });
  return ready.get();
}

}  // namespace eas::http
