// Ping (MS-ASCMD 2.2.1.13): Direct Push. The request names folders and a
// heartbeat; the answer comes when one of them changes (Status 2) or the
// heartbeat runs out (Status 1). A Ping with an empty body repeats the
// device's last parameters.
#ifndef EAS_REFERENCE_COMMANDS_PING_H_
#define EAS_REFERENCE_COMMANDS_PING_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult Ping(CommandContext& ctx);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_PING_H_
