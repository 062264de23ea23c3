// The embedded groupware store: accounts and folders (items come with the
// sync issue) in SQLite in the data directory, behind the Backend interface.
// Also what eas-admin and --demo write through.
#ifndef EAS_REFERENCE_BACKEND_SQLITE_STORE_H_
#define EAS_REFERENCE_BACKEND_SQLITE_STORE_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "reference/backend/backend.h"
#include "reference/storage/sqlite.h"

namespace eas::backend {

class SqliteStore : public Backend {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);

  absl::StatusOr<Account> Authenticate(const std::string& context, const std::string& login,
                                       const std::string& password) override;
  absl::StatusOr<std::vector<Folder>> ListFolders(const Account& account) override;

  // Administration. AddUser fails with AlreadyExists for a taken name.
  absl::StatusOr<Account> AddUser(const std::string& context, const std::string& login,
                                  const std::string& password, const std::string& display_name,
                                  const std::string& email);
  absl::Status SetPassword(const std::string& context, const std::string& login,
                           const std::string& password);
  absl::StatusOr<Account> FindUser(const std::string& context, const std::string& login);
  absl::StatusOr<std::vector<Account>> ListUsers();

  // Folders: AddFolder fails with AlreadyExists for a taken server id,
  // FailedPrecondition for a parent that does not exist.
  absl::Status AddFolder(const Account& account, const Folder& folder);
  absl::Status UpdateFolder(const Account& account, const Folder& folder);
  absl::Status DeleteFolder(const Account& account, const std::string& server_id);

  // Items (sqlite_store_items.cc). An item is stored as its AirSync
  // ApplicationData element in the DOM form of docs/wbxml.md, at the richest
  // protocol version; the sync engine trims it per device. Every change bumps
  // the folder's change counter and stamps the item with it (deletes leave a
  // tombstone), so "what changed since N" reads only the changed rows.
  absl::StatusOr<std::string> AddItem(const Account& account, const std::string& folder_id,
                                      const std::string& item_class,
                                      const std::string& application_data_xml) override;
  absl::StatusOr<std::string> AddItemOnce(const Account& account, const std::string& folder_id,
                                          const std::string& item_class, const std::string& application_data_xml,
                                          const std::string& once_key) override;
  // The ServerId an AddItemOnce with this key gave, if any.
  absl::StatusOr<std::optional<std::string>> FindOnce(const Account& account, const std::string& once_key);
  absl::Status UpdateItem(const Account& account, const std::string& server_id,
                          const std::string& application_data_xml) override;
  absl::Status DeleteItem(const Account& account, const std::string& server_id) override;
  absl::StatusOr<ItemChange> GetItem(const Account& account, const std::string& server_id) override;
  absl::StatusOr<int64_t> FolderChangeCounter(const Account& account,
                                              const std::string& folder_id) override;
  absl::StatusOr<std::vector<ItemChange>> ChangesSince(const Account& account,
                                                       const std::string& folder_id,
                                                       int64_t counter) override;

  absl::StatusOr<std::string> MoveItem(const Account& account, const std::string& server_id,
                                       const std::string& destination_folder_id) override;
  absl::Status EmptyFolder(const Account& account, const std::string& folder_id,
                           bool delete_subfolders) override;

  // Folders a phone manages; server ids "f<n>" (sqlite_store.cc).
  absl::StatusOr<std::string> CreateFolder(const Account& account, const std::string& parent_id,
                                           const std::string& display_name, int type) override;
  absl::Status RenameFolder(const Account& account, const std::string& server_id,
                            const std::string& parent_id, const std::string& display_name) override;
  absl::Status RemoveFolder(const Account& account, const std::string& server_id) override {
    return DeleteFolder(account, server_id);
  }

  // Mail (sqlite_store_mail.cc): the MIME is kept in its own table, the
  // item is the parsed message (mail/mail_item.h).
  absl::StatusOr<std::string> AddMail(const Account& account, const std::string& folder_id,
                                      const std::string& mime, bool read, int64_t received) override;
  absl::StatusOr<std::string> GetMime(const Account& account, const std::string& server_id) override;
  absl::StatusOr<Attachment> GetAttachment(const Account& account,
                                           const std::string& file_reference) override;
  absl::StatusOr<Account> FindAccountByEmail(const std::string& context, const std::string& email) override;
  absl::StatusOr<std::vector<GalEntry>> SearchGal(const Account& account, const std::string& query,
                                                  int limit) override {
    return SearchGal(account.context, query, limit);
  }
  absl::StatusOr<OofSettings> GetOof(const Account& account) override;
  absl::Status SetOof(const Account& account, const OofSettings& settings) override;

  // Told after every committed item change, in this process (the server's
  // push hub listens).
  using ChangeListener = std::function<void(const std::string& account_key, const std::string& folder_id)>;
  void SetChangeListener(ChangeListener listener);
  // Changes committed by another process (eas-admin, a second server on the
  // same data directory): a thread asks SQLite every `interval` whether
  // another connection wrote (PRAGMA data_version) and, if so, tells the
  // listener about every folder whose change counter moved.
  void WatchOtherWriters(absl::Duration interval);
  // For /readyz: the file takes writes.
  absl::Status CheckWritable() { return db_->CheckWritable(); }
  // The whole file checked (eas-admin check).
  absl::Status IntegrityCheck() { return db_->IntegrityCheck(); }
  ~SqliteStore() override;

  // The global address list of a context (sqlite_store_gal.cc).
  absl::Status AddGalEntry(const std::string& context, const GalEntry& entry);
  // Entries whose display name, first or last name, alias or e-mail address
  // starts with `query` (case-insensitively), by display name.
  absl::StatusOr<std::vector<GalEntry>> SearchGal(const std::string& context,
                                                  const std::string& query, int limit);

 private:
  explicit SqliteStore(std::unique_ptr<storage::Database> db) : db_(std::move(db)) {}
  absl::StatusOr<Account> ReadAccount(storage::Statement& row);

  void Changed(const Account& account, const std::string& folder_id);
  // Inserts a live item in the folder, inside the caller's transaction.
  absl::StatusOr<std::string> InsertItem(const Account& account, const std::string& folder_id,
                                         const std::string& item_class,
                                         const std::function<std::string(const std::string&)>& data,
                                         int64_t mime_id);

  std::unique_ptr<storage::Database> db_;
  std::mutex listener_mutex_;
  ChangeListener listener_;
  // The watch of other writers (WatchOtherWriters).
  std::thread watcher_;
  std::mutex watch_mutex_;
  std::condition_variable watch_stop_;
  bool stopping_ = false;
  // Phones send the password with every request; PBKDF2 on each would cost
  // milliseconds. Successful checks are remembered for a while, keyed by a
  // SHA-256 of context, login and password, together with the stored hash
  // they were checked against (a changed password invalidates them).
  struct CachedLogin {
    Account account;
    std::string stored_hash;
    absl::Time checked;
  };
  std::mutex cache_mutex_;
  absl::flat_hash_map<std::string, CachedLogin> auth_cache_;
};

}  // namespace eas::backend

#endif  // EAS_REFERENCE_BACKEND_SQLITE_STORE_H_
