// FolderSync (MS-ASCMD 2.2.1.5): the folder hierarchy, in full for SyncKey 0
// and as adds, updates and deletes since the snapshot a key stands for.
#ifndef EAS_REFERENCE_COMMANDS_FOLDER_SYNC_H_
#define EAS_REFERENCE_COMMANDS_FOLDER_SYNC_H_

#include <vector>

#include "reference/backend/backend.h"
#include "reference/commands/command.h"

namespace eas::commands {

CommandResult FolderSync(CommandContext& ctx);

struct HierarchyChanges {
  std::vector<backend::Folder> added;
  std::vector<backend::Folder> updated;
  std::vector<std::string> deleted;
  bool empty() const { return added.empty() && updated.empty() && deleted.empty(); }
};

// What changed from `before` (what the device holds) to `after`: adds in
// `after`'s order (parents first), deletes of folders whose parent is also
// deleted left out (the device removes children with their parent).
HierarchyChanges DiffHierarchy(const std::vector<backend::Folder>& before,
                               const std::vector<backend::Folder>& after);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_FOLDER_SYNC_H_
