// ItemOperations (MS-ASCMD 2.2.1.10, 12.0+): Fetch of items (by ServerId or
// Search LongId, MIME bodies included) and of attachments (by FileReference,
// with Range), EmptyFolderContents, and Move of a conversation (14.0+). With
// MS-ASAcceptMultiPart the fetched bytes travel as parts of a multipart
// answer instead of base64 in the WBXML (MS-ASCMD 2.2.2.9.1).
// GetAttachment (2.2.1.7, up to 12.1): one attachment as the raw body.
#ifndef EAS_REFERENCE_COMMANDS_ITEM_OPERATIONS_H_
#define EAS_REFERENCE_COMMANDS_ITEM_OPERATIONS_H_

#include <string>
#include <vector>

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult ItemOperations(CommandContext& ctx);
CommandResult GetAttachment(CommandContext& ctx);

// The multipart body: a count, (offset, length) pairs, then the parts, all
// integers 32-bit little-endian (MS-ASCMD 2.2.2.9.1.1).
std::string MultipartBody(const std::vector<std::string>& parts);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_ITEM_OPERATIONS_H_
