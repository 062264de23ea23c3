// The Open-Xchange backend (--backend=ox --ox-url=URL): the Backend
// interface over OX's HTTP API. Phones' credentials are checked by logging
// in to OX. A local mirror (an embedded store in the data directory, plus
// the mapping of its ids to OX's) gives the sync engine the change counters
// it works with; it is brought up to date from OX with one small request
// per folder ("updates" since the last OX timestamp for contacts,
// appointments and tasks; the id and flag list for mail). Writes go to OX
// first and reach the mirror only when OX took them, so an OX failure
// changes nothing the phone has been told. A watcher thread refreshes the
// folders phones watch, which wakes their parked Pings through the mirror's
// change listener. See docs/ox-connector.md.
#ifndef EAS_REFERENCE_BACKEND_OX_OX_BACKEND_H_
#define EAS_REFERENCE_BACKEND_OX_OX_BACKEND_H_

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "reference/backend/backend.h"
#include "reference/backend/ox/ox_api.h"
#include "reference/backend/sqlite_store.h"
#include "reference/storage/sqlite.h"

namespace eas::backend::ox {

struct OxOptions {
  std::string url;                               // http(s)://host[:port][/prefix]
  absl::Duration timeout = absl::Seconds(20);    // per HTTP step
  // A folder is asked at most this often: the two or three reads of one
  // request share one refresh.
  absl::Duration refresh_interval = absl::Milliseconds(100);
  absl::Duration watch_interval = absl::Seconds(10);   // the watcher's round
  // While the watcher runs, a folder it watches is not asked again for a
  // request if the last refresh (the watcher's or a request's) is younger
  // than this: a quiet Sync then costs no OX call. Zero: every request asks
  // OX (at most once per refresh_interval). Infinite (the default): twice
  // the watch interval.
  absl::Duration sync_freshness = absl::InfiniteDuration();
  // The folder list of an account is read from OX at most this often (the
  // watcher re-reads it for accounts in use); the connector's own folder
  // changes reach it at once.
  absl::Duration folder_list_interval = absl::Minutes(5);
  absl::Duration watch_for = absl::Minutes(60);        // folders stay watched this long after use
  std::string gal_folder = "6";                  // OX's global address book
  // A refresh fetches new messages for at most this long; the rest comes
  // with the next one (the device is told MoreAvailable), so a first sync
  // of a large mailbox answers in time (device-notes quirk 4).
  absl::Duration mail_fetch_budget = absl::Seconds(5);
};

class OxBackend : public Backend {
 public:
  // `data_dir` holds the mirror (ox-mirror.db) and the id map (ox-map.db).
  static absl::StatusOr<std::unique_ptr<OxBackend>> Open(const OxOptions& options, const std::string& data_dir);
  ~OxBackend() override;

  // Told after every change that reaches the mirror (the push hub listens).
  // It may run while a folder's turn is held: it must only queue work
  // (PushHub::Notify does), never read this backend in the same thread.
  void SetChangeListener(SqliteStore::ChangeListener listener);
  // Starts the watcher thread (push for changes made in OX).
  void StartWatcher();

  absl::StatusOr<Account> Authenticate(const std::string& context, const std::string& login,
                                       const std::string& password) override;
  absl::StatusOr<std::vector<Folder>> ListFolders(const Account& account) override;
  absl::StatusOr<std::string> AddItem(const Account& account, const std::string& folder_id,
                                      const std::string& item_class, const std::string& xml) override;
  absl::StatusOr<std::string> AddItemOnce(const Account& account, const std::string& folder_id,
                                          const std::string& item_class, const std::string& xml,
                                          const std::string& once_key) override;
  absl::Status UpdateItem(const Account& account, const std::string& server_id, const std::string& xml) override;
  absl::Status DeleteItem(const Account& account, const std::string& server_id) override;
  absl::StatusOr<ItemChange> GetItem(const Account& account, const std::string& server_id) override;
  bool MoreToCome(const Account& account, const std::string& folder_id) override;
  absl::StatusOr<int64_t> FolderChangeCounter(const Account& account, const std::string& folder_id) override;
  absl::StatusOr<std::vector<ItemChange>> ChangesSince(const Account& account, const std::string& folder_id,
                                                       int64_t counter) override;
  absl::StatusOr<std::string> MoveItem(const Account& account, const std::string& server_id,
                                       const std::string& destination) override;
  absl::Status EmptyFolder(const Account& account, const std::string& folder_id, bool delete_subfolders) override;
  absl::StatusOr<std::string> CreateFolder(const Account& account, const std::string& parent_id,
                                           const std::string& display_name, int type) override;
  absl::Status RenameFolder(const Account& account, const std::string& server_id, const std::string& parent_id,
                            const std::string& display_name) override;
  absl::Status RemoveFolder(const Account& account, const std::string& server_id) override;
  absl::StatusOr<std::string> AddMail(const Account& account, const std::string& folder_id, const std::string& mime,
                                      bool read, int64_t received) override;
  absl::StatusOr<std::string> GetMime(const Account& account, const std::string& server_id) override;
  absl::StatusOr<Attachment> GetAttachment(const Account& account, const std::string& file_reference) override;
  absl::StatusOr<Account> FindAccountByEmail(const std::string& context, const std::string& email) override;
  absl::StatusOr<std::vector<GalEntry>> SearchGal(const Account& account, const std::string& query,
                                                  int limit) override;
  absl::StatusOr<std::vector<BusySpan>> FreeBusy(const Account& asker, const std::string& email, int64_t start,
                                                 int64_t end) override;
  absl::StatusOr<OofSettings> GetOof(const Account& account) override;
  absl::Status SetOof(const Account& account, const OofSettings& settings) override;
  absl::Status SubmitMail(const Account& account, const std::string& mime, bool save_in_sent) override;

  // For /readyz: OX answers HTTP, the mirror takes writes.
  absl::Status CheckReachable();

  // Brings one folder of the mirror up to date with OX now.
  absl::Status Refresh(const Account& account, const std::string& folder_id);

 private:
  OxBackend(OxOptions options, std::unique_ptr<OxApi> api, std::unique_ptr<SqliteStore> mirror,
            std::unique_ptr<storage::Database> map)
      : options_(std::move(options)), api_(std::move(api)), mirror_(std::move(mirror)), map_(std::move(map)) {}

  struct Mapped {
    std::string server_id, ox_folder, ox_id, module;
    int64_t stamp = 0;  // OX last_modified (mail: flags)
  };
  absl::StatusOr<Mapped> Lookup(const Account& account, const std::string& server_id);
  absl::Status Remember(const Account& account, const Mapped& m);
  absl::Status Forget(const Account& account, const std::string& server_id);
  // A folder as the phone names it (`eas`) and as OX does.
  struct FolderRef {
    std::string eas, ox, module;
  };
  absl::StatusOr<FolderRef> Resolve(const Account& account, const std::string& folder_id,
                                    bool list_if_unknown = true);
  // AddItem and AddItemOnce: with a key, recorded in the mirror together
  // with the item right after OX accepted it.
  absl::StatusOr<std::string> Add(const Account& account, const std::string& folder_id,
                                  const std::string& item_class, const std::string& xml,
                                  const std::string* once_key);
  absl::Status RefreshObjects(const Account& account, const FolderRef& folder);
  // Sets `*incomplete` when new messages were left for the next refresh.
  absl::Status RefreshMail(const Account& account, const FolderRef& folder, bool* incomplete);
  absl::Status MaybeRefresh(const Account& account, const std::string& folder_id);
  // The folder list from OX, mirrored; `force`: even if the last listing is
  // recent (an id the phone names that the map does not know), but not more
  // often than every refresh interval.
  absl::StatusOr<std::vector<Folder>> ListFromOx(const Account& account, bool force);
  absl::StatusOr<std::vector<Folder>> ListFromOxNow(const Account& account);
  void Watch();

  OxOptions options_;
  std::unique_ptr<OxApi> api_;
  std::unique_ptr<SqliteStore> mirror_;
  std::unique_ptr<storage::Database> map_;
  // Each folder's refresh state ("<account>\n<folder>"). A folder has one
  // turn: a refresh or a write (so no refresh sees a write half-mapped)
  // holds it, across OX calls; nothing else waits for it. Readers that need
  // a fresh folder while a refresh is under way wait for that refresh and
  // share its result. Other folders and accounts never wait.
  struct FolderState {
    bool busy = false;        // the folder's turn is taken
    bool refreshing = false;  // by a refresh
    uint64_t refreshes = 0;   // refreshes ended: a waiter sees the next end
    absl::Time attempted = absl::InfinitePast();  // the last refresh ended
    absl::Time fresh = absl::InfinitePast();      // the last refresh that succeeded ended
    absl::Status last;        // how the last refresh ended
    bool incomplete = false;  // it left new mail for the next (MoreToCome)
  };
  struct AccountState {
    bool listing = false;     // a listing of its folders from OX is under way
    uint64_t listings = 0;
    absl::Time listed = absl::InfinitePast();  // the last successful listing ended
    absl::Time attempted = absl::InfinitePast();
  };
  class FolderTurn;
  // The turn key of the folder that holds an item.
  std::string ItemFolderKey(const Account& account, const std::string& server_id);
  absl::Duration SyncFreshness() const;
  absl::Mutex state_mutex_;
  // node_hash_map: entries stay put while a waiter holds a reference.
  absl::node_hash_map<std::string, FolderState> folders_ ABSL_GUARDED_BY(state_mutex_);
  absl::node_hash_map<std::string, AccountState> accounts_ ABSL_GUARDED_BY(state_mutex_);
  std::atomic<bool> watching_{false};  // the watcher thread runs
  SqliteStore::ChangeListener listener_;
  std::map<std::string, std::pair<Account, absl::Time>> watched_;  // same key -> last use
  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace eas::backend::ox

#endif  // EAS_REFERENCE_BACKEND_OX_OX_BACKEND_H_
