#include "reference/plan/test_plan.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "reference/eas/status_codes.h"
#include "reference/log/log.h"

namespace eas::plan {
namespace {

constexpr char kRetryAfter[] = "retry-after";
constexpr char kInvalidSyncKey[] = "invalid-sync-key";
constexpr char kHierarchyChanged[] = "sync-status-12";
constexpr char kMoreAvailable[] = "more-available";
constexpr char kNewFolder[] = "new-folder";
constexpr char kPolicyChange[] = "policy-change";
constexpr char kConflict[] = "conflict";
constexpr char kTruncatedBody[] = "truncated-body";
constexpr char kAccountOnlyWipe[] = "account-only-wipe";
constexpr char kRemoteWipe[] = "remote-wipe";

// What the client should do, by the section that says so.
const std::vector<std::pair<std::string, std::string>>& Table() {
  static const auto* table = new std::vector<std::pair<std::string, std::string>>{
      {kRetryAfter, "HTTP 503 with Retry-After: the next request waits that long (MS-ASHTTP 3.1.5.2.3)"},
      {kInvalidSyncKey, "Sync Status 3: the collection starts again with SyncKey 0 (MS-ASCMD 2.2.3.177.17)"},
      {kHierarchyChanged, "Sync Status 12: a FolderSync before the next Sync (MS-ASCMD 2.2.3.177.17)"},
      {kMoreAvailable, "MoreAvailable: the collection is synced again before the next Ping (MS-ASCMD 2.2.3.116)"},
      {kNewFolder, "a new folder on the server, Ping Status 7: a FolderSync next (MS-ASCMD 2.2.3.177.11)"},
      {kPolicyChange, "the policy changed (449 to 12.1, Status 143 from 14.0): Provision, then go on "
                      "(MS-ASPROV 3.1.5.1)"},
      {kConflict, "the server changes an item while the client changes it, Sync Status 7: the client takes the "
                  "server's version and does not send its change again (MS-ASCMD 2.2.3.34)"},
      {kTruncatedBody, "a long message sent truncated: opening it fetches the rest, ItemOperations or Sync Fetch "
                       "(MS-ASCMD 2.2.1.10, 2.2.3.185; needs the user to open it)"},
      {kAccountOnlyWipe, "16.1: an account-only remote wipe, acknowledged with AccountOnlyRemoteWipe Status 1 "
                         "(MS-ASPROV 3.1.5.1.2.3; the device removes the account)"},
      {kRemoteWipe, "a remote wipe (only with `wipe`: a real phone erases itself): acknowledged with "
                    "RemoteWipe Status 1 (MS-ASPROV 3.1.5.1.2.2)"},
  };
  return *table;
}

pugi::xml_node SyncCollections(pugi::xml_document& body) { return body.child("Sync").child("Collections"); }

// Situations that wait on the user's hand (an item changed, a message
// opened): not exercised, rather than failed, when the user does nothing.
bool NeedsTheUser(const std::string& name) { return name == kConflict || name == kTruncatedBody; }

// The collection's Options for its own items (not SMS), as Sync reads them.
pugi::xml_node ItemOptionsOf(pugi::xml_node collection) {
  for (pugi::xml_node o : collection.children("Options")) {
    if (std::string(o.child("Class").text().get()) != "SMS") return o;
  }
  return pugi::xml_node();
}

// Sets `name` under `parent` to `value` (added after `after` when absent).
void SetChild(pugi::xml_node parent, const char* name, const std::string& value, const char* after = nullptr) {
  pugi::xml_node n = parent.child(name);
  if (!n) {
    pugi::xml_node prev = after ? parent.child(after) : pugi::xml_node();
    n = prev ? parent.insert_child_after(name, prev) : parent.prepend_child(name);
  }
  n.text().set(value.c_str());
}

std::string Seconds(int64_t ms) { return absl::StrFormat("%.1f s", ms / 1000.0); }

// A message for the MoreAvailable situation: plain text, from nobody real.
std::string PagingMessage(const backend::Account& account, int n, int64_t now_ms) {
  const std::string date = absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::FromUnixMillis(now_ms),
                                            absl::UTCTimeZone());
  return absl::StrCat("From: EAS test plan <plan@test-plan.invalid>\r\nTo: ", account.email,
                      "\r\nSubject: EAS test plan: message ", n, " of ", kPagingMessages, "\r\nDate: ", date,
                      "\r\nMessage-ID: <plan-", now_ms, "-", n, "@test-plan.invalid>\r\n",
                      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
                      "The server's test plan put this message here to page the Inbox (MoreAvailable).\r\n");
}

// The truncated-body situation's message: long plain text, from nobody real.
std::string LongMessage(const backend::Account& account, int64_t now_ms) {
  const std::string date = absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", absl::FromUnixMillis(now_ms),
                                            absl::UTCTimeZone());
  std::string body;
  for (int line = 1; body.size() < static_cast<size_t>(kLongBodyBytes); ++line) {
    absl::StrAppend(&body, absl::StrFormat("Line %03d of the test plan's long message: the device got its first "
                                           "%d bytes; opening it fetches the rest.\r\n",
                                           line, kPlanTruncationBytes));
  }
  return absl::StrCat("From: EAS test plan <plan@test-plan.invalid>\r\nTo: ", account.email,
                      "\r\nSubject: EAS test plan: a long message (open it)\r\nDate: ", date,
                      "\r\nMessage-ID: <plan-long-", now_ms, "@test-plan.invalid>\r\n",
                      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", body);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> Situations() { return Table(); }

absl::StatusOr<Progress> NewPlan(const std::string& name, bool wipe) {
  if (name != "standard") return absl::InvalidArgumentError("unknown plan " + name + " (there is: standard)");
  Progress p;
  p.plan = name;
  p.wipe = wipe;
  for (const auto& [situation, _] : Table()) {
    if (situation == kRemoteWipe && !wipe) continue;
    SituationResult r;
    r.name = situation;
    p.situations.push_back(std::move(r));
  }
  return p;
}

std::string Serialize(const Progress& progress) {
  nlohmann::json j = {{"plan", progress.plan}, {"wipe", progress.wipe}, {"situations", nlohmann::json::array()}};
  for (const auto& s : progress.situations) {
    j["situations"].push_back({{"name", s.name},
                               {"outcome", s.outcome},
                               {"detail", s.detail},
                               {"injected_ms", s.injected_ms},
                               {"watched", s.watched},
                               {"collection", s.collection},
                               {"original", s.original},
                               {"item", s.item}});
  }
  return j.dump();
}

absl::StatusOr<Progress> Parse(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object() || !j.contains("situations")) {
    return absl::DataLossError("a test plan's progress that is no JSON of ours");
  }
  Progress p;
  p.plan = j.value("plan", "");
  p.wipe = j.value("wipe", false);
  for (const auto& s : j["situations"]) {
    if (!s.is_object()) return absl::DataLossError("a test plan situation that is no object");
    SituationResult r;
    r.name = s.value("name", "");
    r.outcome = s.value("outcome", "pending");
    r.detail = s.value("detail", "");
    r.injected_ms = s.value("injected_ms", int64_t{0});
    r.watched = s.value("watched", 0);
    r.collection = s.value("collection", "");
    r.original = s.value("original", "");
    r.item = s.value("item", "");
    p.situations.push_back(std::move(r));
  }
  return p;
}

std::string Report(const Progress& progress) {
  std::string out = absl::StrCat("plan ", progress.plan, progress.wipe ? " with remote wipe" : "", "\n");
  int n = 0;
  for (const auto& s : progress.situations) {
    absl::StrAppend(&out, absl::StrFormat("%2d  %-18s %-15s %s\n", ++n, s.name, s.outcome, s.detail));
  }
  return out;
}

SituationResult* Runner::Current() {
  for (auto& s : progress_.situations) {
    if (s.outcome == "pending" || s.outcome == "watching") return &s;
  }
  return nullptr;
}

void Runner::Start(SituationResult& s, const PlanRequest& request, std::string what) {
  s.outcome = "watching";
  s.watched = 0;
  s.injected_ms = request.now_ms;
  s.detail = std::move(what);
  changed_ = true;
}

void Runner::Finish(SituationResult& s, bool recovered, std::string what) {
  s.outcome = recovered ? "recovered" : "failed";
  s.detail = absl::StrCat(s.detail, "; ", what);
  changed_ = true;
}

std::optional<commands::CommandResult> Runner::BeforeGate(const PlanRequest& request, PlanEnv& env,
                                                          bool* device_changed) {
  SituationResult* s = Current();
  if (s == nullptr) return std::nullopt;
  if (s->outcome == "watching") {
    ++s->watched;
    changed_ = true;
    const int64_t waited = request.now_ms - s->injected_ms;
    if (s->name == kRetryAfter) {
      // Half a second for the answer's way to the device.
      const bool waited_enough = waited + 500 >= int64_t{kRetryAfterSeconds} * 1000;
      Finish(*s, waited_enough, absl::StrCat("the next request (", request.command, ") came ", Seconds(waited),
                                             " later"));
      return std::nullopt;
    }
    if ((s->name == kRemoteWipe && env.device.wipe == state::WipeStatus::kAcknowledged) ||
        (s->name == kAccountOnlyWipe && env.device.wipe == state::WipeStatus::kAccountOnlyAcknowledged)) {
      Finish(*s, true, absl::StrCat("acknowledged after ", s->watched - 1, " requests"));
      return std::nullopt;
    }
    if (s->name == kPolicyChange && request.command == "Provision") s->original = "provisioned";
    if (s->watched > kMaxWatchedRequests) {
      if (NeedsTheUser(s->name)) {
        s->outcome = "not exercised";
        s->detail = absl::StrCat(s->detail, "; ",
                                 s->name == kConflict ? "the collection was not synced again"
                                                      : "the message was not opened on the device",
                                 " within ", kMaxWatchedRequests, " requests");
        changed_ = true;
      } else {
        Finish(*s, false, absl::StrCat("no recovery within ", kMaxWatchedRequests, " requests"));
      }
    }
    return std::nullopt;
  }
  if (NeedsTheUser(s->name) && ++s->watched > kMaxWatchedRequests) {
    // Still pending: the server waits for the user's part (a change).
    s->outcome = "not exercised";
    s->detail = s->name == kConflict
                    ? absl::StrCat("no Sync changed an item within ", kMaxWatchedRequests,
                                   " requests (change a contact, or flag a message, on the device)")
                    : absl::StrCat("no Sync of the Inbox with Options within ", kMaxWatchedRequests, " requests");
    changed_ = true;
    return std::nullopt;
  }
  if (NeedsTheUser(s->name)) changed_ = true;  // the count
  // Situations the server plays before the gate.
  if (s->name == kRetryAfter && request.command != "Ping" && request.command != "Provision") {
    Start(*s, request, absl::StrCat("answered ", request.command, " with 503, Retry-After: ", kRetryAfterSeconds));
    commands::CommandResult busy;
    busy.http_status = 503;
    busy.retry_after_seconds = kRetryAfterSeconds;
    return busy;
  }
  if (s->name == kPolicyChange) {
    if (!env.policy.required) {
      s->outcome = "not applicable";
      s->detail = "the policy does not require provisioning (eas-admin policy required on)";
      changed_ = true;
    } else if (request.gated && env.device.policy_key != 0) {
      // The device's key now stands for the policy before the current one:
      // the gate sends it to provision again (MS-ASPROV 3.2.5.1).
      if (auto st = env.state->ConfirmPolicyKey(env.device, env.device.policy_key, env.policy.generation - 1);
          !st.ok()) {
        log::Error("test plan: marking the policy key old", st);
        return std::nullopt;
      }
      *device_changed = true;
      Start(*s, request, absl::StrCat("marked the device's policy key old at ", request.command));
    }
    return std::nullopt;
  }
  if (s->name == kAccountOnlyWipe && request.version < ProtocolVersion::k16_1) {
    s->outcome = "not applicable";
    s->detail = absl::StrCat("the device speaks ", ToString(request.version),
                             "; the account-only wipe is 16.1's (MS-ASPROV 2.2.2.1)");
    changed_ = true;
    return std::nullopt;
  }
  if ((s->name == kRemoteWipe || s->name == kAccountOnlyWipe) && request.gated) {
    const bool account_only = s->name == kAccountOnlyWipe;
    if (auto st = env.state->SetWipe(env.device.user_key, env.device.device_id,
                                     account_only ? state::WipeStatus::kAccountOnlyRequested
                                                  : state::WipeStatus::kRequested);
        !st.ok()) {
      log::Error("test plan: asking for the wipe", st);
      return std::nullopt;
    }
    *device_changed = true;
    Start(*s, request, absl::StrCat("asked for ", account_only ? "an account-only" : "a", " remote wipe at ",
                                    request.command));
  }
  return std::nullopt;
}

std::optional<commands::CommandResult> Runner::BeforeHandler(const PlanRequest& request, pugi::xml_document& body,
                                                             PlanEnv& env) {
  SituationResult* s = Current();
  if (s == nullptr) return std::nullopt;
  if (s->outcome == "watching") {
    Watch(request, &body, env);
    return std::nullopt;
  }
  if (s->name == kNewFolder && request.command == "Ping") return NewFolder(*s, request, env);
  if (request.command != "Sync" || !SyncCollections(body)) return std::nullopt;
  if (s->name == kConflict) {
    Conflict(*s, request, SyncCollections(body), env);
    return std::nullopt;
  }
  if (s->name == kTruncatedBody) {
    TruncatedBody(*s, request, SyncCollections(body), env);
    return std::nullopt;
  }
  return Inject(*s, request, body, env);
}

void Runner::Conflict(SituationResult& s, const PlanRequest& request, pugi::xml_node collections, PlanEnv& env) {
  for (pugi::xml_node c : collections.children("Collection")) {
    const std::string key = c.child("SyncKey").text().get();
    pugi::xml_node change = c.child("Commands").child("Change");
    if (key.empty() || key == "0" || !change) continue;
    s.collection = c.child("CollectionId").text().get();
    s.item = change.child("ServerId").text().get();
    if (std::string(ItemOptionsOf(c).child("Conflict").text().get()) == "0") {
      s.outcome = "not applicable";
      s.detail = "the client's Options say Conflict 0: its change wins (MS-ASCMD 2.2.3.34)";
      changed_ = true;
      return;
    }
    // The server's change: the item saved again, so its version moves on
    // and the handler finds the device's copy stale (server wins: Status 7,
    // and the server's version goes back in this response).
    auto item = env.backend->GetItem(env.account, s.item);
    absl::Status saved = item.ok() ? env.backend->UpdateItem(env.account, s.item, item->data) : item.status();
    if (!saved.ok()) {
      log::Error("test plan: changing the item on the server", saved);
      return;
    }
    s.original = key;
    Start(s, request, absl::StrCat("changed item ", s.item, " on the server as the client changed it (Status 7)"));
    return;
  }
}

void Runner::TruncatedBody(SituationResult& s, const PlanRequest& request, pugi::xml_node collections,
                           PlanEnv& env) {
  auto folders = env.backend->ListFolders(env.account);
  if (!folders.ok()) {
    log::Error("test plan: listing the folders", folders.status());
    return;
  }
  std::string inbox;
  for (const auto& f : *folders) {
    if (f.type == backend::kInbox) inbox = f.server_id;
  }
  for (pugi::xml_node c : collections.children("Collection")) {
    const std::string key = c.child("SyncKey").text().get();
    pugi::xml_node options = ItemOptionsOf(c);
    if (inbox.empty() || c.child("CollectionId").text().get() != inbox || key.empty() || key == "0" || !options) {
      continue;
    }
    auto added = env.backend->AddMail(env.account, inbox, LongMessage(env.account, request.now_ms),
                                      /*read=*/false, request.now_ms / 1000);
    if (!added.ok()) {
      log::Error("test plan: putting the long message in the Inbox", added.status());
      return;
    }
    // This one Sync asks for the first 512 bytes of each body (the
    // device's next full request sets its own again).
    if (request.version == ProtocolVersion::k2_5) {
      SetChild(options, "Truncation", "1", "FilterType");      // 512 characters
      SetChild(options, "MIMETruncation", "1", "MIMESupport");  // 4096 characters
    } else {
      pugi::xml_node preference = options.child("airsyncbase:BodyPreference");
      if (!preference) {
        preference = options.append_child("airsyncbase:BodyPreference");
        preference.append_child("airsyncbase:Type").text().set("1");
      }
      for (pugi::xml_node p : options.children("airsyncbase:BodyPreference")) {
        SetChild(p, "airsyncbase:TruncationSize", absl::StrCat(kPlanTruncationBytes), "airsyncbase:Type");
      }
    }
    s.collection = inbox;
    s.item = *added;
    Start(s, request, absl::StrCat("put a message of ", kLongBodyBytes, " bytes in the Inbox and sent it truncated"));
    return;
  }
}

void Runner::Watch(const PlanRequest& request, const pugi::xml_document* body, PlanEnv& /*env*/) {
  SituationResult& s = *Current();
  pugi::xml_node collections = body->child("Sync").child("Collections");
  auto synced = [&](std::string* key) {
    for (pugi::xml_node c : collections.children("Collection")) {
      if (s.collection == c.child("CollectionId").text().get()) {
        if (key) *key = c.child("SyncKey").text().get();
        return true;
      }
    }
    return false;
  };
  if (s.name == kInvalidSyncKey && request.command == "Sync") {
    std::string key;
    if (synced(&key) && key == "0") Finish(s, true, "the collection started again with SyncKey 0");
    if (synced(&key) && key == s.original) Finish(s, false, "the rejected SyncKey came again");
  } else if (s.name == kHierarchyChanged) {
    if (request.command == "FolderSync") Finish(s, true, "FolderSync came next");
    if (request.command == "Sync") Finish(s, false, "a Sync came before any FolderSync");
  } else if (s.name == kMoreAvailable) {
    if (request.command == "Sync" && synced(nullptr)) Finish(s, true, "the collection was synced again");
    if (request.command == "Ping") Finish(s, false, "a Ping came while the collection had more to download");
  } else if (s.name == kNewFolder) {
    Finish(s, request.command == "FolderSync", absl::StrCat(request.command, " came next"));
  } else if ((s.name == kRemoteWipe || s.name == kAccountOnlyWipe) && request.command == "Provision") {
    // A wiped phone may never come back: its acknowledgement is the
    // recovery (MS-ASPROV 3.1.5.1.2.2, 3.1.5.1.2.3; 2.2.2.54.3: 1 done,
    // 2 failed).
    const char* element = s.name == kRemoteWipe ? "RemoteWipe" : "AccountOnlyRemoteWipe";
    const std::string done = body->child("Provision").child(element).child("Status").text().get();
    if (done == "1") Finish(s, true, absl::StrCat("acknowledged with ", element, " Status 1"));
    if (done == "2") Finish(s, false, absl::StrCat("the client reports the wipe failed (", element, " Status 2)"));
  } else if (s.name == kConflict && request.command == "Sync") {
    std::string key;
    if (!synced(&key) || key == s.original) return;  // not that collection, or a resend of the same request
    if (key == "0") {
      Finish(s, true, "the collection started again with SyncKey 0");
      return;
    }
    for (pugi::xml_node c : collections.children("Collection")) {
      if (s.collection != c.child("CollectionId").text().get()) continue;
      for (pugi::xml_node change : c.child("Commands").children("Change")) {
        if (s.item == change.child("ServerId").text().get()) {
          Finish(s, false, "its discarded change of the item came again with the next SyncKey");
          return;
        }
      }
    }
    Finish(s, true, "the next Sync of the collection went on with the new SyncKey, the change not sent again");
  } else if (s.name == kTruncatedBody) {
    if (request.command == "ItemOperations") {
      for (pugi::xml_node fetch : body->child("ItemOperations").children("Fetch")) {
        if (s.item == fetch.child("airsync:ServerId").text().get()) {
          Finish(s, true, "ItemOperations fetched the message");
        }
      }
    } else if (request.command == "Sync") {
      for (pugi::xml_node c : collections.children("Collection")) {
        for (pugi::xml_node fetch : c.child("Commands").children("Fetch")) {
          if (s.item == fetch.child("ServerId").text().get()) Finish(s, true, "a Sync Fetch fetched the message");
        }
      }
    }
  } else if (s.name == kPolicyChange && request.gated) {
    Finish(s, s.original == "provisioned",
           s.original == "provisioned" ? absl::StrCat("provisioned again and went on with ", request.command)
                                       : "went on without provisioning");
  }
}

std::optional<commands::CommandResult> Runner::NewFolder(SituationResult& s, const PlanRequest& request,
                                                         PlanEnv& env) {
  // A mail folder at the top, named for when it came; the device gets it
  // with its FolderSync. The plan leaves it there (the report names it).
  std::string name = absl::StrCat("EAS test plan ", request.now_ms / 1000);
  auto created = env.backend->CreateFolder(env.account, "0", name, backend::kUserMail);
  for (int n = 2; n <= 5 && absl::IsAlreadyExists(created.status()); ++n) {  // another device's, this second
    name = absl::StrCat("EAS test plan ", request.now_ms / 1000, " (", n, ")");
    created = env.backend->CreateFolder(env.account, "0", name, backend::kUserMail);
  }
  if (!created.ok()) {
    log::Error("test plan: creating a folder", created.status());
    return std::nullopt;
  }
  s.collection = *created;
  Start(s, request, absl::StrCat("made the folder \"", name, "\" and answered the Ping with Status 7"));
  return commands::StatusResponse("Ping", "Ping:", status::ping::kHierarchySyncRequired);
}

std::optional<commands::CommandResult> Runner::Inject(SituationResult& s, const PlanRequest& request,
                                                      pugi::xml_document& body, PlanEnv& env) {
  pugi::xml_node collections = SyncCollections(body);
  if (s.name == kInvalidSyncKey) {
    for (pugi::xml_node c : collections.children("Collection")) {
      const std::string key = c.child("SyncKey").text().get();
      if (key.empty() || key == "0") continue;
      s.collection = c.child("CollectionId").text().get();
      s.original = key;
      // A key the server never issued: the handler answers Status 3.
      c.child("SyncKey").text().set("plan-never-issued");
      Start(s, request, absl::StrCat("answered Sync of ", s.collection, " with Status 3"));
      return std::nullopt;
    }
    return std::nullopt;
  }
  if (s.name == kHierarchyChanged) {
    commands::CommandResult answer;
    pugi::xml_node out = commands::StartResponse(answer, "Sync", "AirSync:").append_child("Collections");
    for (pugi::xml_node c : collections.children("Collection")) {
      pugi::xml_node o = out.append_child("Collection");
      commands::AddText(o, "CollectionId", c.child("CollectionId").text().get());
      commands::AddText(o, "Status", absl::StrCat(status::sync::kFolderHierarchyChanged));
    }
    Start(s, request, "answered a Sync with Status 12");
    return answer;
  }
  if (s.name == kMoreAvailable) {
    auto folders = env.backend->ListFolders(env.account);
    if (!folders.ok()) {
      log::Error("test plan: listing the folders", folders.status());
      return std::nullopt;
    }
    std::string inbox;
    for (const auto& f : *folders) {
      if (f.type == backend::kInbox) inbox = f.server_id;
    }
    for (pugi::xml_node c : collections.children("Collection")) {
      const std::string key = c.child("SyncKey").text().get();
      if (inbox.empty() || c.child("CollectionId").text().get() != inbox || key.empty() || key == "0") continue;
      for (int n = 1; n <= kPagingMessages; ++n) {
        auto added = env.backend->AddMail(env.account, inbox, PagingMessage(env.account, n, request.now_ms),
                                          /*read=*/false, request.now_ms / 1000);
        if (!added.ok()) {
          log::Error("test plan: putting a message in the Inbox", added.status());
          return std::nullopt;
        }
      }
      // One item a page: the rest waits behind MoreAvailable.
      pugi::xml_node window = c.child("WindowSize");
      if (!window) {
        pugi::xml_node before = c.child("Options") ? c.child("Options") : c.child("Commands");
        window = before ? c.insert_child_before("WindowSize", before) : c.append_child("WindowSize");
      }
      window.text().set("1");
      s.collection = inbox;
      Start(s, request, absl::StrCat("put ", kPagingMessages, " messages in the Inbox and answered one a page"));
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace eas::plan
