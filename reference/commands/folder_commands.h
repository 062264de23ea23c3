// FolderCreate, FolderUpdate, FolderDelete (MS-ASCMD 2.2.1.2-4): folders the
// phone manages. Each takes the device's current FolderSync key and answers
// the next one; the new key's snapshot is the device's view plus just this
// change, so other changes still reach it by FolderSync.
#ifndef EAS_REFERENCE_COMMANDS_FOLDER_COMMANDS_H_
#define EAS_REFERENCE_COMMANDS_FOLDER_COMMANDS_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult FolderCreate(CommandContext& ctx);
CommandResult FolderUpdate(CommandContext& ctx);
CommandResult FolderDelete(CommandContext& ctx);

// The default folders (Inbox ... Contacts, Recipient Information Cache)
// cannot be renamed, moved or deleted (Status 3).
bool IsSpecialFolderType(int type);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_FOLDER_COMMANDS_H_
