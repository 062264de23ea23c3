#include "reference/commands/folder_sync.h"

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

namespace st = eas::status::folder_sync;

CommandResult StatusOnly(int status) {
  return StatusResponse("FolderSync", "FolderHierarchy:", status);
}

void AppendFolder(pugi::xml_node parent, const char* op, const backend::Folder& f) {
  pugi::xml_node node = parent.append_child(op);
  AddText(node, "ServerId", f.server_id);
  AddText(node, "ParentId", f.parent_id);
  AddText(node, "DisplayName", f.display_name);
  AddText(node, "Type", absl::StrCat(f.type));
}

}  // namespace

HierarchyChanges DiffHierarchy(const std::vector<backend::Folder>& before,
                               const std::vector<backend::Folder>& after) {
  HierarchyChanges changes;
  absl::flat_hash_map<std::string, const backend::Folder*> old_by_id;
  for (const auto& f : before) old_by_id[f.server_id] = &f;
  absl::flat_hash_set<std::string> still_there;
  for (const auto& f : after) {
    still_there.insert(f.server_id);
    auto it = old_by_id.find(f.server_id);
    if (it == old_by_id.end()) {
      changes.added.push_back(f);
    } else if (!(*it->second == f)) {
      changes.updated.push_back(f);
    }
  }
  absl::flat_hash_set<std::string> gone;
  for (const auto& f : before) {
    if (!still_there.contains(f.server_id)) gone.insert(f.server_id);
  }
  for (const auto& f : before) {
    if (gone.contains(f.server_id) && !gone.contains(f.parent_id)) {
      changes.deleted.push_back(f.server_id);
    }
  }
  return changes;
}

CommandResult FolderSync(CommandContext& ctx) {
  pugi::xml_node request = ctx.request->child("FolderSync");
  pugi::xml_node key_node = request.child("SyncKey");
  if (!request || !key_node) return StatusOnly(st::kIncorrectlyFormattedRequest);
  const std::string key = key_node.text().get();

  std::vector<backend::Folder> held;  // what the device has under `key`
  if (key == "0") {
    // The device starts over (MS-ASCMD 2.2.3.166.4).
    if (Failed(ctx.state->ResetHierarchy(ctx.device), ctx, "FolderSync 0: resetting the hierarchy")) {
      return StatusOnly(st::kServerError);
    }
  } else {
    int64_t number = 0;
    auto snapshot = ctx.state->HierarchySnapshot(ctx.device, key);
    if (Failed(snapshot.status(), ctx, "FolderSync: reading the hierarchy snapshot")) {
      return StatusOnly(st::kServerError);
    }
    if (!snapshot->has_value() || !absl::SimpleAtoi(key, &number)) {
      return StatusOnly(st::kInvalidSyncKey);
    }
    held = std::move(**snapshot);
  }
  auto current = ctx.backend->ListFolders(ctx.account);
  if (Failed(current.status(), ctx, "FolderSync: listing the folders")) return StatusOnly(st::kServerError);

  const HierarchyChanges changes = DiffHierarchy(held, *current);
  std::string new_key = key;
  if (key == "0" || !changes.empty()) {
    int64_t number = 0;
    absl::SimpleAtoi(key, &number);
    // Normally key + 1; after a lost response (the device resent its previous
    // key) that is the key it never saw, now standing for today's folders.
    new_key = absl::StrCat(number + 1);
    // The state advances before the answer leaves; the previous key stays
    // valid so that the answer can be asked for again.
    if (Failed(ctx.state->SaveHierarchySnapshot(ctx.device, new_key, *current, key), ctx,
               "FolderSync: saving the hierarchy snapshot")) {
      return StatusOnly(st::kServerError);
    }
  }

  CommandResult result;
  pugi::xml_node root = StartResponse(result, "FolderSync", "FolderHierarchy:");
  AddText(root, "Status", absl::StrCat(st::kSuccess));
  AddText(root, "SyncKey", new_key);
  pugi::xml_node list = root.append_child("Changes");
  AddText(list, "Count",
          absl::StrCat(changes.added.size() + changes.updated.size() + changes.deleted.size()));
  for (const auto& f : changes.updated) AppendFolder(list, "Update", f);
  for (const auto& id : changes.deleted) AddText(list.append_child("Delete"), "ServerId", id);
  for (const auto& f : changes.added) AppendFolder(list, "Add", f);
  return result;
}

}  // namespace eas::commands
