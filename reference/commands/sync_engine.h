// What the Sync handler remembers between requests in this process that is
// not sync state (that lives in state.db): owned by main, or by a
// Dispatcher made without one, and shared by every worker. One device's
// Syncs need no lock here: they run on that device's strand
// (reference/exec/strands.h).
#ifndef EAS_REFERENCE_COMMANDS_SYNC_ENGINE_H_
#define EAS_REFERENCE_COMMANDS_SYNC_ENGINE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace eas::commands {

class SyncEngine {
 public:
  // Items age out of a FilterType window as days pass, so a collection is
  // searched for them at most once per `aging_interval` seconds.
  explicit SyncEngine(int64_t aging_interval = 3600, size_t max_remembered = 100000)
      : aging_interval_(aging_interval), max_remembered_(max_remembered) {}

  // Whether `collection_key` (account, device, collection) is due for that
  // search at `now` (Unix seconds); a yes counts as the search done.
  bool AgingDue(const std::string& collection_key, int64_t now);

  size_t remembered() const;

 private:
  const int64_t aging_interval_;
  const size_t max_remembered_;
  mutable absl::Mutex mutex_;
  // collection key -> when it was last searched
  absl::flat_hash_map<std::string, int64_t> last_aging_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_SYNC_ENGINE_H_
