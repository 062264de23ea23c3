// MoveItems (MS-ASCMD 2.2.1.12): moves items between folders, a status per
// item. The device learns each new id from the answer, so its sync state is
// updated to match (no delete and add for the same move on its next Sync).
#ifndef EAS_REFERENCE_COMMANDS_MOVE_ITEMS_H_
#define EAS_REFERENCE_COMMANDS_MOVE_ITEMS_H_

#include <string>

#include "absl/status/statusor.h"
#include "reference/commands/command.h"

namespace eas::commands {

CommandResult MoveItems(CommandContext& ctx);

// Moves one item for the device and records the move in its sync state.
// NotFound: no such item; FailedPrecondition: no such destination.
absl::StatusOr<std::string> MoveForDevice(CommandContext& ctx, const std::string& server_id,
                                          const std::string& destination);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_MOVE_ITEMS_H_
