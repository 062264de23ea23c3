// Direct Push (MS-ASCMD Ping): parked requests waiting for a change in the
// folders they watch or for their heartbeat to run out. A parked Ping costs
// a small struct here and its socket in the server; no thread, no polling:
// the store tells the hub what changed (Notify), one timer thread ends the
// heartbeats.
#ifndef EAS_REFERENCE_PUSH_PUSH_HUB_H_
#define EAS_REFERENCE_PUSH_PUSH_HUB_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace eas::push {

// How a parked Ping ends: the folders that changed (empty: the heartbeat ran
// out, or a newer Ping from the same device replaced it).
using Completion = std::function<void(std::vector<std::string> changed_folders)>;
// Asked, off the hub's lock, whether the folders that moved (Notify) hold
// changes the device has not been given: it calls `answer` once, now or
// later (from another thread), with those that do. An empty answer keeps
// the request parked; folders that move meanwhile are asked about next.
using Answer = std::function<void(std::vector<std::string> with_changes)>;
using Check = std::function<void(std::vector<std::string> moved, Answer answer)>;

class PushHub {
 public:
  PushHub();
  ~PushHub();
  PushHub(const PushHub&) = delete;
  PushHub& operator=(const PushHub&) = delete;

  // Parks a Ping of `device_key` (account/device) watching `folders` of
  // `account_key`. A Ping already parked for the device ends first, without
  // changes. `done` runs exactly once, on a hub thread or inside Notify (or
  // inside the answer of `check`). With a `check`, a Notify ends the
  // request only for folders the check confirms.
  void Park(const std::string& account_key, const std::string& device_key,
            const std::vector<std::string>& folders, std::chrono::seconds heartbeat,
            Completion done, Check check = nullptr);

  // A change in a folder: every Ping watching it ends with that folder.
  void Notify(const std::string& account_key, const std::string& folder_id);

  // Ends the device's parked Ping with these folders (a change found right
  // after parking, which Notify may have missed).
  void Wake(const std::string& device_key, std::vector<std::string> folders);

  // Forgets every parked Ping without answering it: for shutdown, after the
  // network front stopped (answers could no longer be written).
  void Abandon();

  size_t parked() const;

 private:
  struct Waiter {
    uint64_t id;
    std::string account_key;
    std::string device_key;
    std::set<std::string> folders;
    std::chrono::steady_clock::time_point deadline;
    Completion done;
    Check check;
    // Folders that moved and are not asked about yet; whether a check runs.
    std::set<std::string> moved;
    bool checking = false;
  };
  // Starts a check of `w`'s moved folders if none runs (under the lock);
  // returns what to call once the lock is released (or nothing).
  std::function<void()> StartCheck(const std::shared_ptr<Waiter>& w);
  void Answered(uint64_t id, std::vector<std::string> with_changes);
  void TimerLoop();
  // Removes a waiter from every index; returns it (null if already gone).
  std::shared_ptr<Waiter> Take(uint64_t id);

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  uint64_t next_id_ = 1;
  absl::flat_hash_map<uint64_t, std::shared_ptr<Waiter>> waiters_;
  absl::flat_hash_map<std::string, uint64_t> by_device_;
  // account -> folder -> waiters watching it
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, std::set<uint64_t>>> by_folder_;
  std::multimap<std::chrono::steady_clock::time_point, uint64_t> deadlines_;
  std::thread timer_;
};

}  // namespace eas::push

#endif  // EAS_REFERENCE_PUSH_PUSH_HUB_H_
