#include "reference/commands/sync_engine.h"

namespace eas::commands {

bool SyncEngine::AgingDue(const std::string& collection_key, int64_t now) {
  absl::MutexLock lock(&mutex_);
  auto it = last_aging_.find(collection_key);
  if (it != last_aging_.end() && now - it->second < aging_interval_) return false;
  if (it == last_aging_.end() && last_aging_.size() >= max_remembered_) {
    // Entries past the interval say nothing any more: forgetting them only
    // makes their next Sync search once, as it would anyway.
    absl::erase_if(last_aging_, [&](const auto& entry) { return now - entry.second >= aging_interval_; });
    // Still full of recent ones (more collections than the bound within an
    // hour): start over; each searches once more.
    if (last_aging_.size() >= max_remembered_) last_aging_.clear();
  }
  last_aging_[collection_key] = now;
  return true;
}

size_t SyncEngine::remembered() const {
  absl::MutexLock lock(&mutex_);
  return last_aging_.size();
}

}  // namespace eas::commands
