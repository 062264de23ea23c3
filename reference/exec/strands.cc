#include "reference/exec/strands.h"

#include <utility>

namespace eas::exec {

Strands::Strands(WorkerPool& pool, size_t max_per_key) : pool_(pool), max_per_key_(max_per_key + 1) {}

Strands::~Strands() {
  absl::MutexLock lock(&mutex_);
  mutex_.Await(absl::Condition(
      +[](Strands* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->mutex_) { return s->strands_.empty(); }, this));
}

void Strands::Close() {
  absl::MutexLock lock(&mutex_);
  closed_ = true;
}

bool Strands::Post(const std::string& key, Task task) {
  absl::MutexLock lock(&mutex_);
  if (closed_) return false;
  Strand& strand = strands_[key];
  if (strand.queue.size() >= max_per_key_) return false;
  strand.queue.push_back(std::move(task));
  if (strand.queue.size() > 1) return true;  // the running task hands over to it
  // Posted under the lock (the pool never calls back into strands while it
  // holds its own), so no other Post can queue behind a task the pool refused.
  if (pool_.Post([this, key] { RunNext(key); })) return true;
  strands_.erase(key);
  return false;
}

void Strands::RunNext(const std::string& key) {
  for (;;) {
    Task task;
    {
      absl::MutexLock lock(&mutex_);
      task = std::move(strands_[key].queue.front());
    }
    task();
    task = nullptr;  // what it holds goes before the next task runs
    absl::MutexLock lock(&mutex_);
    auto it = strands_.find(key);
    it->second.queue.pop_front();
    if (it->second.queue.empty()) {
      strands_.erase(it);
      return;
    }
    // The next task goes to the back of the pool's queue, so that a busy
    // device does not keep a worker from the others; when the pool is full
    // or stopping it runs here rather than being lost.
    if (pool_.Post([this, key] { RunNext(key); })) return;
  }
}

size_t Strands::active() const {
  absl::MutexLock lock(&mutex_);
  return strands_.size();
}

}  // namespace eas::exec
