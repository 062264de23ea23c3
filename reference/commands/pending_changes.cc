#include "reference/commands/pending_changes.h"

namespace eas::commands {

std::vector<PendingChange> PendingChanges(std::vector<backend::ItemChange> changes,
                                          const state::CollectionState& held) {
  std::vector<PendingChange> pending;
  for (auto& c : changes) {
    auto it = held.items.find(c.server_id);
    if (c.deleted) {
      if (it != held.items.end()) pending.push_back({PendingChange::kDelete, std::move(c)});
    } else if (it == held.items.end()) {
      pending.push_back({PendingChange::kAdd, std::move(c)});
    } else if (it->second != c.mod_seq) {
      pending.push_back({PendingChange::kChange, std::move(c)});
    }
  }
  return pending;
}

absl::StatusOr<std::optional<bool>> UnchangedSince(CommandContext& ctx,
                                                   const std::string& collection_id,
                                                   const std::string& sync_key) {
  auto counter = ctx.state->CollectionSnapshotCounter(ctx.device, collection_id, sync_key);
  if (!counter.ok()) return counter.status();
  if (!counter->has_value()) return std::optional<bool>();
  auto now = ctx.backend->FolderChangeCounter(ctx.account, collection_id);
  if (!now.ok()) return now.status();
  return std::optional<bool>(*now == **counter);
}

}  // namespace eas::commands
