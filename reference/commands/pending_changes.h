// What a device at one Sync key has not received yet: the store's changes
// since the key's counter, compared with the items the key says the device
// holds. Shared by Sync (which sends them), GetItemEstimate (which counts
// them) and Ping (which asks whether there are any).
#ifndef EAS_REFERENCE_COMMANDS_PENDING_CHANGES_H_
#define EAS_REFERENCE_COMMANDS_PENDING_CHANGES_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "reference/backend/backend.h"
#include "reference/commands/command.h"
#include "reference/state/device_state.h"

namespace eas::commands {

struct PendingChange {
  // kSoftDelete: still in the store, but outside the device's filter.
  enum Kind { kAdd, kChange, kDelete, kSoftDelete } kind;
  backend::ItemChange item;
};

// `changes` (oldest first) against what `held` says the device has.
std::vector<PendingChange> PendingChanges(std::vector<backend::ItemChange> changes,
                                          const state::CollectionState& held);

// True if the folder has not changed since the snapshot of `sync_key` was
// taken (no need to read the snapshot); nullopt if the key is unknown.
absl::StatusOr<std::optional<bool>> UnchangedSince(CommandContext& ctx,
                                                   const std::string& collection_id,
                                                   const std::string& sync_key);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_PENDING_CHANGES_H_
