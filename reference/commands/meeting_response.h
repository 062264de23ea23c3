// MeetingResponse (MS-ASCMD 2.2.1.11): accept, tentatively accept or decline
// a meeting, from the invitation in a mail folder or from the calendar item
// itself (iOS). The calendar is updated (a declined meeting leaves it), the
// invitation goes to Deleted Items, and the organizer gets an iTIP REPLY
// (from 16.0 only when the request has SendResponse).
#ifndef EAS_REFERENCE_COMMANDS_MEETING_RESPONSE_H_
#define EAS_REFERENCE_COMMANDS_MEETING_RESPONSE_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult MeetingResponse(CommandContext& ctx);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_MEETING_RESPONSE_H_
