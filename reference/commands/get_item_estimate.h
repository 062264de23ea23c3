// GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes a Sync would bring,
// per collection, in the 2.5 form (FilterType/Class/CollectionId, key in the
// AirSync page) and the 12.0+ form (airsync:SyncKey and Options).
#ifndef EAS_REFERENCE_COMMANDS_GET_ITEM_ESTIMATE_H_
#define EAS_REFERENCE_COMMANDS_GET_ITEM_ESTIMATE_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult GetItemEstimate(CommandContext& ctx);

// The number of server changes a device at `sync_key` has not received yet
// (adds, changes, deletes), or a Sync status when the key is unusable.
struct PendingCount {
  int count = 0;
  bool known_key = true;
};
absl::StatusOr<PendingCount> CountPending(CommandContext& ctx, const std::string& collection_id,
                                          const std::string& sync_key);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_GET_ITEM_ESTIMATE_H_
