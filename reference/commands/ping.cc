#include "reference/commands/ping.h"

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/commands/get_item_estimate.h"
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

using namespace eas::status::ping;  // NOLINT: the status names

CommandResult Answer(int status, const std::vector<std::string>& folders = {},
                     const char* extra_name = nullptr, int extra_value = 0) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "Ping", "Ping:");
  AddText(root, "Status", absl::StrCat(status));
  if (!folders.empty()) {
    pugi::xml_node list = root.append_child("Folders");
    for (const auto& f : folders) AddText(list, "Folder", f);
  }
  if (extra_name != nullptr) AddText(root, extra_name, absl::StrCat(extra_value));
  return result;
}

// Folders the device has synced and that hold changes it has not received.
std::vector<std::string> FoldersWithChanges(CommandContext& ctx,
                                            const std::vector<std::string>& folders) {
  std::vector<std::string> changed;
  for (const auto& f : folders) {
    auto key = ctx.state->LatestCollectionKey(ctx.device, f);
    if (!key.ok() || key->empty()) continue;
    auto pending = CountPending(ctx, f, *key);
    if (pending.ok() && pending->known_key && pending->count > 0) changed.push_back(f);
  }
  return changed;
}

// Of the folders a change notice named, those the device lacks something
// in: a folder it has not synced yet, or whose state it cannot be told
// against (an unknown key), counts as changed, as before the check.
std::vector<std::string> ConfirmedChanges(CommandContext& ctx, const std::vector<std::string>& moved) {
  std::vector<std::string> changed;
  for (const auto& f : moved) {
    auto key = ctx.state->LatestCollectionKey(ctx.device, f);
    if (!key.ok() || key->empty()) {
      changed.push_back(f);
      continue;
    }
    auto pending = CountPending(ctx, f, *key);
    if (!pending.ok() || !pending->known_key || pending->count > 0) changed.push_back(f);
  }
  return changed;
}

}  // namespace

CommandResult Ping(CommandContext& ctx) {
  int heartbeat = 0;
  std::vector<std::string> folders;
  pugi::xml_node request = ctx.request->child("Ping");
  if (!ctx.request->first_child()) {
    auto stored = ctx.state->PingParameters(ctx.device);
    if (Failed(stored.status(), ctx, "Ping: reading the last parameters")) return Answer(kServerError);
    if (!stored->has_value()) return Answer(kMissingParameters);
    heartbeat = (*stored)->first;
    folders = (*stored)->second;
  } else {
    if (!request) return Answer(kSyntaxError);
    auto stored = ctx.state->PingParameters(ctx.device);
    // Either part may be left out and is then taken from the last Ping.
    if (pugi::xml_node hb = request.child("HeartbeatInterval")) {
      if (!absl::SimpleAtoi(hb.text().get(), &heartbeat)) return Answer(kSyntaxError);
    } else if (stored.ok() && stored->has_value()) {
      heartbeat = (*stored)->first;
    }
    if (pugi::xml_node list = request.child("Folders")) {
      for (pugi::xml_node f : list.children("Folder")) folders.emplace_back(f.child("Id").text().get());
    } else if (stored.ok() && stored->has_value()) {
      folders = (*stored)->second;
    }
    if (heartbeat == 0 || folders.empty()) return Answer(kMissingParameters);
  }
  if (heartbeat < ctx.ping.min_heartbeat) {
    return Answer(kInvalidHeartbeat, {}, "HeartbeatInterval", ctx.ping.min_heartbeat);
  }
  if (heartbeat > ctx.ping.max_heartbeat) {
    return Answer(kInvalidHeartbeat, {}, "HeartbeatInterval", ctx.ping.max_heartbeat);
  }
  if (static_cast<int>(folders.size()) > ctx.ping.max_folders) {
    return Answer(kTooManyFolders, {}, "MaxFolders", ctx.ping.max_folders);
  }
  auto known = ctx.backend->ListFolders(ctx.account);
  if (Failed(known.status(), ctx, "Ping: listing the folders")) return Answer(kServerError);
  for (const auto& f : folders) {
    bool found = false;
    for (const auto& k : *known) found |= k.server_id == f;
    if (!found) return Answer(kHierarchySyncRequired);
  }
  if (Failed(ctx.state->SavePingParameters(ctx.device, heartbeat, folders), ctx, "Ping: saving the parameters")) {
    return Answer(kServerError);
  }

  // Park first, then look: a change that lands in between still ends it.
  // The hub holds the only lasting reference until the Ping ends.
  CommandResult result;
  auto later = std::make_shared<Later<CommandResult>>();
  result.later = later;
  const std::string device_key = absl::StrCat(ctx.account.key(), "/", ctx.device.device_id);
  // A folder that moved may hold only what this device did itself or has
  // already received (another process's write, the device's own Sync on
  // another connection): the Ping ends only for changes the device has not
  // been given, checked on its strand (no store reads inside whoever made
  // the change).
  // Only what the check reads is kept (a parked Ping costs memory; the
  // request is gone by then).
  auto watching = std::make_shared<CommandContext>();
  watching->version = ctx.version;
  watching->account = ctx.account;
  watching->device = ctx.device;
  watching->backend = ctx.backend;
  watching->backend_owner = ctx.backend_owner;
  watching->state = ctx.state;
  watching->on_device_strand = ctx.on_device_strand;
  push::Check check = [watching](std::vector<std::string> moved, push::Answer answer) {
    auto look = [watching, moved, answer] { answer(ConfirmedChanges(*watching, moved)); };
    if (!watching->on_device_strand || !watching->on_device_strand(look)) answer(moved);
  };
  ctx.hub->Park(ctx.account.key(), device_key, folders, std::chrono::seconds(heartbeat),
                [later](std::vector<std::string> changed) {
                  later->Complete(changed.empty() ? Answer(kExpired) : Answer(kChanges, changed));
                },
                std::move(check));
  std::vector<std::string> changed = FoldersWithChanges(ctx, folders);
  if (!changed.empty()) ctx.hub->Wake(device_key, std::move(changed));
  return result;
}

}  // namespace eas::commands
