// Search (MS-ASCMD 2.2.1.16): the global address list (Store GAL; Range,
// Total, and Picture from 14.1) and, from 12.0, the mailbox (Store Mailbox:
// FreeText, CollectionId with DeepTraversal, DateReceived bounds).
#ifndef EAS_REFERENCE_COMMANDS_SEARCH_H_
#define EAS_REFERENCE_COMMANDS_SEARCH_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult Search(CommandContext& ctx);

// A GAL entry's properties (gal: page) into `properties`, as Search and
// Find give them; `pictures`: a NoPicture status for each (none are kept).
void AppendGalProperties(pugi::xml_node properties, const backend::GalEntry& entry, bool pictures);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_SEARCH_H_
