// Sync (MS-ASCMD 2.2.1.21): per collection, the device's changes to the
// server (Add, Change, Delete, Fetch) and the server's changes to the
// device, windowed, with sync keys that make a resent request safe.
//
// From 12.1 an empty Sync repeats the device's last full request and a
// Partial one adds to it (MS-ASCMD 3.1.5.3); with nothing cached: Status 13.
//
// Deleted mail moves to Deleted Items (DeletesAsMoves; absent counts as yes).
// Device quirks come from reference/devices/quirks.txt.
//
// FilterType windows for mail and calendar and "incomplete tasks" (items
// that age out while nothing changes stay on the device until they change).
//
// Conflicts follow the Conflict option (server wins by default: Status 7).
//
// With Wait or HeartbeatInterval a Sync that finds nothing waits, like a
// Ping, for a change in its collections (empty body when the time is up).
//
// Not yet: several Options blocks.
#ifndef EAS_REFERENCE_COMMANDS_SYNC_H_
#define EAS_REFERENCE_COMMANDS_SYNC_H_

#include "reference/commands/command.h"

namespace eas::commands {

inline constexpr int kDefaultWindowSize = 100;
inline constexpr int kMaxWindowSize = 512;

CommandResult Sync(CommandContext& ctx);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_SYNC_H_
