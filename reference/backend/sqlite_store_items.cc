// SqliteStore: items with per-folder change counters (sqlite_store.h).
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pugixml.hpp"
#include "reference/backend/sqlite_store.h"

namespace eas::backend {
namespace {

absl::Status CheckApplicationData(const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str()) || std::string(doc.first_child().name()) != "ApplicationData") {
    return absl::InvalidArgumentError("item data must be an <ApplicationData> element");
  }
  return absl::OkStatus();
}

// Bumps a folder's change counter and returns the new value: the folder
// named, or (item_id given) the folder that holds that live item. NotFound if
// there is none. Runs inside the caller's transaction.
struct Bumped {
  std::string folder_id;
  int64_t counter;
};

absl::StatusOr<Bumped> BumpCounter(storage::Database& db, int64_t user_id,
                                   const std::string& folder_id, const std::string& item_id) {
  auto bump = db.Prepare(
      item_id.empty()
          ? "UPDATE folders SET change_counter = change_counter + 1 WHERE user_id = ?1 "
            "AND server_id = ?2 RETURNING server_id, change_counter"
          : "UPDATE folders SET change_counter = change_counter + 1 WHERE user_id = ?1 AND "
            "server_id = (SELECT folder_id FROM items WHERE user_id = ?1 AND server_id = ?2 "
            "AND deleted = 0) RETURNING server_id, change_counter");
  if (!bump.ok()) return bump.status();
  bump->Bind(1, user_id).Bind(2, item_id.empty() ? folder_id : item_id);
  auto row = bump->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError("no " + (item_id.empty() ? "folder " + folder_id : "item " + item_id));
  Bumped bumped{bump->Text(0), bump->Int(1)};
  if (auto done = bump->Run(); !done.ok()) return done;
  return bumped;
}

}  // namespace

void SqliteStore::SetChangeListener(ChangeListener listener) {
  std::lock_guard<std::mutex> lock(listener_mutex_);
  listener_ = std::move(listener);
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    stopping_ = true;
  }
  watch_stop_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

void SqliteStore::WatchOtherWriters(absl::Duration interval) {
  watcher_ = std::thread([this, interval] {
    int64_t version = -1;
    std::map<std::pair<std::string, std::string>, int64_t> counters;  // (account key, folder) -> counter
    for (bool first = true;; first = false) {
      {
        std::unique_lock<std::mutex> lock(watch_mutex_);
        if (!first && watch_stop_.wait_for(lock, absl::ToChronoMilliseconds(interval), [this] { return stopping_; })) {
          return;
        }
      }
      auto pragma = db_->Prepare("PRAGMA data_version");
      if (!pragma.ok()) continue;
      auto row = pragma->Step();
      if (!row.ok() || !*row) continue;
      const int64_t now = pragma->Int(0);
      pragma = absl::InternalError("");
      if (now == version) continue;  // nobody else wrote
      version = now;
      std::vector<std::pair<std::string, std::string>> moved;
      auto scan = db_->Prepare(
          "SELECT u.context || '/' || u.login, f.server_id, f.change_counter FROM folders f "
          "JOIN users u ON u.id = f.user_id");
      if (!scan.ok()) continue;
      scan->ForEachRow([&] {
        const auto key = std::make_pair(scan->Text(0), scan->Text(1));
        const int64_t counter = scan->Int(2);
        auto it = counters.find(key);
        if (it != counters.end() && it->second != counter) moved.push_back(key);
        counters[key] = counter;
      }).IgnoreError();  // a failed scan is tried again in a second; it changes nothing
      scan = absl::InternalError("");
      if (first) continue;
      ChangeListener listener;
      {
        std::lock_guard<std::mutex> lock(listener_mutex_);
        listener = listener_;
      }
      if (listener) {
        for (const auto& [account, folder] : moved) listener(account, folder);
      }
    }
  });
}

void SqliteStore::Changed(const Account& account, const std::string& folder_id) {
  ChangeListener listener;
  {
    std::lock_guard<std::mutex> lock(listener_mutex_);
    listener = listener_;
  }
  if (listener) listener(account.key(), folder_id);
}

absl::StatusOr<std::string> SqliteStore::InsertItem(
    const Account& account, const std::string& folder_id, const std::string& item_class,
    const std::function<std::string(const std::string&)>& data, int64_t mime_id) {
  auto counter = BumpCounter(*db_, account.id, folder_id, "");
  if (!counter.ok()) return counter.status();
  // Server ids are "<folder>:<n>", unique per account, never reused.
  std::string server_id = absl::StrCat(folder_id, ":", counter->counter);
  auto insert = db_->Prepare(
      "INSERT INTO items(user_id, server_id, folder_id, class, data, mod_seq, mime_id) "
      "VALUES(?, ?, ?, ?, ?, ?, ?)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, account.id).Bind(2, server_id).Bind(3, folder_id).Bind(4, item_class)
      .Bind(5, data(server_id)).Bind(6, counter->counter);
  if (mime_id > 0) {
    insert->Bind(7, mime_id);
  } else {
    insert->BindNull(7);
  }
  if (auto s = insert->Run(); !s.ok()) return s;
  return server_id;
}

absl::StatusOr<std::string> SqliteStore::AddItem(const Account& account,
                                                 const std::string& folder_id,
                                                 const std::string& item_class,
                                                 const std::string& application_data_xml) {
  if (auto s = CheckApplicationData(application_data_xml); !s.ok()) return s;
  std::string server_id;
  absl::Status status = db_->Transaction([&]() -> absl::Status {
    auto added = InsertItem(account, folder_id, item_class,
                            [&](const std::string&) { return application_data_xml; }, 0);
    if (!added.ok()) return added.status();
    server_id = *added;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  Changed(account, folder_id);
  return server_id;
}

namespace {
// A resend comes within minutes; a week covers a phone that was off.
constexpr int64_t kOnceKeyLifetime = 7 * 24 * 3600;
}  // namespace

absl::StatusOr<std::optional<std::string>> SqliteStore::FindOnce(const Account& account,
                                                                 const std::string& once_key) {
  auto find = db_->Prepare("SELECT server_id FROM once_keys WHERE user_id = ? AND once_key = ?");
  if (!find.ok()) return find.status();
  find->Bind(1, account.id).Bind(2, once_key);
  auto row = find->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(find->Text(0));
}

absl::StatusOr<std::string> SqliteStore::AddItemOnce(const Account& account, const std::string& folder_id,
                                                     const std::string& item_class,
                                                     const std::string& application_data_xml,
                                                     const std::string& once_key) {
  if (auto s = CheckApplicationData(application_data_xml); !s.ok()) return s;
  std::string server_id;
  bool added_now = false;
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  absl::Status status = db_->Transaction([&]() -> absl::Status {
    auto seen = FindOnce(account, once_key);
    if (!seen.ok()) return seen.status();
    if (seen->has_value()) {
      server_id = **seen;
      return absl::OkStatus();
    }
    auto added = InsertItem(account, folder_id, item_class,
                            [&](const std::string&) { return application_data_xml; }, 0);
    if (!added.ok()) return added.status();
    server_id = *added;
    added_now = true;
    auto record = db_->Prepare("INSERT INTO once_keys(user_id, once_key, server_id, created) VALUES(?, ?, ?, ?)");
    if (!record.ok()) return record.status();
    record->Bind(1, account.id).Bind(2, once_key).Bind(3, server_id).Bind(4, now);
    if (auto s = record->Run(); !s.ok()) return s;
    auto expire = db_->Prepare("DELETE FROM once_keys WHERE created < ?");
    if (!expire.ok()) return expire.status();
    expire->Bind(1, now - kOnceKeyLifetime);
    return expire->Run();
  });
  if (!status.ok()) return status;
  if (added_now) Changed(account, folder_id);
  return server_id;
}

absl::Status SqliteStore::UpdateItem(const Account& account, const std::string& server_id,
                                     const std::string& application_data_xml) {
  if (auto s = CheckApplicationData(application_data_xml); !s.ok()) return s;
  std::string folder;
  absl::Status status = db_->Transaction([&]() -> absl::Status {
    auto counter = BumpCounter(*db_, account.id, "", server_id);
    if (!counter.ok()) return counter.status();
    auto update = db_->Prepare("UPDATE items SET data = ?, mod_seq = ? WHERE user_id = ? AND server_id = ?");
    if (!update.ok()) return update.status();
    update->Bind(1, application_data_xml).Bind(2, counter->counter).Bind(3, account.id).Bind(4, server_id);
    folder = counter->folder_id;
    return update->Run();
  });
  if (status.ok()) Changed(account, folder);
  return status;
}

// Replaces a live item by a tombstone (devices that hold it learn of the
// delete); returns its folder. Inside the caller's transaction.
static absl::StatusOr<std::string> Tombstone(storage::Database& db, int64_t user_id,
                                      const std::string& server_id) {
  auto counter = BumpCounter(db, user_id, "", server_id);
  if (!counter.ok()) return counter.status();
  auto tomb = db.Prepare(
      "UPDATE items SET data = '', deleted = 1, mod_seq = ? WHERE user_id = ? AND server_id = ?");
  if (!tomb.ok()) return tomb.status();
  tomb->Bind(1, counter->counter).Bind(2, user_id).Bind(3, server_id);
  if (auto s = tomb->Run(); !s.ok()) return s;
  return counter->folder_id;
}

absl::Status SqliteStore::DeleteItem(const Account& account, const std::string& server_id) {
  std::string folder;
  absl::Status status = db_->Transaction([&]() -> absl::Status {
    auto from = Tombstone(*db_, account.id, server_id);
    if (!from.ok()) return from.status();
    folder = *from;
    return absl::OkStatus();
  });
  if (status.ok()) Changed(account, folder);
  return status;
}

absl::StatusOr<std::string> SqliteStore::MoveItem(const Account& account, const std::string& server_id,
                                                  const std::string& destination_folder_id) {
  std::string source, moved;
  absl::Status status = db_->Transaction([&]() -> absl::Status {
    auto read = db_->Prepare(
        "SELECT class, data, mime_id FROM items WHERE user_id = ? AND server_id = ? AND deleted = 0");
    if (!read.ok()) return read.status();
    read->Bind(1, account.id).Bind(2, server_id);
    auto row = read->Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::NotFoundError("no item " + server_id);
    const std::string item_class = read->Text(0), data = read->Text(1);
    const int64_t mime_id = read->IsNull(2) ? 0 : read->Int(2);
    auto added = InsertItem(account, destination_folder_id, item_class,
                            [&](const std::string&) { return data; }, mime_id);
    if (!added.ok()) return added.status();
    moved = *added;
    auto from = Tombstone(*db_, account.id, server_id);
    if (!from.ok()) return from.status();
    source = *from;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  Changed(account, source);
  Changed(account, destination_folder_id);
  return moved;
}

absl::Status SqliteStore::EmptyFolder(const Account& account, const std::string& folder_id,
                                      bool delete_subfolders) {
  std::vector<std::string> children;
  absl::Status status = db_->Transaction([&]() -> absl::Status {
    auto counter = BumpCounter(*db_, account.id, folder_id, "");
    if (!counter.ok()) return counter.status();
    auto tomb = db_->Prepare(
        "UPDATE items SET data = '', deleted = 1, mod_seq = ? WHERE user_id = ? AND folder_id = ? "
        "AND deleted = 0");
    if (!tomb.ok()) return tomb.status();
    tomb->Bind(1, counter->counter).Bind(2, account.id).Bind(3, folder_id);
    if (auto s = tomb->Run(); !s.ok()) return s;
    if (!delete_subfolders) return absl::OkStatus();
    auto list = db_->Prepare("SELECT server_id FROM folders WHERE user_id = ? AND parent_id = ?");
    if (!list.ok()) return list.status();
    list->Bind(1, account.id).Bind(2, folder_id);
    if (auto s = list->ForEachRow([&] { children.push_back(list->Text(0)); }); !s.ok()) return s;
    for (const auto& child : children) {
      if (auto s = DeleteFolder(account, child); !s.ok()) return s;  // nests in this transaction
    }
    return absl::OkStatus();
  });
  if (status.ok()) Changed(account, folder_id);
  return status;
}

absl::StatusOr<ItemChange> SqliteStore::GetItem(const Account& account,
                                                 const std::string& server_id) {
  auto stmt = db_->Prepare(
      "SELECT server_id, class, data, mod_seq, folder_id FROM items WHERE user_id = ? AND "
      "server_id = ? AND deleted = 0");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id).Bind(2, server_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError("no item " + server_id);
  return ItemChange{stmt->Text(0), stmt->Text(1), stmt->Text(2), stmt->Int(3), false, stmt->Text(4)};
}

absl::StatusOr<int64_t> SqliteStore::FolderChangeCounter(const Account& account,
                                                         const std::string& folder_id) {
  auto stmt = db_->Prepare("SELECT change_counter FROM folders WHERE user_id = ? AND server_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id).Bind(2, folder_id);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError("no folder " + folder_id);
  return stmt->Int(0);
}

absl::StatusOr<std::vector<ItemChange>> SqliteStore::ChangesSince(const Account& account,
                                                                  const std::string& folder_id,
                                                                  int64_t counter) {
  auto stmt = db_->Prepare(
      "SELECT server_id, class, data, mod_seq, deleted FROM items "
      "WHERE user_id = ? AND folder_id = ? AND mod_seq > ? ORDER BY mod_seq");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id).Bind(2, folder_id).Bind(3, counter);
  std::vector<ItemChange> changes;
  if (auto s = stmt->ForEachRow([&] {
        changes.push_back({stmt->Text(0), stmt->Text(1), stmt->Text(2), stmt->Int(3), stmt->Int(4) != 0});
      });
      !s.ok()) {
    return s;
  }
  return changes;
}

}  // namespace eas::backend
