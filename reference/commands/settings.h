// Settings (MS-ASCMD 2.2.1.18): DeviceInformation Set and UserInformation
// Get (iOS and Nokia send Settings before Provision), DevicePassword Set,
// Oof Get and Set. RightsManagementInformation gets the protocol-error
// status for that part only (no rights management here).
#ifndef EAS_REFERENCE_COMMANDS_SETTINGS_H_
#define EAS_REFERENCE_COMMANDS_SETTINGS_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult Settings(CommandContext& ctx);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_SETTINGS_H_
