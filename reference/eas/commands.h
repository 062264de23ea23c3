// EAS commands: their names in the plain query (Cmd=) and their codes in the
// base64 query (MS-ASHTTP 2.2.1.1.1.1.2).
#ifndef EAS_REFERENCE_EAS_COMMANDS_H_
#define EAS_REFERENCE_EAS_COMMANDS_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace eas {

enum class Command {
  kSync,
  kSendMail,
  kSmartForward,
  kSmartReply,
  kGetAttachment,
  kGetHierarchy,
  kCreateCollection,
  kDeleteCollection,
  kMoveCollection,
  kFolderSync,
  kFolderCreate,
  kFolderDelete,
  kFolderUpdate,
  kMoveItems,
  kGetItemEstimate,
  kMeetingResponse,
  kSearch,
  kSettings,
  kPing,
  kItemOperations,
  kProvision,
  kResolveRecipients,
  kValidateCert,
  kFind,
};

std::optional<Command> CommandFromName(absl::string_view name);
std::optional<Command> CommandFromCode(int code);
absl::string_view CommandName(Command command);

}  // namespace eas

#endif  // EAS_REFERENCE_EAS_COMMANDS_H_
