// Strands over a WorkerPool: tasks posted under one key (a device) run in
// the order posted and never two at once; tasks of different keys run in
// parallel. A key costs nothing while none of its tasks is queued or
// running. This is what makes "one device's requests one at a time" hold
// without a lock per device (a resent Sync sees what the first one did,
// ../shared/device-notes.md quirk 11).
#ifndef EAS_REFERENCE_EXEC_STRANDS_H_
#define EAS_REFERENCE_EXEC_STRANDS_H_

#include <cstddef>
#include <deque>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "reference/exec/worker_pool.h"

namespace eas::exec {

class Strands {
 public:
  // At most `max_per_key` tasks of one key wait behind the running one.
  Strands(WorkerPool& pool, size_t max_per_key);
  // Waits until no task of any key is queued or running.
  ~Strands();
  Strands(const Strands&) = delete;
  Strands& operator=(const Strands&) = delete;

  // Queues `task` on `key`'s strand; false (the task dropped) when that
  // strand is full or the pool refuses.
  bool Post(const std::string& key, Task task);

  // From now on Post refuses: for shutdown, before the pool goes (a change
  // notification may still try to queue a woken Sync).
  void Close();

  // Keys with a task queued or running.
  size_t active() const;

 private:
  struct Strand {
    std::deque<Task> queue;  // the first one is running
  };
  void RunNext(const std::string& key);

  WorkerPool& pool_;
  const size_t max_per_key_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Strand> strands_ ABSL_GUARDED_BY(mutex_);
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace eas::exec

#endif  // EAS_REFERENCE_EXEC_STRANDS_H_
