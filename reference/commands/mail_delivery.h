// Delivery of a message a phone sends: to local recipients' Inboxes in the
// store, to the outbound relay for the rest, and a copy in Sent Items when
// asked. Every recipient is checked before anything is delivered.
#ifndef EAS_REFERENCE_COMMANDS_MAIL_DELIVERY_H_
#define EAS_REFERENCE_COMMANDS_MAIL_DELIVERY_H_

#include <string>

#include "reference/commands/command.h"

namespace eas::commands {

// The first folder of `type` the account has ("" if none).
std::string FolderOfType(CommandContext& ctx, const backend::Account& account, int type);

// Returns 0 when delivered, else the common status that says why (MS-ASCMD
// 2.2.2 Common Status Codes: 119 no recipient, 120 submission failed, 107
// invalid MIME, 110 server error).
int DeliverMail(CommandContext& ctx, const std::string& mime, bool save_in_sent);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_MAIL_DELIVERY_H_
