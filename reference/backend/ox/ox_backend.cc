#include "reference/backend/ox/ox_backend.h"

#include <openssl/rand.h>

#include <algorithm>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pugixml.hpp"
#include "reference/backend/ox/ox_convert.h"
#include "reference/eas/eas_time.h"
#include "reference/log/log.h"

namespace eas::backend::ox {
namespace {

// Folders the connector keeps itself, with nothing behind them in OX.
constexpr char kLocalModule[] = "local";

constexpr char kMapSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS folders(
  user_id INTEGER NOT NULL,
  folder_id TEXT NOT NULL,
  ox_id TEXT NOT NULL,
  module TEXT NOT NULL,
  ox_timestamp INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(user_id, folder_id));
CREATE TABLE IF NOT EXISTS items(
  user_id INTEGER NOT NULL,
  server_id TEXT NOT NULL,
  ox_folder TEXT NOT NULL,
  ox_id TEXT NOT NULL,
  module TEXT NOT NULL,
  stamp INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(user_id, server_id));
CREATE UNIQUE INDEX IF NOT EXISTS items_by_ox ON items(user_id, ox_folder, ox_id);
)sql";

constexpr int kSeen = 32;  // OX mail system flag "seen"

std::string Key(const Account& a, const std::string& folder) { return a.key() + "\n" + folder; }

std::string IdText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return std::to_string(v.get<int64_t>());
  return "";
}

int64_t Number(const Json& v) {
  if (v.is_number()) return v.get<int64_t>();
  return 0;
}

// The ApplicationData with email:Read set to `read`.
std::string WithRead(const std::string& xml, bool read) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return xml;
  pugi::xml_node d = doc.first_child();
  pugi::xml_node r = d.child("email:Read");
  if (!r) r = d.append_child("email:Read");
  r.text().set(read ? "1" : "0");
  std::ostringstream out;
  doc.print(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

std::string RandomPassword() {
  unsigned char bytes[24];
  RAND_bytes(bytes, sizeof(bytes));
  return absl::Base64Escape(std::string(reinterpret_cast<char*>(bytes), sizeof(bytes)));
}

}  // namespace

// A folder's turn (FolderState::busy), taken for a write or a refresh and
// held across its OX calls; it blocks only other writes and refreshes of the
// same folder. Two folders (a move) are taken in key order.
class OxBackend::FolderTurn {
 public:
  FolderTurn(OxBackend& backend, std::vector<std::string> keys, bool refresh = false)
      : backend_(backend), keys_(std::move(keys)) {
    std::sort(keys_.begin(), keys_.end());
    keys_.erase(std::unique(keys_.begin(), keys_.end()), keys_.end());
    absl::MutexLock lock(&backend_.state_mutex_);
    for (const auto& key : keys_) {
      FolderState* st = &backend_.folders_[key];
      backend_.state_mutex_.Await(absl::Condition(+[](FolderState* f) { return !f->busy; }, st));
      st->busy = true;
      st->refreshing = refresh;
    }
  }
  ~FolderTurn() {
    absl::MutexLock lock(&backend_.state_mutex_);
    for (const auto& key : keys_) {
      FolderState& st = backend_.folders_[key];
      st.busy = false;
      st.refreshing = false;
    }
  }

 private:
  OxBackend& backend_;
  std::vector<std::string> keys_;
};

void OxBackend::SetChangeListener(SqliteStore::ChangeListener listener) {
  listener_ = std::move(listener);
  mirror_->SetChangeListener(listener_);
}

absl::Status OxBackend::CheckReachable() {
  if (auto s = api_->Reachable(); !s.ok()) return s;
  return mirror_->CheckWritable();
}

std::string OxBackend::ItemFolderKey(const Account& account, const std::string& server_id) {
  auto item = mirror_->GetItem(account, server_id);
  return Key(account, item.ok() ? item->folder_id : "");
}

absl::Duration OxBackend::SyncFreshness() const {
  if (!watching_.load()) return options_.refresh_interval;
  if (options_.sync_freshness == absl::InfiniteDuration()) return options_.watch_interval * 2;
  return std::max(options_.sync_freshness, options_.refresh_interval);
}

absl::StatusOr<std::unique_ptr<OxBackend>> OxBackend::Open(const OxOptions& options, const std::string& data_dir) {
  auto http = OxHttp::Create(options.url, options.timeout);
  if (!http.ok()) return http.status();
  auto mirror = SqliteStore::Open(data_dir + "/ox-mirror.db");
  if (!mirror.ok()) return mirror.status();
  auto map = storage::Database::Open(data_dir + "/ox-map.db", kMapSchema);
  if (!map.ok()) return map.status();
  return std::unique_ptr<OxBackend>(new OxBackend(options, std::make_unique<OxApi>(std::move(*http)),
                                                  std::move(*mirror), std::move(*map)));
}

OxBackend::~OxBackend() {
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    stopping_ = true;
  }
  watch_wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

// --- accounts and folders ----------------------------------------------------

absl::StatusOr<Account> OxBackend::Authenticate(const std::string& context, const std::string& login,
                                                const std::string& password) {
  // OX login names: "user@context"; the default context takes the bare name.
  const std::string login_name = context == "defaultcontext" ? login : absl::StrCat(login, "@", context);
  const std::string key = absl::StrCat(context, "/", login);
  if (auto s = api_->Login(key, login_name, password); !s.ok()) return s;
  auto account = mirror_->FindUser(context, login);
  if (account.ok()) return account;
  auto me = api_->Call(key, "GET", "user", {{"action", "get"}});
  if (!me.ok()) return me.status();
  const Json& data = (*me)["data"];
  auto added = mirror_->AddUser(context, login, RandomPassword(), data.value("display_name", login),
                                data.value("email1", ""));
  // Two first logins of one account at once: the other one made it.
  if (!added.ok()) return mirror_->FindUser(context, login);
  return added;
}

absl::StatusOr<std::vector<Folder>> OxBackend::ListFolders(const Account& account) {
  return ListFromOx(account, /*force=*/false);
}

absl::StatusOr<std::vector<Folder>> OxBackend::ListFromOx(const Account& account, bool force) {
  const std::string key = account.key();
  AccountState* st = nullptr;
  {
    absl::MutexLock lock(&state_mutex_);
    st = &accounts_[key];
    if (st->listing) {
      // Someone is asking OX right now: that answer serves this caller too.
      const uint64_t seen = st->listings;
      auto ended = [st, seen] { return st->listings != seen; };
      state_mutex_.Await(absl::Condition(&ended));
      force = false;
    }
    const absl::Time now = absl::Now();
    const bool recent = now - st->listed < options_.folder_list_interval;
    const bool just_tried = now - st->attempted < options_.refresh_interval;
    if (!(recent && !force) && !just_tried) {
      st->listing = true;
    } else if (!recent && st->listed != st->attempted) {
      return absl::UnavailableError("OX: the folder list could not be read");
    } else {
      st = nullptr;  // the mirror follows the last listing
    }
  }
  if (st == nullptr) return mirror_->ListFolders(account);
  auto listed = ListFromOxNow(account);
  absl::MutexLock lock(&state_mutex_);
  st->listing = false;
  ++st->listings;
  st->attempted = absl::Now();
  if (listed.ok()) st->listed = st->attempted;
  return listed;
}

absl::StatusOr<std::vector<Folder>> OxBackend::ListFromOxNow(const Account& account) {
  const std::string key = account.key();
  auto defaults = api_->Call(key, "GET", "account", {{"action", "get"}, {"id", "0"}});
  if (!defaults.ok()) return defaults.status();
  const Json& acc = (*defaults)["data"];
  const std::string sent = "default0/" + acc.value("sent_fullname", std::string("Sent"));
  const std::string trash = "default0/" + acc.value("trash_fullname", std::string("Trash"));
  const std::string drafts = "default0/" + acc.value("drafts_fullname", std::string("Drafts"));

  struct OxFolder {
    Folder folder;  // with OX's ids until translated below
    std::string module;
    std::string ox_id;
  };
  std::vector<OxFolder> found;
  for (const char* module : {"mail", "calendar", "contacts", "tasks"}) {
    auto reply = api_->Call(key, "GET", "folders",
                            {{"action", "allVisible"}, {"content_type", module}, {"columns", "1,20,300,301,302,308"}});
    if (!reply.ok()) return reply.status();
    // Private folders only: shared and public ones (the GAL among them)
    // are not synced.
    const Json& rows = (*reply)["data"]["private"];
    if (!rows.is_array()) continue;
    for (const Json& row : rows) {
      Folder f;
      f.server_id = IdText(row[0]);
      if (f.server_id == options_.gal_folder) continue;
      const std::string parent = IdText(row[1]);
      f.parent_id = parent == "1" || parent == "default0" ? "0" : parent;
      f.display_name = row[2].is_string() ? row[2].get<std::string>() : f.server_id;
      const bool standard = row.size() > 5 && row[5].is_boolean() && row[5].get<bool>();
      const std::string m = module;
      if (m == "mail") {
        f.type = f.server_id == "default0/INBOX" ? kInbox
                 : f.server_id == sent           ? kSentItems
                 : f.server_id == trash          ? kDeletedItems
                 : f.server_id == drafts         ? kDrafts
                                                 : kUserMail;
        if (f.type == kInbox) f.display_name = "Inbox";
      } else if (m == "calendar") {
        f.type = standard ? kCalendar : kUserCalendar;
      } else if (m == "contacts") {
        f.type = standard ? kContacts : kUserContacts;
      } else {
        f.type = standard ? kTasks : kUserTasks;
      }
      found.push_back({f, m, f.server_id});
    }
  }
  // Default folders get the ids phones see on the embedded store too
  // ("inbox", "contacts", ...), so captures and clients see one shape
  // whatever the backend; other folders keep OX's id.
  std::map<std::string, std::string> eas_of;
  std::set<int> named;
  for (auto& f : found) {
    static const std::map<int, std::string> kWellKnown = {
        {kInbox, "inbox"}, {kSentItems, "sent"}, {kDeletedItems, "trash"}, {kDrafts, "drafts"},
        {kContacts, "contacts"}, {kCalendar, "calendar"}, {kTasks, "tasks"}};
    auto known = kWellKnown.find(f.folder.type);
    if (known != kWellKnown.end() && named.insert(f.folder.type).second) {
      eas_of[f.ox_id] = known->second;
    } else {
      eas_of[f.ox_id] = f.ox_id;
    }
  }
  for (auto& f : found) {
    f.folder.server_id = eas_of[f.ox_id];
    if (f.folder.parent_id != "0") {
      auto parent = eas_of.find(f.folder.parent_id);
      if (parent != eas_of.end()) f.folder.parent_id = parent->second;
    }
  }
  // Parents before children, as FolderSync wants them.
  std::vector<OxFolder> ordered;
  std::set<std::string> placed{"0"};
  for (bool progress = true; progress && ordered.size() < found.size();) {
    progress = false;
    for (const auto& f : found) {
      if (placed.count(f.folder.server_id) || !placed.count(f.folder.parent_id)) continue;
      ordered.push_back(f);
      placed.insert(f.folder.server_id);
      progress = true;
    }
  }
  // OX has no Outbox; phones want one (Nokia MfE 2.01 cannot do without,
  // device-notes quirk 9): a local one, always empty, since mail leaves
  // through SendMail. Module "local": nothing in OX to ask.
  if (std::none_of(ordered.begin(), ordered.end(), [](const OxFolder& f) { return f.folder.type == kOutbox; })) {
    ordered.push_back({{"outbox", "0", "Outbox", kOutbox}, kLocalModule, ""});
  }
  // The mirror follows OX.
  auto mirrored = mirror_->ListFolders(account);
  if (!mirrored.ok()) return mirrored.status();
  std::set<std::string> now;
  for (const auto& f : ordered) {
    now.insert(f.folder.server_id);
    auto it = std::find_if(mirrored->begin(), mirrored->end(),
                           [&](const Folder& m) { return m.server_id == f.folder.server_id; });
    absl::Status s = it == mirrored->end() ? mirror_->AddFolder(account, f.folder)
                     : *it == f.folder    ? absl::OkStatus()
                                          : mirror_->UpdateFolder(account, f.folder);
    if (!s.ok()) return s;
    auto put = map_->Prepare(
        "INSERT INTO folders(user_id, folder_id, ox_id, module) VALUES(?, ?, ?, ?) "
        "ON CONFLICT(user_id, folder_id) DO UPDATE SET ox_id = excluded.ox_id, module = excluded.module");
    if (!put.ok()) return put.status();
    put->Bind(1, account.id).Bind(2, f.folder.server_id).Bind(3, f.ox_id).Bind(4, f.module);
    if (auto r = put->Run(); !r.ok()) return r;
  }
  for (const auto& m : *mirrored) {
    if (now.count(m.server_id)) continue;
    // A parent may have taken it already (NotFound).
    if (auto s = mirror_->DeleteFolder(account, m.server_id); !s.ok() && s.code() != absl::StatusCode::kNotFound) {
      log::Error("OX: removing a folder gone from OX from the mirror", s, {{"folder", m.server_id}});
    }
    if (auto ref = Resolve(account, m.server_id, /*list_if_unknown=*/false); ref.ok()) {
      auto drop = map_->Prepare("DELETE FROM items WHERE user_id = ? AND ox_folder = ?");
      if (drop.ok()) log::IfError(drop->Bind(1, account.id).Bind(2, ref->ox).Run(), "OX: forgetting the items of a folder gone from OX");
    }
    auto forget = map_->Prepare("DELETE FROM folders WHERE user_id = ? AND folder_id = ?");
    if (forget.ok()) log::IfError(forget->Bind(1, account.id).Bind(2, m.server_id).Run(), "OX: forgetting a folder gone from OX");
  }
  return mirror_->ListFolders(account);
}

absl::StatusOr<OxBackend::FolderRef> OxBackend::Resolve(const Account& account, const std::string& folder_id,
                                                         bool list_if_unknown) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    {
      auto stmt = map_->Prepare("SELECT ox_id, module FROM folders WHERE user_id = ? AND folder_id = ?");
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, account.id).Bind(2, folder_id);
      auto row = stmt->Step();
      if (!row.ok()) return row.status();
      if (*row) return FolderRef{folder_id, stmt->Text(0), stmt->Text(1)};
    }
    if (attempt == 0 && list_if_unknown) {
      if (auto folders = ListFromOx(account, /*force=*/true); !folders.ok()) return folders.status();
    }
  }
  return absl::NotFoundError("no folder " + folder_id);
}

// --- the id map ---------------------------------------------------------------

absl::StatusOr<OxBackend::Mapped> OxBackend::Lookup(const Account& account, const std::string& server_id) {
  auto stmt = map_->Prepare("SELECT ox_folder, ox_id, module, stamp FROM items WHERE user_id = ? AND server_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id).Bind(2, server_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError("no item " + server_id);
  return Mapped{server_id, stmt->Text(0), stmt->Text(1), stmt->Text(2), stmt->Int(3)};
}

absl::Status OxBackend::Remember(const Account& account, const Mapped& m) {
  auto stmt = map_->Prepare(
      "INSERT OR REPLACE INTO items(user_id, server_id, ox_folder, ox_id, module, stamp) VALUES(?,?,?,?,?,?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id).Bind(2, m.server_id).Bind(3, m.ox_folder).Bind(4, m.ox_id).Bind(5, m.module)
      .Bind(6, m.stamp);
  return stmt->Run();
}

absl::Status OxBackend::Forget(const Account& account, const std::string& server_id) {
  auto stmt = map_->Prepare("DELETE FROM items WHERE user_id = ? AND server_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id).Bind(2, server_id);
  return stmt->Run();
}

// --- reading from OX ------------------------------------------------------------

absl::Status OxBackend::RefreshObjects(const Account& account, const FolderRef& folder) {
  const std::string& folder_id = folder.eas;
  const std::string& module = folder.module;
  int64_t since = 0;
  {
    auto stmt = map_->Prepare("SELECT ox_timestamp FROM folders WHERE user_id = ? AND folder_id = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, account.id).Bind(2, folder_id);
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (*row) since = stmt->Int(0);
  }
  // One small request: what changed in the folder since OX's last timestamp.
  auto reply = api_->Call(account.key(), "GET", module,
                          {{"action", "updates"}, {"folder", folder.ox}, {"columns", Columns(module)},
                           {"timestamp", std::to_string(since)}});
  if (!reply.ok()) return reply.status();
  const Json& data = (*reply)["data"];
  if (!data.is_array()) return absl::UnavailableError("OX updates: no data");
  for (const Json& entry : data) {
    if (entry.is_array()) {
      Json object = RowToObject(module, entry);
      const std::string ox_id = object.value("id", "");
      const int64_t modified = object.contains("last_modified") ? Number(object["last_modified"]) : 0;
      auto existing = map_->Prepare("SELECT server_id, stamp FROM items WHERE user_id = ? AND ox_folder = ? AND ox_id = ?");
      if (!existing.ok()) return existing.status();
      existing->Bind(1, account.id).Bind(2, folder.ox).Bind(3, ox_id);
      auto row = existing->Step();
      if (!row.ok()) return row.status();
      const std::string xml = ToApplicationData(module, object);
      if (!*row) {
        existing = absl::InternalError("");
        auto id = mirror_->AddItem(account, folder_id, ClassOfModule(module), xml);
        if (!id.ok()) return id.status();
        if (auto s = Remember(account, {*id, folder.ox, ox_id, module, modified}); !s.ok()) return s;
      } else if (modified > existing->Int(1)) {
        const std::string server_id = existing->Text(0);
        existing = absl::InternalError("");
        if (auto s = mirror_->UpdateItem(account, server_id, xml); !s.ok()) return s;
        if (auto s = Remember(account, {server_id, folder.ox, ox_id, module, modified}); !s.ok()) return s;
      }
    } else {
      // A deleted object: its id alone.
      const std::string ox_id = IdText(entry);
      auto existing = map_->Prepare("SELECT server_id FROM items WHERE user_id = ? AND ox_folder = ? AND ox_id = ?");
      if (!existing.ok()) return existing.status();
      existing->Bind(1, account.id).Bind(2, folder.ox).Bind(3, ox_id);
      auto row = existing->Step();
      if (!row.ok()) return row.status();
      if (!*row) continue;
      const std::string server_id = existing->Text(0);
      existing = absl::InternalError("");
      log::IfError(mirror_->DeleteItem(account, server_id), "OX: removing an item deleted in OX from the mirror",
                   {{"item", server_id}});
      if (auto s = Forget(account, server_id); !s.ok()) return s;
    }
  }
  auto save = map_->Prepare("UPDATE folders SET ox_timestamp = ? WHERE user_id = ? AND folder_id = ?");
  if (!save.ok()) return save.status();
  save->Bind(1, (*reply).contains("timestamp") ? Number((*reply)["timestamp"]) : since).Bind(2, account.id)
      .Bind(3, folder_id);
  return save->Run();
}

absl::Status OxBackend::RefreshMail(const Account& account, const FolderRef& folder, bool* incomplete) {
  const std::string& folder_id = folder.eas;
  const absl::Time fetch_until = absl::Now() + options_.mail_fetch_budget;
  // Mail has no cheap "updates": the id and flag list is the small request.
  auto reply = api_->Call(account.key(), "GET", "mail",
                          {{"action", "all"}, {"folder", folder.ox}, {"columns", "600,611,610"}});
  if (!reply.ok()) return reply.status();
  const Json& data = (*reply)["data"];
  if (!data.is_array()) return absl::UnavailableError("OX mail list: no data");
  std::map<std::string, std::pair<std::string, int64_t>> known;  // ox id -> server id, flags
  {
    auto stmt = map_->Prepare("SELECT ox_id, server_id, stamp FROM items WHERE user_id = ? AND ox_folder = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, account.id).Bind(2, folder.ox);
    if (auto s = stmt->ForEachRow([&] { known[stmt->Text(0)] = {stmt->Text(1), stmt->Int(2)}; }); !s.ok()) return s;
  }
  for (const Json& row : data) {
    const std::string ox_id = IdText(row[0]);
    const int64_t flags = Number(row[1]);
    auto it = known.find(ox_id);
    if (it == known.end()) {
      if (absl::Now() >= fetch_until) {  // the next refresh fetches it
        *incomplete = true;
        continue;
      }
      auto source = api_->Call(account.key(), "GET", "mail",
                               {{"action", "get"}, {"folder", folder.ox}, {"id", ox_id}, {"src", "1"}});
      if (!source.ok()) {
        if (source.status().code() == absl::StatusCode::kNotFound) continue;  // gone meanwhile
        return source.status();
      }
      const int64_t received = row.size() > 2 ? Number(row[2]) / 1000 : absl::ToUnixSeconds(absl::Now());
      auto id = mirror_->AddMail(account, folder_id, (*source)["data"].get<std::string>(), flags & kSeen, received);
      if (!id.ok()) return id.status();
      if (auto s = Remember(account, {*id, folder.ox, ox_id, "mail", flags}); !s.ok()) return s;
      continue;
    }
    const auto [server_id, old_flags] = it->second;
    known.erase(it);
    if ((old_flags & kSeen) != (flags & kSeen)) {
      auto item = mirror_->GetItem(account, server_id);
      if (item.ok()) {
        if (auto s = mirror_->UpdateItem(account, server_id, WithRead(item->data, flags & kSeen)); !s.ok()) return s;
      }
    }
    if (old_flags != flags) {
      if (auto s = Remember(account, {server_id, folder.ox, ox_id, "mail", flags}); !s.ok()) return s;
    }
  }
  for (const auto& [ox_id, entry] : known) {  // no longer in OX
    log::IfError(mirror_->DeleteItem(account, entry.first), "OX: removing a message gone from OX from the mirror",
                 {{"item", entry.first}});
    if (auto s = Forget(account, entry.first); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status OxBackend::Refresh(const Account& account, const std::string& folder_id) {
  auto folder = Resolve(account, folder_id);
  if (!folder.ok()) return folder.status();
  if (folder->module == kLocalModule) return absl::OkStatus();  // nothing in OX
  const std::string key = Key(account, folder_id);
  {
    absl::MutexLock lock(&state_mutex_);
    FolderState* st = &folders_[key];
    if (st->refreshing) {
      // One is under way: its answer serves this caller too.
      const uint64_t seen = st->refreshes;
      auto ended = [st, seen] { return st->refreshes != seen; };
      state_mutex_.Await(absl::Condition(&ended));
      return st->last;
    }
  }
  FolderTurn turn(*this, {key}, /*refresh=*/true);
  bool incomplete = false;
  absl::Status s = folder->module == "mail" ? RefreshMail(account, *folder, &incomplete)
                                            : RefreshObjects(account, *folder);
  absl::MutexLock lock(&state_mutex_);
  FolderState& st = folders_[key];
  // Timed from the end: the other reads of the same request do not fetch
  // again (which would undo the mail budget); the device's next request does.
  st.attempted = absl::Now();
  if (s.ok()) st.fresh = st.attempted;
  st.last = s;
  st.incomplete = incomplete;
  ++st.refreshes;
  return s;
}

bool OxBackend::MoreToCome(const Account& account, const std::string& folder_id) {
  absl::MutexLock lock(&state_mutex_);
  auto it = folders_.find(Key(account, folder_id));
  return it != folders_.end() && it->second.incomplete;
}

absl::Status OxBackend::MaybeRefresh(const Account& account, const std::string& folder_id) {
  const std::string key = Key(account, folder_id);
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    watched_[key] = {account, absl::Now()};
  }
  {
    absl::MutexLock lock(&state_mutex_);
    const FolderState& st = folders_[key];
    const absl::Time now = absl::Now();
    // The same request's other reads: what the refresh a moment ago said.
    if (now - st.attempted < options_.refresh_interval) return st.last;
    // Seen unchanged by the watcher (or a request) recently enough; but a
    // folder whose last refresh left mail behind is fetched on: the phone
    // was told MoreAvailable and asks for the rest.
    if (!st.incomplete && now - st.fresh < SyncFreshness()) return absl::OkStatus();
  }
  return Refresh(account, folder_id);
}

void OxBackend::StartWatcher() {
  watching_ = true;
  watcher_ = std::thread([this] { Watch(); });
}

void OxBackend::Watch() {
  // One thread for every account and folder phones use: a round every
  // watch_interval; after a failed round the wait doubles (up to 5 min).
  absl::Duration wait = options_.watch_interval;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(watch_mutex_);
      watch_wake_.wait_for(lock, absl::ToChronoMilliseconds(wait), [this] { return stopping_; });
      if (stopping_) return;
    }
    std::vector<std::pair<Account, std::string>> round;
    {
      std::lock_guard<std::mutex> lock(watch_mutex_);
      const absl::Time now = absl::Now();
      for (auto it = watched_.begin(); it != watched_.end();) {
        if (now - it->second.second > options_.watch_for) {
          it = watched_.erase(it);
          continue;
        }
        round.push_back({it->second.first, it->first.substr(it->first.find('\n') + 1)});
        ++it;
      }
    }
    bool failed = false;
    std::set<std::string> listed;
    for (const auto& [account, folder] : round) {
      // The folder lists of accounts in use, at their own pace (a listing
      // younger than folder_list_interval is not asked again).
      if (listed.insert(account.key()).second && !ListFolders(account).ok()) failed = true;
      // A folder a request refreshed during this round is not asked twice.
      {
        absl::MutexLock lock(&state_mutex_);
        if (absl::Now() - folders_[Key(account, folder)].fresh < options_.watch_interval / 2) continue;
      }
      if (!Refresh(account, folder).ok()) failed = true;
    }
    wait = failed ? std::min(wait * 2, absl::Minutes(5)) : options_.watch_interval;
  }
}

// --- the Backend interface ------------------------------------------------------

absl::StatusOr<int64_t> OxBackend::FolderChangeCounter(const Account& account, const std::string& folder_id) {
  if (auto s = MaybeRefresh(account, folder_id); !s.ok()) return s;
  return mirror_->FolderChangeCounter(account, folder_id);
}

absl::StatusOr<std::vector<ItemChange>> OxBackend::ChangesSince(const Account& account, const std::string& folder_id,
                                                                int64_t counter) {
  // Counter 0 is a whole listing (initial sync, Search, ResolveRecipients),
  // asked for by a person waiting: always fresh. Otherwise at most once a
  // refresh interval.
  absl::Status fresh = counter == 0 ? Refresh(account, folder_id) : MaybeRefresh(account, folder_id);
  if (!fresh.ok()) return fresh;
  return mirror_->ChangesSince(account, folder_id, counter);
}

absl::StatusOr<ItemChange> OxBackend::GetItem(const Account& account, const std::string& server_id) {
  return mirror_->GetItem(account, server_id);
}

absl::StatusOr<std::string> OxBackend::AddItem(const Account& account, const std::string& folder_id,
                                               const std::string& item_class, const std::string& xml) {
  return Add(account, folder_id, item_class, xml, nullptr);
}

absl::StatusOr<std::string> OxBackend::AddItemOnce(const Account& account, const std::string& folder_id,
                                                   const std::string& item_class, const std::string& xml,
                                                   const std::string& once_key) {
  auto seen = mirror_->FindOnce(account, once_key);
  if (!seen.ok()) return seen.status();
  if (seen->has_value()) return **seen;  // OX has it already
  return Add(account, folder_id, item_class, xml, &once_key);
}

absl::StatusOr<std::string> OxBackend::Add(const Account& account, const std::string& folder_id,
                                           const std::string& item_class, const std::string& xml,
                                           const std::string* once_key) {
  auto folder = Resolve(account, folder_id);
  if (!folder.ok()) return folder.status();
  if (folder->module == "mail") return absl::InvalidArgumentError("mail items are added as messages");
  if (folder->module == kLocalModule) return absl::InvalidArgumentError("the Outbox holds nothing: mail is sent");
  auto object = FromApplicationData(folder->module, xml);
  if (!object.ok()) return object.status();
  (*object)["folder_id"] = folder->ox;
  FolderTurn turn(*this, {Key(account, folder_id)});  // no refresh sees it half-mapped
  auto reply = api_->Call(account.key(), "PUT", folder->module, {{"action", "new"}}, object->dump());
  if (!reply.ok()) return reply.status();
  const std::string ox_id = IdText((*reply)["data"]["id"]);
  auto id = once_key != nullptr ? mirror_->AddItemOnce(account, folder_id, item_class, xml, *once_key)
                                : mirror_->AddItem(account, folder_id, item_class, xml);
  if (!id.ok()) return id.status();
  if (auto s = Remember(account, {*id, folder->ox, ox_id, folder->module, Number((*reply)["timestamp"])}); !s.ok()) {
    return s;
  }
  return id;
}

absl::Status OxBackend::UpdateItem(const Account& account, const std::string& server_id, const std::string& xml) {
  auto m = Lookup(account, server_id);
  if (!m.ok()) return m.status();
  const std::string folder_key = ItemFolderKey(account, server_id);
  if (m->module == "mail") {
    // What a phone changes on mail: the read flag.
    pugi::xml_document doc;
    doc.load_string(xml.c_str());
    const bool read = std::string(doc.first_child().child("email:Read").text().get()) == "1";
    FolderTurn turn(*this, {folder_key});
    auto reply = api_->Call(account.key(), "PUT", "mail", {{"action", "update"}, {"folder", m->ox_folder}, {"id", m->ox_id}},
                            Json{{"flags", kSeen}, {"value", read}}.dump());
    if (!reply.ok()) return reply.status();
    if (auto s = mirror_->UpdateItem(account, server_id, xml); !s.ok()) return s;
    m->stamp = read ? (m->stamp | kSeen) : (m->stamp & ~kSeen);
    return Remember(account, *m);
  }
  auto object = FromApplicationData(m->module, xml);
  if (!object.ok()) return object.status();
  FolderTurn turn(*this, {folder_key});
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto reply = api_->Call(account.key(), "PUT", m->module,
                            {{"action", "update"}, {"folder", m->ox_folder}, {"id", m->ox_id},
                             {"timestamp", std::to_string(m->stamp)}},
                            object->dump());
    if (reply.ok()) {
      if (auto s = mirror_->UpdateItem(account, server_id, xml); !s.ok()) return s;
      m->stamp = Number((*reply)["timestamp"]);
      return Remember(account, *m);
    }
    if (reply.status().code() != absl::StatusCode::kAborted || attempt > 0) return reply.status();
    // Changed in OX meanwhile: the sync engine has settled the conflict
    // (the phone's change wins here); retry against OX's current stamp.
    auto current = api_->Call(account.key(), "GET", m->module, {{"action", "get"}, {"folder", m->ox_folder}, {"id", m->ox_id}});
    if (!current.ok()) return current.status();
    m->stamp = Number((*current)["timestamp"]);
  }
  return absl::AbortedError("conflict");
}

absl::Status OxBackend::DeleteItem(const Account& account, const std::string& server_id) {
  auto m = Lookup(account, server_id);
  if (!m.ok()) return m.status();
  FolderTurn turn(*this, {ItemFolderKey(account, server_id)});
  absl::StatusOr<Json> reply =
      m->module == "mail"
          ? api_->Call(account.key(), "PUT", "mail", {{"action", "delete"}},
                       Json::array({Json{{"id", m->ox_id}, {"folder", m->ox_folder}}}).dump())
          : api_->Call(account.key(), "PUT", m->module,
                       // OX refuses a delete older than the object's last
                       // change; the phone's delete is meant to win.
                       {{"action", "delete"},
                        {"timestamp", std::to_string(absl::ToUnixMillis(absl::Now() + absl::Hours(24)))}},
                       Json{{"id", m->ox_id}, {"folder", m->ox_folder}}.dump());
  if (!reply.ok() && reply.status().code() != absl::StatusCode::kNotFound) return reply.status();
  if (auto s = mirror_->DeleteItem(account, server_id); !s.ok()) return s;
  return Forget(account, server_id);
}

absl::StatusOr<std::string> OxBackend::MoveItem(const Account& account, const std::string& server_id,
                                                const std::string& destination) {
  auto m = Lookup(account, server_id);
  if (!m.ok()) return m.status();
  auto dest = Resolve(account, destination);
  if (!dest.ok()) return absl::NotFoundError("no folder " + destination);
  FolderTurn turn(*this, {ItemFolderKey(account, server_id), Key(account, destination)});
  auto reply = api_->Call(account.key(), "PUT", m->module,
                          m->module == "mail"
                              ? Params{{"action", "update"}, {"folder", m->ox_folder}, {"id", m->ox_id}}
                              : Params{{"action", "update"}, {"folder", m->ox_folder}, {"id", m->ox_id},
                                       {"timestamp", std::to_string(m->stamp)}},
                          Json{{"folder_id", dest->ox}}.dump());
  if (!reply.ok()) return reply.status();
  auto moved = mirror_->MoveItem(account, server_id, destination);
  if (!moved.ok()) return moved.status();
  const std::string ox_id = m->module == "mail" ? IdText((*reply)["data"]["id"]) : m->ox_id;
  if (auto s = Forget(account, server_id); !s.ok()) return s;
  const int64_t stamp = m->module == "mail" ? m->stamp : Number((*reply)["timestamp"]);
  if (auto s = Remember(account, {*moved, dest->ox, ox_id, m->module, stamp}); !s.ok()) return s;
  return moved;
}

absl::Status OxBackend::EmptyFolder(const Account& account, const std::string& folder_id, bool delete_subfolders) {
  auto folder = Resolve(account, folder_id);
  if (!folder.ok()) return folder.status();
  if (folder->module == "mail") {
    FolderTurn turn(*this, {Key(account, folder_id)});
    auto reply = api_->Call(account.key(), "PUT", "mail", {{"action", "clear"}}, Json::array({folder->ox}).dump());
    if (!reply.ok()) return reply.status();
  } else {
    std::vector<std::string> ids;
    auto stmt = map_->Prepare("SELECT server_id FROM items WHERE user_id = ? AND ox_folder = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, account.id).Bind(2, folder->ox);
    if (auto s = stmt->ForEachRow([&] { ids.push_back(stmt->Text(0)); }); !s.ok()) return s;
    stmt = absl::InternalError("");
    for (const auto& id : ids) {
      if (auto s = DeleteItem(account, id); !s.ok()) return s;
    }
  }
  if (delete_subfolders) {
    auto folders = mirror_->ListFolders(account);
    if (!folders.ok()) return folders.status();
    for (const auto& f : *folders) {
      if (f.parent_id == folder_id) {
        if (auto s = RemoveFolder(account, f.server_id); !s.ok()) return s;
      }
    }
  }
  auto drop = map_->Prepare("DELETE FROM items WHERE user_id = ? AND ox_folder = ?");
  if (!drop.ok()) return drop.status();
  drop->Bind(1, account.id).Bind(2, folder->ox);
  if (auto s = drop->Run(); !s.ok()) return s;
  return mirror_->EmptyFolder(account, folder_id, false);
}

absl::StatusOr<std::string> OxBackend::CreateFolder(const Account& account, const std::string& parent_id,
                                                    const std::string& display_name, int type) {
  const std::string module = type == kUserCalendar ? "calendar"
                             : type == kUserContacts ? "contacts"
                             : type == kUserTasks    ? "tasks"
                                                     : "mail";
  std::string parent = module == "mail" ? "default0" : "1";
  if (parent_id != "0") {
    auto p = Resolve(account, parent_id);
    if (!p.ok()) return absl::NotFoundError("no parent folder " + parent_id);
    parent = p->ox;
  }
  auto reply = api_->Call(account.key(), "PUT", "folders", {{"action", "new"}, {"folder_id", parent}, {"module", module}},
                          Json{{"title", display_name}, {"module", module}}.dump());
  if (!reply.ok()) return reply.status();
  const std::string id = IdText((*reply)["data"]);
  if (auto s = mirror_->AddFolder(account, {id, parent_id, display_name, type}); !s.ok()) return s;
  auto put = map_->Prepare("INSERT OR REPLACE INTO folders(user_id, folder_id, ox_id, module) VALUES(?, ?, ?, ?)");
  if (!put.ok()) return put.status();
  put->Bind(1, account.id).Bind(2, id).Bind(3, id).Bind(4, module);
  if (auto s = put->Run(); !s.ok()) return s;
  return id;
}

absl::Status OxBackend::RenameFolder(const Account& account, const std::string& server_id, const std::string& parent_id,
                                     const std::string& display_name) {
  auto folders = mirror_->ListFolders(account);
  if (!folders.ok()) return folders.status();
  auto it = std::find_if(folders->begin(), folders->end(), [&](const Folder& f) { return f.server_id == server_id; });
  if (it == folders->end()) return absl::NotFoundError("no folder " + server_id);
  auto folder = Resolve(account, server_id);
  if (!folder.ok()) return folder.status();
  std::string parent = folder->module == "mail" ? "default0" : "1";
  if (parent_id != "0") {
    auto p = Resolve(account, parent_id);
    if (!p.ok()) return absl::FailedPreconditionError("no parent folder " + parent_id);
    parent = p->ox;
  }
  auto reply = api_->Call(account.key(), "PUT", "folders", {{"action", "update"}, {"id", folder->ox}},
                          Json{{"title", display_name}, {"folder_id", parent}}.dump());
  if (!reply.ok()) return reply.status();
  Folder updated = *it;
  updated.parent_id = parent_id;
  updated.display_name = display_name;
  return mirror_->UpdateFolder(account, updated);
}

absl::Status OxBackend::RemoveFolder(const Account& account, const std::string& server_id) {
  auto folder = Resolve(account, server_id);
  if (!folder.ok()) return folder.status();
  auto reply = api_->Call(account.key(), "PUT", "folders", {{"action", "delete"}}, Json::array({folder->ox}).dump());
  if (!reply.ok()) return reply.status();
  if (auto s = mirror_->DeleteFolder(account, server_id); !s.ok()) return s;
  auto drop = map_->Prepare("DELETE FROM items WHERE user_id = ? AND ox_folder = ?");
  if (!drop.ok()) return drop.status();
  drop->Bind(1, account.id).Bind(2, folder->ox);
  return drop->Run();
}

absl::StatusOr<std::string> OxBackend::AddMail(const Account& account, const std::string& folder_id,
                                               const std::string& mime, bool read, int64_t received) {
  auto folder = Resolve(account, folder_id);
  if (!folder.ok()) return folder.status();
  FolderTurn turn(*this, {Key(account, folder_id)});
  auto reply = api_->Call(account.key(), "POST", "mail",
                          {{"action", "import"}, {"folder", folder->ox}, {"flags", read ? "32" : "0"}}, mime,
                          "message/rfc822");
  if (!reply.ok()) return reply.status();
  const Json& data = (*reply)["data"];
  const std::string ox_id = data.is_array() && !data.empty() ? IdText(data[0]["id"]) : "";
  auto id = mirror_->AddMail(account, folder_id, mime, read, received);
  if (!id.ok()) return id.status();
  if (auto s = Remember(account, {*id, folder->ox, ox_id, "mail", read ? kSeen : 0}); !s.ok()) return s;
  return id;
}

absl::Status OxBackend::SubmitMail(const Account& account, const std::string& mime, bool save_in_sent) {
  auto reply = api_->Call(account.key(), "PUT", "mail",
                          {{"action", "new"}, {"copy2sent", save_in_sent ? "true" : "false"}}, mime,
                          "message/rfc822");
  if (reply.ok() && save_in_sent) {
    // OX just put a copy into Sent Items: the next read of that folder asks
    // OX again, even right after a refresh (a phone syncs Sent Items at once).
    absl::MutexLock lock(&state_mutex_);
    FolderState& st = folders_[Key(account, "sent")];
    st.attempted = absl::InfinitePast();
    st.fresh = absl::InfinitePast();
  }
  return reply.status();
}

absl::StatusOr<std::string> OxBackend::GetMime(const Account& account, const std::string& server_id) {
  return mirror_->GetMime(account, server_id);
}

absl::StatusOr<Attachment> OxBackend::GetAttachment(const Account& account, const std::string& file_reference) {
  return mirror_->GetAttachment(account, file_reference);
}

absl::StatusOr<Account> OxBackend::FindAccountByEmail(const std::string& /*context*/, const std::string& email) {
  return absl::NotFoundError("OX delivers its own mail: " + email);
}

absl::StatusOr<std::vector<GalEntry>> OxBackend::SearchGal(const Account& account, const std::string& query,
                                                           int limit) {
  auto reply = api_->Call(account.key(), "PUT", "contacts",
                          {{"action", "search"}, {"columns", "1,500,501,502,555,542,551,569,520"}},
                          Json{{"pattern", query + "*"}, {"folder", Json::array({options_.gal_folder})}}.dump());
  if (!reply.ok()) return reply.status();
  std::vector<GalEntry> out;
  for (const Json& row : (*reply)["data"]) {
    if (static_cast<int>(out.size()) >= limit) break;
    auto text = [&](size_t i) { return i < row.size() && row[i].is_string() ? row[i].get<std::string>() : ""; };
    GalEntry e;
    e.email = text(4);
    e.alias = e.email.substr(0, e.email.find('@'));
    e.display_name = text(1);
    e.first_name = text(2);
    e.last_name = text(3);
    e.phone = text(5);
    e.mobile_phone = text(6);
    e.company = text(7);
    e.title = text(8);
    out.push_back(std::move(e));
  }
  return out;
}

// Free/busy from OX's calendar service (chronos `freeBusy`): the attendee
// by address, the answer's free/busy types mapped to MS-ASCAL BusyStatus.
absl::StatusOr<std::vector<BusySpan>> OxBackend::FreeBusy(const Account& asker, const std::string& email,
                                                          int64_t start, int64_t end) {
  Json body = {{"attendees", Json::array({Json{{"uri", "mailto:" + email}}})}};
  auto reply = api_->Call(asker.key(), "PUT", "chronos",
                          {{"action", "freeBusy"}, {"from", CompactUtc(start)}, {"until", CompactUtc(end)}},
                          body.dump());
  if (!reply.ok()) return reply.status();
  const Json& data = (*reply)["data"];
  if (!data.is_array() || data.empty() || !data[0].contains("freeBusyTime")) {
    return absl::NotFoundError("OX has no free/busy for " + email);
  }
  std::vector<BusySpan> spans;
  for (const Json& t : data[0]["freeBusyTime"]) {
    const std::string type = t.value("fbType", "BUSY");
    BusySpan span;
    span.start = Number(t["startTime"]) / 1000;
    span.end = Number(t["endTime"]) / 1000;
    span.status = type == "FREE" ? 0 : type == "BUSY-TENTATIVE" ? 1 : type == "BUSY-UNAVAILABLE" ? 3 : 2;
    spans.push_back(span);
  }
  return spans;
}

// Out of office is OX's vacation notice: a mail filter rule flagged
// "vacation" whose action sends one text to every sender (OX has no
// internal/external distinction), limited in time by "currentdate" tests.
namespace {

constexpr char kVacationFlag[] = "vacation";

// The user's vacation rule, or null if there is none.
absl::StatusOr<Json> VacationRule(OxApi& api, const Account& account) {
  auto reply = api.Call(account.key(), "GET", "mailfilter", {{"action", "list"}, {"flag", kVacationFlag}});
  if (!reply.ok()) return reply.status();
  for (const Json& rule : (*reply)["data"]) {
    for (const Json& cmd : rule.value("actioncmds", Json::array())) {
      if (cmd.value("id", "") == "vacation") return rule;
    }
  }
  return Json(nullptr);
}

}  // namespace

absl::StatusOr<OofSettings> OxBackend::GetOof(const Account& account) {
  auto rule = VacationRule(*api_, account);
  if (!rule.ok()) return rule.status();
  OofSettings oof;
  if (rule->is_null()) return oof;
  std::string text;
  for (const Json& cmd : (*rule)["actioncmds"]) {
    if (cmd.value("id", "") == "vacation") text = cmd.value("text", "");
  }
  oof.internal_message = oof.external_known_message = oof.external_unknown_message = text;
  oof.external_known_enabled = oof.external_unknown_enabled = true;
  if (!rule->value("active", true)) return oof;  // state 0, the text kept
  oof.state = 1;
  const Json& test = (*rule)["test"];
  if (test.value("id", "") == "allof") {
    for (const Json& t : test.value("tests", Json::array())) {
      if (t.value("id", "") != "currentdate" || !t.contains("datevalue") || t["datevalue"].empty()) continue;
      const int64_t at = Number(t["datevalue"][0]) / 1000;
      (t.value("comparison", "") == "ge" ? oof.start_time : oof.end_time) = at;
    }
    if (oof.start_time != 0 && oof.end_time != 0) oof.state = 2;
  }
  return oof;
}

absl::Status OxBackend::SetOof(const Account& account, const OofSettings& settings) {
  auto existing = VacationRule(*api_, account);
  if (!existing.ok()) return existing.status();
  std::string text = settings.internal_message;
  if (text.empty()) text = !settings.external_known_message.empty() ? settings.external_known_message
                                                                    : settings.external_unknown_message;
  Json rule = {{"rulename", "Vacation Notice"},
               {"active", settings.state != 0},
               {"flags", Json::array({kVacationFlag})},
               {"actioncmds", Json::array({Json{{"id", "vacation"},
                                                {"days", "7"},
                                                {"addresses", Json::array({account.email})},
                                                {"subject", "Out of office"},
                                                {"text", text}}})}};
  if (settings.state == 2) {
    auto date = [](const char* comparison, int64_t at) {
      return Json{{"id", "currentdate"}, {"comparison", comparison}, {"datepart", "date"},
                  {"datevalue", Json::array({at * 1000})}};
    };
    rule["test"] = {{"id", "allof"},
                    {"tests", Json::array({date("ge", settings.start_time), date("le", settings.end_time)})}};
  } else {
    rule["test"] = {{"id", "true"}};
  }
  const bool update = !existing->is_null();
  if (text.empty() && update) {  // turned off without a message: the old one stays
    for (const Json& cmd : (*existing)["actioncmds"]) {
      if (cmd.value("id", "") == "vacation") rule["actioncmds"][0]["text"] = cmd.value("text", "");
    }
  }
  if (update) rule["id"] = (*existing)["id"];
  auto reply = api_->Call(account.key(), "PUT", "mailfilter", {{"action", update ? "update" : "new"}}, rule.dump());
  return reply.status();
}

}  // namespace eas::backend::ox
