#include "reference/backend/sqlite_store.h"

#include <openssl/sha.h>

#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "reference/backend/password_hash.h"

namespace eas::backend {
namespace {

constexpr absl::Duration kAuthCacheLifetime = absl::Minutes(10);

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS users(
  id INTEGER PRIMARY KEY,
  context TEXT NOT NULL,
  login TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  UNIQUE(context, login));
CREATE TABLE IF NOT EXISTS folders(
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  server_id TEXT NOT NULL,
  parent_id TEXT NOT NULL,
  display_name TEXT NOT NULL,
  type INTEGER NOT NULL,
  position INTEGER NOT NULL,
  change_counter INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(user_id, server_id));
CREATE TABLE IF NOT EXISTS items(
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  server_id TEXT NOT NULL,
  folder_id TEXT NOT NULL,
  class TEXT NOT NULL,
  data TEXT NOT NULL,
  mod_seq INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(user_id, server_id));
CREATE INDEX IF NOT EXISTS items_by_change ON items(user_id, folder_id, mod_seq);
CREATE TABLE IF NOT EXISTS gal(
  context TEXT NOT NULL,
  alias TEXT NOT NULL,
  display_name TEXT NOT NULL,
  first_name TEXT NOT NULL DEFAULT '',
  last_name TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL DEFAULT '',
  phone TEXT NOT NULL DEFAULT '',
  mobile_phone TEXT NOT NULL DEFAULT '',
  office TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  company TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(context, alias));
-- The raw MIME of mail items (items.mime_id); kept when an item moves, so
-- attachment FileReferences ("<mime id>:<index>") stay valid.
CREATE TABLE IF NOT EXISTS mime(
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS oof(
  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  state INTEGER NOT NULL DEFAULT 0,
  start_time INTEGER NOT NULL DEFAULT 0,
  end_time INTEGER NOT NULL DEFAULT 0,
  internal_message TEXT NOT NULL DEFAULT '',
  external_known_enabled INTEGER NOT NULL DEFAULT 0,
  external_known_message TEXT NOT NULL DEFAULT '',
  external_unknown_enabled INTEGER NOT NULL DEFAULT 0,
  external_unknown_message TEXT NOT NULL DEFAULT '',
  body_type TEXT NOT NULL DEFAULT 'Text');
)sql";

// store.db's versions (PRAGMA user_version), oldest first; each runs in a
// transaction of its own. Version 1 is the schema as it stood before
// versions were recorded (IF NOT EXISTS: it adopts such a file as it is).
// Never edit a step that has shipped: add one.
const storage::Schema& StoreSchema() {
  static const storage::Schema* schema = new storage::Schema{
      0x45415353,  // "EASS"
      "users",
      {
          [](storage::Database& db) { return db.Execute(kSchema); },
          // 2: the raw MIME of mail items (files made before it lack the column).
          [](storage::Database& db) -> absl::Status {
            auto has = db.Prepare("SELECT count(*) FROM pragma_table_info('items') WHERE name = 'mime_id'");
            if (!has.ok()) return has.status();
            if (auto row = has->Step(); !row.ok()) return row.status();
            if (has->Int(0) > 0) return absl::OkStatus();
            return db.Execute("ALTER TABLE items ADD COLUMN mime_id INTEGER");
          },
          // 3: AddItemOnce: which item a device's ClientId at a sync key
          // became, written in the item's own transaction, so a resend
          // after any failure adds nothing.
          [](storage::Database& db) {
            return db.Execute(
                "CREATE TABLE once_keys("
                "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
                "  once_key TEXT NOT NULL,"
                "  server_id TEXT NOT NULL,"
                "  created INTEGER NOT NULL,"
                "  PRIMARY KEY(user_id, once_key));"
                "CREATE INDEX once_keys_by_age ON once_keys(created);");
          },
      }};
  return *schema;
}

std::string CacheKey(const std::string& context, const std::string& login,
                     const std::string& password) {
  const std::string material = absl::StrCat(context.size(), ":", context, login.size(), ":",
                                            login, password);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  auto db = storage::Database::Open(path, StoreSchema());
  if (!db.ok()) return db.status();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*db)));
}

absl::StatusOr<Account> SqliteStore::ReadAccount(storage::Statement& row) {
  Account a;
  a.id = row.Int(0);
  a.context = row.Text(1);
  a.login = row.Text(2);
  a.display_name = row.Text(3);
  a.email = row.Text(4);
  return a;
}

absl::StatusOr<Account> SqliteStore::Authenticate(const std::string& context,
                                                  const std::string& login,
                                                  const std::string& password) {
  std::optional<Account> found;
  std::string stored;
  {
    auto stmt = db_->Prepare(
        "SELECT id, context, login, display_name, email, password_hash FROM users "
        "WHERE context = ? AND login = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, context).Bind(2, login);
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    if (*row) {
      auto account = ReadAccount(*stmt);
      if (!account.ok()) return account.status();
      found = *account;
      stored = stmt->Text(5);
    }
  }  // the statement, and its connection, are let go before any hashing
  const std::string key = CacheKey(context, login, password);
  if (found) {
    // A remembered success counts only while the stored hash is the one it
    // was checked against: a password changed by eas-admin (another
    // process) takes effect at once.
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = auth_cache_.find(key);
    if (it != auth_cache_.end() && it->second.stored_hash == stored &&
        absl::Now() - it->second.checked < kAuthCacheLifetime) {
      return it->second.account;
    }
  }
  // The same answer, and the same work (one hash of the current cost), for
  // an unknown account as for a wrong password (issue 15: two hashes for
  // an unknown account told them apart by time).
  if (!VerifyPassword(password, found ? stored : DecoyHash()) || !found) {
    return absl::UnauthenticatedError("wrong user name or password");
  }
  if (NeedsRehash(stored)) {
    // Made anew at today's cost (outside any database lock), if nobody
    // changed the password meanwhile.
    const std::string rehashed = HashPassword(password);
    auto update = db_->Prepare("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?");
    if (update.ok() && update->Bind(1, rehashed).Bind(2, found->id).Bind(3, stored).Run().ok()) stored = rehashed;
  }
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (auth_cache_.size() >= 10000) auth_cache_.clear();  // bounded; logins then hash once more
  auth_cache_[key] = {*found, stored, absl::Now()};
  return *found;
}

absl::StatusOr<std::vector<Folder>> SqliteStore::ListFolders(const Account& account) {
  auto stmt = db_->Prepare(
      "SELECT server_id, parent_id, display_name, type FROM folders WHERE user_id = ? "
      "ORDER BY position");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, account.id);
  std::vector<Folder> folders;
  if (auto s = stmt->ForEachRow([&] {
        folders.push_back({stmt->Text(0), stmt->Text(1), stmt->Text(2), static_cast<int>(stmt->Int(3))});
      });
      !s.ok()) {
    return s;
  }
  return folders;
}

absl::StatusOr<Account> SqliteStore::AddUser(const std::string& context, const std::string& login,
                                             const std::string& password,
                                             const std::string& display_name,
                                             const std::string& email) {
  if (FindUser(context, login).ok()) {
    return absl::AlreadyExistsError(absl::StrCat("user ", login, " in context ", context, " exists"));
  }
  auto stmt = db_->Prepare(
      "INSERT INTO users(context, login, password_hash, display_name, email) VALUES(?,?,?,?,?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, context).Bind(2, login).Bind(3, HashPassword(password)).Bind(4, display_name).Bind(5, email);
  if (auto s = stmt->Run(); !s.ok()) return s;
  return FindUser(context, login);
}

absl::Status SqliteStore::SetPassword(const std::string& context, const std::string& login,
                                      const std::string& password) {
  auto stmt = db_->Prepare("UPDATE users SET password_hash = ? WHERE context = ? AND login = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, HashPassword(password)).Bind(2, context).Bind(3, login);
  if (auto s = stmt->Run(); !s.ok()) return s;
  if (stmt->Changes() == 0) return absl::NotFoundError(absl::StrCat("no user ", login, " in ", context));
  return absl::OkStatus();  // cached logins check the stored hash (Authenticate)
}

absl::StatusOr<Account> SqliteStore::FindUser(const std::string& context, const std::string& login) {
  auto stmt = db_->Prepare(
      "SELECT id, context, login, display_name, email FROM users WHERE context = ? AND login = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, context).Bind(2, login);
  auto row = stmt->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("no user ", login, " in context ", context));
  return ReadAccount(*stmt);
}

absl::StatusOr<std::vector<Account>> SqliteStore::ListUsers() {
  auto stmt = db_->Prepare(
      "SELECT id, context, login, display_name, email FROM users ORDER BY context, login");
  if (!stmt.ok()) return stmt.status();
  std::vector<Account> accounts;
  if (auto s = stmt->ForEachRow([&] { accounts.push_back(*ReadAccount(*stmt)); }); !s.ok()) return s;
  return accounts;
}

absl::Status SqliteStore::AddFolder(const Account& account, const Folder& folder) {
  return db_->Transaction([&]() -> absl::Status {
    if (folder.parent_id != "0") {
      auto parent = db_->Prepare("SELECT 1 FROM folders WHERE user_id = ? AND server_id = ?");
      if (!parent.ok()) return parent.status();
      parent->Bind(1, account.id).Bind(2, folder.parent_id);
      auto found = parent->Step();
      if (!found.ok()) return found.status();
      if (!*found) return absl::FailedPreconditionError("no parent folder " + folder.parent_id);
    }
    auto exists = db_->Prepare("SELECT 1 FROM folders WHERE user_id = ? AND server_id = ?");
    if (!exists.ok()) return exists.status();
    exists->Bind(1, account.id).Bind(2, folder.server_id);
    auto found = exists->Step();
    if (!found.ok()) return found.status();
    if (*found) return absl::AlreadyExistsError("folder " + folder.server_id + " exists");
    auto stmt = db_->Prepare(
        "INSERT INTO folders(user_id, server_id, parent_id, display_name, type, position) "
        "VALUES(?,?,?,?,?, (SELECT COALESCE(MAX(position), 0) + 1 FROM folders WHERE user_id = ?))");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, account.id).Bind(2, folder.server_id).Bind(3, folder.parent_id)
        .Bind(4, folder.display_name).Bind(5, folder.type).Bind(6, account.id);
    return stmt->Run();
  });
}

namespace {

// AlreadyExists when another folder under `parent_id` has the name.
absl::Status CheckNameFree(storage::Database& db, int64_t user_id, const std::string& parent_id,
                           const std::string& name, const std::string& except_id) {
  auto taken = db.Prepare(
      "SELECT 1 FROM folders WHERE user_id = ? AND parent_id = ? AND display_name = ? "
      "AND server_id != ?");
  if (!taken.ok()) return taken.status();
  taken->Bind(1, user_id).Bind(2, parent_id).Bind(3, name).Bind(4, except_id);
  auto found = taken->Step();
  if (!found.ok()) return found.status();
  if (*found) return absl::AlreadyExistsError("a folder named " + name + " exists there");
  return absl::OkStatus();
}

absl::Status CheckFolderExists(storage::Database& db, int64_t user_id, const std::string& id) {
  if (id == "0") return absl::OkStatus();
  auto stmt = db.Prepare("SELECT 1 FROM folders WHERE user_id = ? AND server_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, user_id).Bind(2, id);
  auto found = stmt->Step();
  if (!found.ok()) return found.status();
  if (!*found) return absl::NotFoundError("no folder " + id);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> SqliteStore::CreateFolder(const Account& account,
                                                      const std::string& parent_id,
                                                      const std::string& display_name, int type) {
  std::string server_id;
  absl::Status status = db_->Transaction([&]() -> absl::Status {
    if (auto s = CheckFolderExists(*db_, account.id, parent_id); !s.ok()) return s;
    if (auto s = CheckNameFree(*db_, account.id, parent_id, display_name, ""); !s.ok()) return s;
    auto next = db_->Prepare("SELECT COALESCE(MAX(position), 0) + 1 FROM folders WHERE user_id = ?");
    if (!next.ok()) return next.status();
    next->Bind(1, account.id);
    if (auto row = next->Step(); !row.ok()) return row.status();
    for (int64_t n = next->Int(0);; ++n) {
      server_id = absl::StrCat("f", n);
      if (!CheckFolderExists(*db_, account.id, server_id).ok()) break;
    }
    return AddFolder(account, {server_id, parent_id, display_name, type});
  });
  if (!status.ok()) return status;
  return server_id;
}

absl::Status SqliteStore::RenameFolder(const Account& account, const std::string& server_id,
                                       const std::string& parent_id, const std::string& display_name) {
  return db_->Transaction([&]() -> absl::Status {
    if (auto s = CheckFolderExists(*db_, account.id, server_id); !s.ok()) return s;
    if (auto s = CheckFolderExists(*db_, account.id, parent_id); !s.ok()) {
      return absl::FailedPreconditionError("no parent folder " + parent_id);
    }
    // The new parent must not be the folder itself or inside it.
    auto cycle = db_->Prepare(
        "WITH RECURSIVE up(id) AS (SELECT ?1 UNION ALL SELECT f.parent_id FROM folders f "
        "JOIN up ON f.server_id = up.id WHERE f.user_id = ?2) SELECT 1 FROM up WHERE id = ?3");
    if (!cycle.ok()) return cycle.status();
    cycle->Bind(1, parent_id).Bind(2, account.id).Bind(3, server_id);
    auto inside = cycle->Step();
    if (!inside.ok()) return inside.status();
    if (*inside) return absl::FailedPreconditionError("a folder cannot move into itself");
    if (auto s = CheckNameFree(*db_, account.id, parent_id, display_name, server_id); !s.ok()) return s;
    auto stmt = db_->Prepare(
        "UPDATE folders SET parent_id = ?, display_name = ? WHERE user_id = ? AND server_id = ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, parent_id).Bind(2, display_name).Bind(3, account.id).Bind(4, server_id);
    return stmt->Run();
  });
}

absl::Status SqliteStore::UpdateFolder(const Account& account, const Folder& folder) {
  auto stmt = db_->Prepare(
      "UPDATE folders SET parent_id = ?, display_name = ?, type = ? "
      "WHERE user_id = ? AND server_id = ?");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, folder.parent_id).Bind(2, folder.display_name).Bind(3, folder.type)
      .Bind(4, account.id).Bind(5, folder.server_id);
  if (auto s = stmt->Run(); !s.ok()) return s;
  if (stmt->Changes() == 0) return absl::NotFoundError("no folder " + folder.server_id);
  return absl::OkStatus();
}

absl::Status SqliteStore::DeleteFolder(const Account& account, const std::string& server_id) {
  // Children go with their parent (recursive), in one transaction.
  return db_->Transaction([&]() -> absl::Status {
    auto stmt = db_->Prepare(
        "WITH RECURSIVE doomed(id) AS (SELECT ? UNION ALL SELECT f.server_id FROM folders f "
        "JOIN doomed d ON f.parent_id = d.id WHERE f.user_id = ?) "
        "DELETE FROM folders WHERE user_id = ? AND server_id IN (SELECT id FROM doomed)");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, server_id).Bind(2, account.id).Bind(3, account.id);
    if (auto s = stmt->Run(); !s.ok()) return s;
    if (stmt->Changes() == 0) return absl::NotFoundError("no folder " + server_id);
    // Their items go too: phones learn of it through FolderSync's Delete.
    auto items = db_->Prepare(
        "DELETE FROM items WHERE user_id = ?1 AND folder_id NOT IN "
        "(SELECT server_id FROM folders WHERE user_id = ?1)");
    if (!items.ok()) return items.status();
    items->Bind(1, account.id);
    return items->Run();
  });
}

}  // namespace eas::backend
