#include "reference/commands/get_item_estimate.h"
#include "reference/commands/request_limits.h"

#include "absl/strings/str_cat.h"
#include "reference/commands/pending_changes.h"
#include "reference/devices/device_quirks.h"
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

using namespace eas::status::get_item_estimate;  // NOLINT: the status names

}  // namespace

absl::StatusOr<PendingCount> CountPending(CommandContext& ctx, const std::string& collection_id,
                                          const std::string& sync_key) {
  // The cheap answer first: the folder has not moved since the snapshot.
  auto unchanged = UnchangedSince(ctx, collection_id, sync_key);
  if (!unchanged.ok()) return unchanged.status();
  if (!unchanged->has_value()) return PendingCount{0, false};
  if (**unchanged) return PendingCount{0, true};
  auto snapshot = ctx.state->CollectionSnapshot(ctx.device, collection_id, sync_key);
  if (!snapshot.ok()) return snapshot.status();
  if (!snapshot->has_value()) return PendingCount{0, false};
  auto changes = ctx.backend->ChangesSince(ctx.account, collection_id, (*snapshot)->counter);
  if (!changes.ok()) return changes.status();
  return PendingCount{static_cast<int>(PendingChanges(std::move(*changes), **snapshot).size()), true};
}

CommandResult GetItemEstimate(CommandContext& ctx) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "GetItemEstimate", "GetItemEstimate:");
  pugi::xml_node request = ctx.request->child("GetItemEstimate");
  pugi::xml_node collections = request.child("Collections");
  if (!collections || !collections.child("Collection")) {
    AddText(root.append_child("Response"), "Status", absl::StrCat(kInvalidCollection));
    return result;
  }
  if (limits::CountChildren(collections, {"Collection"}, limits::kGetItemEstimateCollections) >
      limits::kGetItemEstimateCollections) {
    AddText(root, "Status", absl::StrCat(status::common::kInvalidXml));  // MS-ASCMD 3.1.5.10
    return result;
  }
  auto folders = ctx.backend->ListFolders(ctx.account);
  for (pugi::xml_node c : collections.children("Collection")) {
    pugi::xml_node response = root.append_child("Response");
    const std::string id = c.child("CollectionId").text().get();
    // 12.0+: airsync:SyncKey in the collection; 2.5 kept it elsewhere and
    // sends only the class and filter (MS-ASCMD 2.2.3.166.2).
    std::string key = c.child("airsync:SyncKey").text().get();
    bool known_folder = false;
    if (folders.ok()) {
      for (const auto& f : *folders) known_folder |= f.server_id == id;
    }
    if (!known_folder) {
      AddText(response, "Status", absl::StrCat(kInvalidCollection));
      continue;
    }
    if (key.empty() && ctx.version == ProtocolVersion::k2_5) {
      // 2.5: the estimate is against what the device last synced.
      auto latest = ctx.state->LatestCollectionKey(ctx.device, id);
      key = latest.ok() ? *latest : "";
      if (key.empty()) key = "0";
    }
    if (key == "0") {
      AddText(response, "Status", absl::StrCat(kNotPrimed));
      continue;
    }
    auto count = CountPending(ctx, id, key);
    if (count.ok() && !count->known_key && ctx.Quirk(devices::kEstimateInsteadOfInvalidKey)) {
      count = PendingCount{1, true};  // the next Sync repairs the key
    }
    if (!count.ok() || !count->known_key) {
      AddText(response, "Status", absl::StrCat(count.ok() ? kInvalidSyncKey : kNotPrimed));
      continue;
    }
    AddText(response, "Status", absl::StrCat(kSuccess));
    pugi::xml_node collection = response.append_child("Collection");
    AddText(collection, "CollectionId", id);
    AddText(collection, "Estimate", absl::StrCat(count->count));
  }
  return result;
}

}  // namespace eas::commands
