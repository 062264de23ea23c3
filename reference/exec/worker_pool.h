// A fixed set of worker threads taking tasks from one bounded queue. Request
// handlers run here, never on the network threads (docs/architecture.md,
// "Execution model"): they block on SQLite, password hashes, SMTP and OX.
#ifndef EAS_REFERENCE_EXEC_WORKER_POOL_H_
#define EAS_REFERENCE_EXEC_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace eas::exec {

using Task = std::function<void()>;

class WorkerPool {
 public:
  // `threads` workers (at least 1); at most `max_queued` tasks wait.
  WorkerPool(int threads, size_t max_queued);
  // Runs what is queued, then joins the workers.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task`; false (and the task dropped) when the queue is full or
  // the pool is stopping.
  bool Post(Task task);

  size_t queued() const;
  int threads() const { return static_cast<int>(threads_.size()); }

 private:
  void Work();

  const size_t max_queued_;
  mutable absl::Mutex mutex_;
  std::deque<Task> queue_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace eas::exec

#endif  // EAS_REFERENCE_EXEC_WORKER_POOL_H_
