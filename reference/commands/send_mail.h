// SendMail, SmartReply, SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.20, 2.2.1.19).
// Up to 12.1 the body is the raw MIME (Content-Type message/rfc822) and the
// query carries SaveInSent, ItemId, CollectionId and LongId; the answer is
// an empty 200, or HTTP 500 when the message could not be sent. From 14.0 the
// body is ComposeMail WBXML and a failure is a Status in the answer.
// SmartReply/SmartForward add the original (unless ReplaceMime); forwards
// carry its attachments. A resend (same ClientId, or below 14.0 the same
// Message-ID) is not delivered twice.
#ifndef EAS_REFERENCE_COMMANDS_SEND_MAIL_H_
#define EAS_REFERENCE_COMMANDS_SEND_MAIL_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult SendMail(CommandContext& ctx);
CommandResult SmartReply(CommandContext& ctx);
CommandResult SmartForward(CommandContext& ctx);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_SEND_MAIL_H_
