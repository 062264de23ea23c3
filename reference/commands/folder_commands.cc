#include "reference/commands/folder_commands.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

namespace st = eas::status::folder;

struct Held {
  std::string key;
  std::vector<backend::Folder> folders;
};

// The snapshot behind the request's SyncKey; Status 9 for a key the device
// was never given (MS-ASCMD 2.2.3.166.1-3).
std::optional<Held> HeldFolders(CommandContext& ctx, pugi::xml_node request, int& status) {
  const std::string key = request.child("SyncKey").text().get();
  int64_t number = 0;
  if (key.empty() || !absl::SimpleAtoi(key, &number) || number <= 0) {
    status = st::kInvalidSyncKey;
    return std::nullopt;
  }
  auto snapshot = ctx.state->HierarchySnapshot(ctx.device, key);
  if (!snapshot.ok()) {
    status = st::kServerError;
    return std::nullopt;
  }
  if (!snapshot->has_value()) {
    status = st::kInvalidSyncKey;
    return std::nullopt;
  }
  return Held{key, std::move(**snapshot)};
}

// Saves the device's new view under the next key and returns that key.
std::optional<std::string> Advance(CommandContext& ctx, const Held& held,
                                   const std::vector<backend::Folder>& now_held) {
  int64_t number = 0;
  absl::SimpleAtoi(held.key, &number);
  const std::string next = absl::StrCat(number + 1);
  if (!ctx.state->SaveHierarchySnapshot(ctx.device, next, now_held, held.key).ok()) return std::nullopt;
  return next;
}

CommandResult Answer(const char* root_name, int status, const std::string& key = "",
                     const std::string& server_id = "") {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, root_name, "FolderHierarchy:");
  AddText(root, "Status", absl::StrCat(status));
  if (!key.empty()) AddText(root, "SyncKey", key);
  if (!server_id.empty()) AddText(root, "ServerId", server_id);
  return result;
}

// The folder's current form in the store (NotFound when it is gone).
std::optional<backend::Folder> CurrentFolder(CommandContext& ctx, const std::string& id, bool& failed) {
  auto folders = ctx.backend->ListFolders(ctx.account);
  failed = !folders.ok();
  if (failed) return std::nullopt;
  for (const auto& f : *folders) {
    if (f.server_id == id) return f;
  }
  return std::nullopt;
}

// What FolderUpdate and FolderDelete check first: a key the device was
// given, and a folder that exists and is no default folder. The answer when
// a check fails.
std::optional<CommandResult> CheckUserFolder(CommandContext& ctx, const char* root, pugi::xml_node request,
                                             const std::string& id, std::optional<Held>& held) {
  int status = 0;
  held = HeldFolders(ctx, request, status);
  if (!held) return Answer(root, status);
  bool failed = false;
  auto folder = CurrentFolder(ctx, id, failed);
  if (failed) return Answer(root, st::kServerError);
  if (!folder) return Answer(root, st::kDoesNotExist);
  if (IsSpecialFolderType(folder->type)) return Answer(root, st::kSpecialFolder);
  return std::nullopt;
}

// Phones create user folders of types 1 and 12 to 17 (MS-ASCMD 2.2.3.186.2).
bool CreatableType(int type) { return type == backend::kUserGeneric || (type >= 12 && type <= 17); }

}  // namespace

bool IsSpecialFolderType(int type) {
  return (type >= backend::kInbox && type <= backend::kJournal) || type == backend::kRecipientCache;
}

CommandResult FolderCreate(CommandContext& ctx) {
  constexpr char kRoot[] = "FolderCreate";
  pugi::xml_node request = ctx.request->child(kRoot);
  const std::string parent = request.child("ParentId").text().get();
  const std::string name = request.child("DisplayName").text().get();
  int type = 0;
  if (!request || parent.empty() || name.empty() ||
      !absl::SimpleAtoi(request.child("Type").text().get(), &type)) {
    return Answer(kRoot, st::kMalformedRequest);
  }
  int status = 0;
  auto held = HeldFolders(ctx, request, status);
  if (!held) return Answer(kRoot, status);
  if (!CreatableType(type)) return Answer(kRoot, st::kSpecialFolder);
  auto created = ctx.backend->CreateFolder(ctx.account, parent, name, type);
  if (!created.ok()) {
    switch (created.status().code()) {
      case absl::StatusCode::kAlreadyExists: return Answer(kRoot, st::kAlreadyExists);
      case absl::StatusCode::kNotFound: return Answer(kRoot, st::kParentNotFound);
      default: return Answer(kRoot, st::kServerError);
    }
  }
  std::vector<backend::Folder> now_held = held->folders;
  now_held.push_back({*created, parent, name, type});
  auto key = Advance(ctx, *held, now_held);
  if (!key) return Answer(kRoot, st::kServerError);
  return Answer(kRoot, st::kSuccess, *key, *created);
}

CommandResult FolderUpdate(CommandContext& ctx) {
  constexpr char kRoot[] = "FolderUpdate";
  pugi::xml_node request = ctx.request->child(kRoot);
  const std::string id = request.child("ServerId").text().get();
  const std::string parent = request.child("ParentId").text().get();
  const std::string name = request.child("DisplayName").text().get();
  if (!request || id.empty() || parent.empty() || name.empty()) return Answer(kRoot, st::kMalformedRequest);
  std::optional<Held> held;
  if (auto refused = CheckUserFolder(ctx, kRoot, request, id, held)) return std::move(*refused);
  absl::Status renamed = ctx.backend->RenameFolder(ctx.account, id, parent, name);
  if (!renamed.ok()) {
    switch (renamed.code()) {
      case absl::StatusCode::kAlreadyExists: return Answer(kRoot, st::kAlreadyExists);
      case absl::StatusCode::kNotFound: return Answer(kRoot, st::kDoesNotExist);
      case absl::StatusCode::kFailedPrecondition: return Answer(kRoot, st::kParentNotFound);
      default: return Answer(kRoot, st::kServerError);
    }
  }
  std::vector<backend::Folder> now_held = held->folders;
  for (auto& f : now_held) {
    if (f.server_id == id) {
      f.parent_id = parent;
      f.display_name = name;
    }
  }
  auto key = Advance(ctx, *held, now_held);
  if (!key) return Answer(kRoot, st::kServerError);
  return Answer(kRoot, st::kSuccess, *key);
}

CommandResult FolderDelete(CommandContext& ctx) {
  constexpr char kRoot[] = "FolderDelete";
  pugi::xml_node request = ctx.request->child(kRoot);
  const std::string id = request.child("ServerId").text().get();
  if (!request || id.empty()) return Answer(kRoot, st::kMalformedRequest);
  std::optional<Held> held;
  if (auto refused = CheckUserFolder(ctx, kRoot, request, id, held)) return std::move(*refused);
  if (!ctx.backend->RemoveFolder(ctx.account, id).ok()) return Answer(kRoot, st::kServerError);
  // The device drops the folder and everything under it.
  std::vector<backend::Folder> now_held;
  std::vector<std::string> gone{id};
  for (const auto& f : held->folders) {
    if (std::find(gone.begin(), gone.end(), f.server_id) != gone.end() ||
        std::find(gone.begin(), gone.end(), f.parent_id) != gone.end()) {
      gone.push_back(f.server_id);  // parents come before children
      continue;
    }
    now_held.push_back(f);
  }
  auto key = Advance(ctx, *held, now_held);
  if (!key) return Answer(kRoot, st::kServerError);
  return Answer(kRoot, st::kSuccess, *key);
}

}  // namespace eas::commands
