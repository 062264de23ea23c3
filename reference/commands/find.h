// Find (MS-ASCMD 2.2.1.2, protocol 16.1): the mailbox (MailBoxSearchCriterion:
// FreeText with from:/to:/cc:/subject:/body: restrictions, Class,
// CollectionId, DeepTraversal) and the global address list
// (GALSearchCriterion, with Picture), paged by Range with Total. A search is
// named by its SearchId; its first request starts at 0 (else Status 4).
#ifndef EAS_REFERENCE_COMMANDS_FIND_H_
#define EAS_REFERENCE_COMMANDS_FIND_H_

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "reference/commands/command.h"

namespace eas::commands {

CommandResult Find(CommandContext& ctx);

// The searches devices have begun (device key and SearchId), the oldest
// forgotten past `capacity`, so a Range that does not start at 0 is taken
// only for a search begun at 0 (MS-ASCMD 2.2.3.143.1).
class FindSearches {
 public:
  explicit FindSearches(size_t capacity = 100000) : capacity_(capacity) {}
  void Begin(const std::string& device_key, const std::string& search_id);
  bool Known(const std::string& device_key, const std::string& search_id) const;

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<std::string> order_ ABSL_GUARDED_BY(mutex_);  // oldest first
  absl::flat_hash_set<std::string> known_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_FIND_H_
