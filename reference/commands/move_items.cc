#include "reference/commands/move_items.h"
#include "reference/commands/request_limits.h"

#include "absl/strings/str_cat.h"
#include "reference/eas/status_codes.h"
#include "reference/log/log.h"

namespace eas::commands {
namespace {

namespace st = eas::status::move_items;

bool FolderExists(CommandContext& ctx, const std::string& id, bool& failed) {
  auto counter = ctx.backend->FolderChangeCounter(ctx.account, id);
  failed = !counter.ok() && counter.status().code() != absl::StatusCode::kNotFound;
  return counter.ok();
}

}  // namespace

absl::StatusOr<std::string> MoveForDevice(CommandContext& ctx, const std::string& server_id,
                                          const std::string& destination) {
  bool failed = false;
  if (!FolderExists(ctx, destination, failed)) {
    if (failed) return absl::UnavailableError("the store failed");
    return absl::FailedPreconditionError("no folder " + destination);
  }
  auto item = ctx.backend->GetItem(ctx.account, server_id);
  if (!item.ok()) return item.status();
  auto moved = ctx.backend->MoveItem(ctx.account, server_id, destination);
  if (!moved.ok()) return moved.status();
  auto now = ctx.backend->GetItem(ctx.account, *moved);
  const int64_t mod_seq = now.ok() ? now->mod_seq : 0;
  // Best effort: if this fails the device gets a delete and an add later,
  // which is correct, only wasteful.
  log::IfError(ctx.state->EditLatestCollection(ctx.device, item->folder_id,
                                               [&](state::CollectionState& s) { s.items.erase(server_id); }),
               "MoveItems: telling the source collection's snapshot");
  log::IfError(ctx.state->EditLatestCollection(ctx.device, destination,
                                               [&](state::CollectionState& s) { s.items[*moved] = mod_seq; }),
               "MoveItems: telling the destination collection's snapshot");
  return moved;
}

CommandResult MoveItems(CommandContext& ctx) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "MoveItems", "Move:");
  pugi::xml_node moves = ctx.request->child("MoveItems");
  if (limits::CountChildren(moves, {"Move"}, limits::kMoveItemsMoves) > limits::kMoveItemsMoves) {
    AddText(root, "Status", absl::StrCat(status::common::kInvalidXml));  // MS-ASCMD 3.1.5.10
    return result;
  }
  for (pugi::xml_node move : moves.children("Move")) {
    const std::string item = move.child("SrcMsgId").text().get();
    const std::string source = move.child("SrcFldId").text().get();
    const std::string destination = move.child("DstFldId").text().get();
    pugi::xml_node response = root.append_child("Response");
    AddText(response, "SrcMsgId", item);
    int status = st::kSuccess;
    std::string moved;
    if (source == destination) {
      status = st::kSameSourceAndDestination;
    } else {
      auto held = ctx.backend->GetItem(ctx.account, item);
      if (!held.ok()) {
        status = held.status().code() == absl::StatusCode::kNotFound ? st::kInvalidSourceId : st::kCannotMove;
      } else if (held->folder_id != source) {
        status = st::kInvalidSourceId;
      } else {
        auto done = MoveForDevice(ctx, item, destination);
        if (done.ok()) {
          moved = *done;
        } else if (done.status().code() == absl::StatusCode::kFailedPrecondition) {
          status = st::kInvalidDestinationId;
        } else if (done.status().code() == absl::StatusCode::kNotFound) {
          status = st::kInvalidSourceId;
        } else {
          status = st::kCannotMove;
        }
      }
    }
    AddText(response, "Status", absl::StrCat(status));
    if (!moved.empty()) AddText(response, "DstMsgId", moved);
  }
  return result;
}

}  // namespace eas::commands
