#include "reference/eas/commands.h"

namespace eas {
namespace {

struct CommandInfo {
  Command command;
  const char* name;
  int code;  // base64 query command code
};

// MS-ASHTTP 2.2.1.1.1.1.2; codes 5-8 are the 2.5-era hierarchy commands.
constexpr CommandInfo kCommands[] = {
    {Command::kSync, "Sync", 0},
    {Command::kSendMail, "SendMail", 1},
    {Command::kSmartForward, "SmartForward", 2},
    {Command::kSmartReply, "SmartReply", 3},
    {Command::kGetAttachment, "GetAttachment", 4},
    {Command::kGetHierarchy, "GetHierarchy", 5},
    {Command::kCreateCollection, "CreateCollection", 6},
    {Command::kDeleteCollection, "DeleteCollection", 7},
    {Command::kMoveCollection, "MoveCollection", 8},
    {Command::kFolderSync, "FolderSync", 9},
    {Command::kFolderCreate, "FolderCreate", 10},
    {Command::kFolderDelete, "FolderDelete", 11},
    {Command::kFolderUpdate, "FolderUpdate", 12},
    {Command::kMoveItems, "MoveItems", 13},
    {Command::kGetItemEstimate, "GetItemEstimate", 14},
    {Command::kMeetingResponse, "MeetingResponse", 15},
    {Command::kSearch, "Search", 16},
    {Command::kSettings, "Settings", 17},
    {Command::kPing, "Ping", 18},
    {Command::kItemOperations, "ItemOperations", 19},
    {Command::kProvision, "Provision", 20},
    {Command::kResolveRecipients, "ResolveRecipients", 21},
    {Command::kValidateCert, "ValidateCert", 22},
    {Command::kFind, "Find", 23},
};

}  // namespace

std::optional<Command> CommandFromName(absl::string_view name) {
  for (const auto& c : kCommands) {
    if (name == c.name) return c.command;
  }
  return std::nullopt;
}

std::optional<Command> CommandFromCode(int code) {
  for (const auto& c : kCommands) {
    if (code == c.code) return c.command;
  }
  return std::nullopt;
}

absl::string_view CommandName(Command command) {
  for (const auto& c : kCommands) {
    if (command == c.command) return c.name;
  }
  return "";
}

}  // namespace eas
