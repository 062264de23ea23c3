// Provision (MS-ASPROV): the two-phase download and acknowledgement of the
// security policy, for 2.5 (MS-WAP-Provisioning-XML) and 12.0 and later
// (MS-EAS-Provisioning-WBXML); remote wipe and its acknowledgement; device
// information sent inside Provision (14.1+).
#ifndef EAS_REFERENCE_COMMANDS_PROVISION_H_
#define EAS_REFERENCE_COMMANDS_PROVISION_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult Provision(CommandContext& ctx);

// Reads settings:DeviceInformation/settings:Set (Settings and Provision).
state::DeviceInformation ReadDeviceInformation(pugi::xml_node set);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_PROVISION_H_
