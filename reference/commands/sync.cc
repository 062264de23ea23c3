#include "reference/commands/sync.h"
#include "reference/commands/request_limits.h"
#include "reference/commands/mime_for_device.h"
#include "reference/commands/item_validation.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <chrono>
#include <sstream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/commands/application_data.h"
#include "reference/commands/birthdays.h"
#include "reference/commands/filter_type.h"
#include "reference/commands/pending_changes.h"
#include "reference/devices/device_quirks.h"
#include "reference/eas/status_codes.h"
#include "reference/log/log.h"
#include "reference/storage/sqlite.h"

namespace eas::commands {
namespace {

namespace st = eas::status::sync;

// What the device's first Sync of the collection said of ghosting; a
// device that sent no Supported and is known to leave out what it never
// shows keeps everything (quirk ghost-without-supported). A failed read
// keeps everything too: clearing is the step that cannot be undone.
Ghosting GhostingOf(CommandContext& ctx, const std::string& collection_id) {
  auto supported = ctx.state->Supported(ctx.device, collection_id);
  if (Failed(supported.status(), ctx, "Sync: reading Supported")) return Ghosting{};
  if (!supported->has_value()) {
    if (ctx.Quirk(devices::kGhostWithoutSupported)) return Ghosting{};
    return Ghosting{false, {}};
  }
  return Ghosting{true, **supported};
}

std::string ClassOf(int folder_type) {
  switch (folder_type) {
    case backend::kTasks:
    case backend::kUserTasks:
      return "Tasks";
    case backend::kCalendar:
    case backend::kUserCalendar:
      return "Calendar";
    case backend::kContacts:
    case backend::kUserContacts:
      return "Contacts";
    case backend::kNotes:
    case backend::kUserNotes:
      return "Notes";
    default:
      return "Email";
  }
}

// The request's options for one collection.
struct CollectionRequest {
  std::string key;
  std::string id;
  bool get_changes = false;
  // GetChanges empty or 1 with SyncKey 0: Status 4 (MS-ASCMD 2.2.3.84).
  bool get_changes_with_key_0 = false;
  int window = kDefaultWindowSize;
  BodyPreference body;
  pugi::xml_node commands;
  // MS-ASCMD 2.2.3.43: deleted mail goes to Deleted Items. Absent means yes
  // here: keeping the message is the safer reading.
  bool deletes_as_moves = true;
  int filter_type = 0;
  // MS-ASCMD 2.2.3.34 Conflict: 1 (the default) the server wins, 0 the client.
  bool client_wins = false;
  pugi::xml_node supported;  // with SyncKey 0 only
};

// From 14.0 a collection may carry several Options blocks, one per class
// it holds (MS-ASCMD 2.2.3.125): the mail folder's own items and SMS. The
// one without a Class, or for a class other than SMS, applies here (no SMS
// is stored).
pugi::xml_node ItemOptions(pugi::xml_node collection) {
  for (pugi::xml_node o : collection.children("Options")) {
    if (std::string(o.child("Class").text().get()) != "SMS") return o;
  }
  return pugi::xml_node();
}

CollectionRequest ReadCollection(pugi::xml_node c, ProtocolVersion version) {
  CollectionRequest r;
  r.key = c.child("SyncKey").text().get();
  r.id = c.child("CollectionId").text().get();
  pugi::xml_node get_changes = c.child("GetChanges");
  // MS-ASCMD 2.2.3.84: empty or 1 is TRUE; absent is FALSE with SyncKey 0
  // and TRUE with any other key, in every protocol version (a 12.0 client
  // that leaves it out gets the changes GetItemEstimate and Ping announce).
  if (get_changes) {
    r.get_changes = std::string(get_changes.text().get()) != "0";
  } else {
    r.get_changes = r.key != "0";
  }
  if (r.key == "0") {
    r.get_changes_with_key_0 = r.get_changes;
    r.get_changes = false;
  }
  int window = 0;
  if (absl::SimpleAtoi(c.child("WindowSize").text().get(), &window) && window > 0) {
    r.window = std::min(window, kMaxWindowSize);
  }
  const pugi::xml_node options = ItemOptions(c);
  r.body = ReadBodyPreference(options, version);
  r.commands = c.child("Commands");
  r.supported = c.child("Supported");
  absl::SimpleAtoi(options.child("FilterType").text().get(), &r.filter_type);
  r.client_wins = std::string(options.child("Conflict").text().get()) == "0";
  if (pugi::xml_node d = c.child("DeletesAsMoves")) {
    r.deletes_as_moves = std::string(d.text().get()) != "0";
  }
  return r;
}

// The time one pass of a Sync may spend gathering server items, shared by
// its collections (device-notes quirk 4: clients that give up early get
// what is ready, with MoreAvailable, instead of a timeout). At least one
// item always goes, so every answer makes progress.
class SyncBudget {
 public:
  explicit SyncBudget(absl::Duration limit) : end_(absl::Now() + limit) {}
  bool Spent() const { return items_ > 0 && absl::Now() >= end_; }
  void Count() { ++items_; }

 private:
  absl::Time end_;
  int items_ = 0;
};

class CollectionSync {
 public:
  // `trash_id`: where deleted items of this collection go ("" to delete).
  CollectionSync(CommandContext& ctx, const CollectionRequest& req, pugi::xml_node out,
                 pugi::xml_node root, std::string trash_id, SyncBudget& budget)
      : ctx_(ctx), req_(req), out_(out), root_(root), trash_id_(std::move(trash_id)), budget_(budget) {}

  // Fills `out_` (a response <Collection>); returns its status.
  int Run(const std::string& folder_class) {
    if (req_.key == "0") {
      if (req_.get_changes_with_key_0) return Finish(st::kProtocolError);
      return Initial();
    }
    int64_t number = 0;
    aging_ = AgingDue();
    if (!req_.commands && !aging_ && Quiet()) {
      // Nothing from the device, nothing new in the folder: the same key,
      // without reading what the device holds.
      AddText(out_, "SyncKey", req_.key);
      AddText(out_, "CollectionId", req_.id);
      AddText(out_, "Status", absl::StrCat(st::kSuccess));
      return st::kSuccess;
    }
    auto snapshot = ctx_.state->CollectionSnapshot(ctx_.device, req_.id, req_.key);
    if (Failed(snapshot.status(), ctx_, "Sync: reading the collection snapshot")) return Finish(st::kServerError);
    if (!snapshot->has_value() || !absl::SimpleAtoi(req_.key, &number)) {
      return Finish(st::kInvalidSyncKey);
    }
    state_ = **snapshot;
    state_.client_ids.clear();
    next_key_ = absl::StrCat(number + 1);
    // A resent request (lost response): the Adds it repeats were done; the
    // snapshot of the key we gave then remembers their ServerIds.
    auto earlier = ctx_.state->CollectionSnapshot(ctx_.device, req_.id, next_key_);
    if (earlier.ok() && earlier->has_value()) earlier_client_ids_ = (*earlier)->client_ids;

    if (req_.commands && !ClientCommands(folder_class)) return Finish(st::kServerError);
    if (req_.get_changes && !ServerChanges()) return Finish(st::kServerError);

    const bool advanced = changed_;
    std::string key = req_.key;
    if (advanced) {
      if (Failed(ctx_.state->SaveCollectionSnapshot(ctx_.device, req_.id, next_key_, state_, req_.key), ctx_,
                 "Sync: saving the collection snapshot")) {
        return Finish(st::kServerError);
      }
      key = next_key_;
    }
    AddText(out_, "SyncKey", key);
    AddText(out_, "CollectionId", req_.id);
    AddText(out_, "Status", absl::StrCat(st::kSuccess));
    if (more_available_) out_.append_child("MoreAvailable");
    // Built aside (MoreAvailable, known last, goes before them); pugixml
    // moves nodes only within one document, so they are copied over.
    if (commands_.first_child()) out_.append_copy(commands_);
    if (responses_.first_child()) out_.append_copy(responses_);
    return st::kSuccess;
  }

 private:
  // True if the key is known and the folder has not changed since every
  // change up to its counter was delivered.
  bool Quiet() {
    auto unchanged = UnchangedSince(ctx_, req_.id, req_.key);
    return unchanged.ok() && unchanged->value_or(false);
  }

  int Initial() {
    // The properties the client handles (MS-ASCMD 2.2.3.179), kept for the
    // collection's Changes; no Supported element: nothing is ghosted.
    std::optional<std::vector<std::string>> supported;
    if (req_.supported) {
      supported.emplace();
      for (pugi::xml_node n : req_.supported.children()) {
        if (n.type() == pugi::node_element) supported->push_back(n.name());
      }
    }
    if (Failed(ctx_.state->ResetCollection(ctx_.device, req_.id), ctx_, "Sync 0: resetting the collection") ||
        Failed(ctx_.state->SaveCollectionSnapshot(ctx_.device, req_.id, "1", state::CollectionState{}, "0"), ctx_,
               "Sync 0: saving the first snapshot") ||
        Failed(ctx_.state->SaveSupported(ctx_.device, req_.id, supported), ctx_, "Sync 0: saving Supported")) {
      return Finish(st::kServerError);
    }
    AddText(out_, "SyncKey", "1");
    AddText(out_, "CollectionId", req_.id);
    AddText(out_, "Status", absl::StrCat(st::kSuccess));
    return st::kSuccess;
  }

  int Finish(int status) {
    if (status == st::kInvalidSyncKey) AddText(out_, "SyncKey", "0");
    AddText(out_, "CollectionId", req_.id);
    AddText(out_, "Status", absl::StrCat(status));
    return status;
  }

  pugi::xml_node Response(const char* kind) {
    if (!responses_) responses_ = scratch_.append_child("Responses");
    return responses_.append_child(kind);
  }

  bool ClientCommands(const std::string& folder_class) {
    for (pugi::xml_node cmd : req_.commands.children()) {
      const std::string kind = cmd.name();
      const std::string server_id = cmd.child("ServerId").text().get();
      changed_ = true;
      if (kind == "Add") {
        const std::string client_id = cmd.child("ClientId").text().get();
        pugi::xml_node r = Response("Add");
        AddText(r, "ClientId", client_id);
        std::string id;
        if (auto it = earlier_client_ids_.find(client_id); it != earlier_client_ids_.end()) {
          id = it->second;  // done before: same ServerId, no duplicate
        } else if (absl::Status bad = CheckItemFromDevice(folder_class, cmd.child("ApplicationData")); !bad.ok()) {
          // Refused for this item only (MS-ASCMD 2.2.3.177.17 Status 6).
          Failed(bad, ctx_, "Sync Add: a field the item may not hold");
          AddText(r, "Status", absl::StrCat(st::kConversionError));
          continue;
        } else {
          if (folder_class == "Calendar") BirthdayForm::LearnZone(ctx_, cmd.child("ApplicationData"));
          // Recorded with the item under this ClientId at this key: a
          // resend after any failure (the groupware failing later in this
          // request, the process killed before the new key was saved) gets
          // the same ServerId back instead of a second item.
          const std::string once_key = absl::StrCat(ctx_.device.device_id, "\n", req_.id, "\n", req_.key,
                                                    "\n", client_id);
          const std::string data = FromDevice(cmd.child("ApplicationData"));
          // (Without a ClientId, which MS-ASCMD 2.2.3.28 requires, there is
          // nothing to tell a resend by.)
          auto added = client_id.empty()
                           ? ctx_.backend->AddItem(ctx_.account, req_.id, folder_class, data)
                           : ctx_.backend->AddItemOnce(ctx_.account, req_.id, folder_class, data, once_key);
          if (!added.ok()) {
            AddText(r, "Status", absl::StrCat(st::kServerError));
            continue;
          }
          id = *added;
        }
        auto item = ctx_.backend->GetItem(ctx_.account, id);
        if (item.ok()) state_.items[id] = item->mod_seq;  // the device has it: no echo
        state_.client_ids[client_id] = id;
        AddText(r, "ServerId", id);
        AddText(r, "Status", absl::StrCat(st::kSuccess));
      } else if (kind == "Change") {
        auto item = ctx_.backend->GetItem(ctx_.account, server_id);
        absl::Status s = item.status();
        auto held = state_.items.find(server_id);
        if (item.ok() && !req_.client_wins && held != state_.items.end() &&
            held->second != item->mod_seq) {
          // Changed on the server since the device saw it, and the server
          // wins: the device's change is dropped (Status 7) and the server's
          // version goes back to it with this response's changes.
          pugi::xml_node r = Response("Change");
          AddText(r, "ServerId", server_id);
          AddText(r, "Status", absl::StrCat(st::kConflict));
          continue;
        }
        if (item.ok()) {
          pugi::xml_document change;
          pugi::xml_node changed = change.append_copy(cmd.child("ApplicationData"));
          if (absl::Status bad = CheckItemFromDevice(folder_class, changed); !bad.ok()) {
            Failed(bad, ctx_, "Sync Change: a field the item may not hold");
            pugi::xml_node r = Response("Change");
            AddText(r, "ServerId", server_id);
            AddText(r, "Status", absl::StrCat(st::kConversionError));
            continue;
          }
          Birthdays().FromDevice(changed);
          if (folder_class == "Calendar") BirthdayForm::LearnZone(ctx_, changed);
          auto merged = MergeChange(item->data, changed, folder_class, CollectionGhosting());
          s = merged.ok() ? ctx_.backend->UpdateItem(ctx_.account, server_id, *merged) : merged.status();
        }
        if (!s.ok()) {
          pugi::xml_node r = Response("Change");
          AddText(r, "ServerId", server_id);
          AddText(r, "Status", absl::StrCat(s.code() == absl::StatusCode::kNotFound
                                                ? st::kObjectNotFound
                                                : st::kServerError));
          continue;
        }
        auto updated = ctx_.backend->GetItem(ctx_.account, server_id);
        if (updated.ok()) state_.items[server_id] = updated->mod_seq;
      } else if (kind == "Delete") {
        // DeletesAsMoves: moved whole (MIME and attachments too) into
        // Deleted Items; otherwise gone.
        const absl::Status s = trash_id_.empty()
                                   ? ctx_.backend->DeleteItem(ctx_.account, server_id)
                                   : ctx_.backend->MoveItem(ctx_.account, server_id, trash_id_).status();
        const bool had = state_.items.erase(server_id) > 0;
        if (!s.ok() && !(s.code() == absl::StatusCode::kNotFound && had)) {
          pugi::xml_node r = Response("Delete");
          AddText(r, "ServerId", server_id);
          AddText(r, "Status", absl::StrCat(s.code() == absl::StatusCode::kNotFound
                                                ? st::kObjectNotFound
                                                : st::kServerError));
        }
      } else if (kind == "Fetch") {
        pugi::xml_node r = Response("Fetch");
        AddText(r, "ServerId", server_id);
        auto item = ctx_.backend->GetItem(ctx_.account, server_id);
        if (!item.ok()) {
          AddText(r, "Status", absl::StrCat(st::kObjectNotFound));
          continue;
        }
        AddText(r, "Status", absl::StrCat(st::kSuccess));
        if (!Append(*item, r.append_child("ApplicationData"))) return false;
      }
    }
    return true;
  }

  // The item as the device asked for it; mail with its MIME when wanted.
  bool Append(const backend::ItemChange& item, pugi::xml_node target) {
    std::optional<std::string> mime;
    if (item.item_class == "Email" && req_.body.WantsMime(ctx_.version)) mime = MimeForDevice(ctx_, item);
    if (!AppendForDevice(item.data, target, root_, ctx_.version, req_.body, mime ? &*mime : nullptr).ok()) {
      return false;
    }
    Birthdays().ToDevice(target);
    return true;
  }

  // Whether to look for items that aged out of the FilterType window:
  // with a filter, once an hour per device and collection (ages are days).
  bool AgingDue() const {
    if (req_.filter_type == 0 || req_.key == "0" || ctx_.sync_engine == nullptr) return false;
    return ctx_.sync_engine->AgingDue(
        absl::StrCat(ctx_.device.user_key, "\n", ctx_.device.device_id, "\n", req_.id), ctx_.now);
  }

  // Read once per collection, not once per Change.
  const Ghosting& CollectionGhosting() {
    if (!ghosting_) ghosting_ = GhostingOf(ctx_, req_.id);
    return *ghosting_;
  }

  const BirthdayForm& Birthdays() {
    if (!birthdays_) birthdays_ = BirthdayForm::For(ctx_);
    return *birthdays_;
  }

  // A client's item as stored: its birthdays back to the day.
  std::string FromDevice(pugi::xml_node application_data) {
    if (Birthdays().as_stored()) return ToStoredForm(application_data);
    pugi::xml_document copy;
    pugi::xml_node data = copy.append_copy(application_data);
    Birthdays().FromDevice(data);
    return ToStoredForm(data);
  }

  bool ServerChanges() {
    // Read the counter first: anything newer that ChangesSince also returns
    // is delivered now and filtered by its stamp next time.
    auto counter = ctx_.backend->FolderChangeCounter(ctx_.account, req_.id);
    if (Failed(counter.status(), ctx_, "Sync: the folder's change counter")) return false;
    auto changes = ctx_.backend->ChangesSince(ctx_.account, req_.id, state_.counter);
    if (Failed(changes.status(), ctx_, "Sync: the folder's changes")) return false;
    // Outside the FilterType window: not sent; if the device has it, it is
    // told to drop it (SoftDelete, MS-ASCMD 2.2.3.163). Items only leave a
    // window as time passes, so one skipped now never has to come later.
    std::vector<PendingChange> pending;
    for (PendingChange& p : PendingChanges(std::move(*changes), state_)) {
      if (p.kind == PendingChange::kDelete ||
          InsideFilter(req_.filter_type, p.item.item_class, p.item.data, ctx_.now)) {
        pending.push_back(std::move(p));
      } else if (p.kind == PendingChange::kChange) {
        p.kind = PendingChange::kSoftDelete;
        pending.push_back(std::move(p));
      }
    }
    if (aging_) {
      // Items the device holds that time has moved out of its window, though
      // nobody changed them: SoftDelete too.
      std::set<std::string> listed;
      for (const auto& p : pending) listed.insert(p.item.server_id);
      auto all = ctx_.backend->ChangesSince(ctx_.account, req_.id, 0);
      if (!all.ok()) return false;
      for (auto& item : *all) {
        if (item.deleted || listed.count(item.server_id) || !state_.items.count(item.server_id)) continue;
        if (!InsideFilter(req_.filter_type, item.item_class, item.data, ctx_.now)) {
          pending.push_back({PendingChange::kSoftDelete, std::move(item)});
        }
      }
    }
    size_t window = static_cast<size_t>(req_.window);
    for (size_t i = 0; i < pending.size() && i < window; ++i) {
      if (budget_.Spent()) {
        window = i;  // the rest in the next Sync
        break;
      }
      budget_.Count();
      const PendingChange& p = pending[i];
      if (!commands_) commands_ = scratch_.append_child("Commands");
      const char* kind = p.kind == PendingChange::kAdd          ? "Add"
                         : p.kind == PendingChange::kChange     ? "Change"
                         : p.kind == PendingChange::kSoftDelete ? "SoftDelete"
                                                                : "Delete";
      pugi::xml_node node = commands_.append_child(kind);
      AddText(node, "ServerId", p.item.server_id);
      if (p.kind == PendingChange::kDelete || p.kind == PendingChange::kSoftDelete) {
        state_.items.erase(p.item.server_id);
      } else {
        if (!Append(p.item, node.append_child("ApplicationData"))) return false;
        state_.items[p.item.server_id] = p.item.mod_seq;
      }
      changed_ = true;
    }
    if (pending.size() > window) {
      more_available_ = true;
    } else if (state_.counter != *counter) {
      state_.counter = *counter;
      changed_ = changed_ || !pending.empty();
    }
    // The groupware has more than it handed over yet (a slow first sync).
    if (!more_available_ && ctx_.backend->MoreToCome(ctx_.account, req_.id)) more_available_ = true;
    return true;
  }

  CommandContext& ctx_;
  const CollectionRequest& req_;
  pugi::xml_node out_;
  pugi::xml_node root_;
  std::string trash_id_;
  SyncBudget& budget_;
  // Read when an item is converted, not for every (quiet) Sync: for iOS
  // it reads the device's zone from the state store.
  std::optional<BirthdayForm> birthdays_;
  std::optional<Ghosting> ghosting_;
  state::CollectionState state_;
  std::map<std::string, std::string> earlier_client_ids_;
  std::string next_key_;
  bool changed_ = false;
  bool aging_ = false;  // looking for items that aged out of the window
  bool more_available_ = false;
  pugi::xml_document scratch_;
  pugi::xml_node commands_;
  pugi::xml_node responses_;
};


// MS-ASCMD 3.1.5.3: from 12.1 an empty Sync (no body, or no collections)
// repeats the device's last full request at its current keys; a Partial one
// names only some collections, the rest come from the last request. Builds
// the effective request into `effective`; false if there is nothing to build
// on (Status 13).
bool EffectiveRequest(CommandContext& ctx, pugi::xml_document& effective) {
  pugi::xml_node request = ctx.request->child("Sync");
  const bool has_collections = request.child("Collections").child("Collection");
  const bool partial = static_cast<bool>(request.child("Partial"));
  if (has_collections && !partial) {
    effective.reset(*ctx.request);
  } else {
    if (ctx.version < ProtocolVersion::k12_1) return false;
    auto cached = ctx.state->SyncRequest(ctx.device);
    if (!cached.ok() || cached->empty() || !effective.load_string(cached->c_str())) return false;
    pugi::xml_node collections = effective.child("Sync").child("Collections");
    // The cached collections continue at the device's newest keys.
    for (pugi::xml_node c : collections.children("Collection")) {
      auto key = ctx.state->LatestCollectionKey(ctx.device, c.child("CollectionId").text().get());
      if (key.ok() && !key->empty()) c.child("SyncKey").text().set(key->c_str());
    }
    // A partial request's collections replace their cached namesakes.
    for (pugi::xml_node c : request.child("Collections").children("Collection")) {
      const std::string id = c.child("CollectionId").text().get();
      for (pugi::xml_node old : collections.children("Collection")) {
        if (id == old.child("CollectionId").text().get()) {
          collections.remove_child(old);
          break;
        }
      }
      collections.append_copy(c);
    }
  }
  // What the next empty Sync repeats: this request, without its commands.
  pugi::xml_document cache;
  cache.reset(effective);
  for (pugi::xml_node c : cache.child("Sync").child("Collections").children("Collection")) {
    c.remove_child("Commands");
  }
  cache.child("Sync").remove_child("Partial");
  std::ostringstream text;
  cache.save(text, "", pugi::format_raw | pugi::format_no_declaration);
  log::IfError(ctx.state->SaveSyncRequest(ctx.device, text.str()), "Sync: caching the request for empty Syncs");
  return true;
}

}  // namespace

namespace {

// One pass over the (effective) request: the response, and the collections
// it named.
CommandResult SyncOnce(CommandContext& ctx,
                       std::vector<std::pair<std::string, std::string>>* collections_asked) {
  // No lock: one device's requests run one at a time on its strand, so a
  // Sync sent twice at once (../shared/device-notes.md quirk 11: iOS
  // re-initialising a folder, Android firing again when the first is slow)
  // sees what the first did (the ServerIds of its Adds) instead of adding
  // again.
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "Sync", "AirSync:");
  pugi::xml_document effective;
  if (!EffectiveRequest(ctx, effective)) {
    AddText(root, "Status", absl::StrCat(st::kIncompleteRequest));
    return result;
  }
  pugi::xml_node collections = effective.child("Sync").child("Collections");
  if (const int n = limits::CountChildren(collections, {"Collection"}, limits::kSyncCollections);
      n > limits::kSyncCollections) {
    // MS-ASCMD 2.2.3.97: Status 15 with the number of collections allowed.
    AddText(root, "Status", absl::StrCat(st::kInvalidCommand));
    AddText(root, "Limit", absl::StrCat(limits::kSyncCollections));
    return result;
  }
  int commands = 0;
  for (pugi::xml_node c : collections.children("Collection")) {
    commands += limits::CountChildren(c.child("Commands"), {"Add", "Change", "Delete", "Fetch"},
                                      limits::kSyncCommands - commands);
    if (commands > limits::kSyncCommands) {
      AddText(root, "Status", absl::StrCat(st::kProtocolError));  // MS-ASCMD 3.1.5.10
      return result;
    }
  }
  auto folders = ctx.backend->ListFolders(ctx.account);
  if (Failed(folders.status(), ctx, "Sync: listing the folders")) {
    AddText(root, "Status", absl::StrCat(st::kServerError));
    return result;
  }
  pugi::xml_node out_collections = root.append_child("Collections");
  SyncBudget budget(ctx.response_budget);
  for (pugi::xml_node c : collections.children("Collection")) {
    const CollectionRequest req = ReadCollection(c, ctx.version);
    collections_asked->emplace_back(req.id, req.key);
    pugi::xml_node out = out_collections.append_child("Collection");
    auto folder = std::find_if(folders->begin(), folders->end(),
                               [&](const backend::Folder& f) { return f.server_id == req.id; });
    if (req.id.empty() || req.key.empty()) {
      AddText(out, "CollectionId", req.id);
      AddText(out, "Status", absl::StrCat(st::kProtocolError));
      continue;
    }
    if (folder == folders->end()) {
      // The device holds a folder that is gone: resync the hierarchy (or,
      // for clients that ignore 12, start the collection over).
      AddText(out, "CollectionId", req.id);
      AddText(out, "Status", absl::StrCat(ctx.Quirk(devices::kUnknownCollectionAsInvalidKey)
                                              ? st::kInvalidSyncKey
                                              : st::kFolderHierarchyChanged));
      continue;
    }
    const std::string folder_class = ClassOf(folder->type);
    if (ctx.version < ProtocolVersion::k12_1) AddText(out, "Class", folder_class);
    std::string trash;
    if (req.deletes_as_moves && folder_class == "Email" && folder->type != backend::kDeletedItems) {
      for (const auto& f : *folders) {
        if (f.type == backend::kDeletedItems) trash = f.server_id;
      }
    }
    CollectionSync(ctx, req, out, root, trash, budget).Run(folder_class);
  }
  return result;
}

// Nothing happened: every collection answered Status 1 at the key it was
// asked with (so never for key 0), with no commands and no responses.
bool Quiet(const CommandResult& result,
           const std::vector<std::pair<std::string, std::string>>& asked) {
  pugi::xml_node collections = result.body->first_child().child("Collections");
  if (!collections || asked.empty()) return false;
  size_t i = 0;
  for (pugi::xml_node c : collections.children("Collection")) {
    if (i >= asked.size() || std::string(c.child("Status").text().get()) != "1" ||
        std::string(c.child("SyncKey").text().get()) != asked[i].second || c.child("Commands") ||
        c.child("Responses") || c.child("MoreAvailable")) {
      return false;
    }
    ++i;
  }
  return i == asked.size();
}

// A parked Sync keeps its own copies of what the context points to: the
// request it was given is gone by the time a change wakes it.
struct WaitingSync {
  CommandContext ctx;
  pugi::xml_document request;
  http::Query query;
  std::string raw_body;
};

}  // namespace

// A Sync with Wait (minutes, MS-ASCMD 2.2.3.195) or HeartbeatInterval
// (seconds, 2.2.3.84) that finds nothing waits like a Ping for a change in
// its collections, then answers as if it had just been sent; at the end of
// the interval it answers with an empty body.
CommandResult Sync(CommandContext& ctx) {
  pugi::xml_node request = ctx.request->child("Sync");
  int wait = 0;
  int limit = 0;
  if (pugi::xml_node w = request.child("Wait")) {
    int minutes = 0;
    if (!absl::SimpleAtoi(w.text().get(), &minutes) || minutes < 1 || minutes > 59) {
      limit = minutes < 1 ? 1 : 59;
    }
    wait = minutes * 60;
  } else if (pugi::xml_node hb = request.child("HeartbeatInterval")) {
    if (!absl::SimpleAtoi(hb.text().get(), &wait) || wait < ctx.ping.min_heartbeat ||
        wait > ctx.ping.max_heartbeat) {
      limit = wait < ctx.ping.min_heartbeat ? ctx.ping.min_heartbeat : ctx.ping.max_heartbeat;
    }
  }
  if (limit != 0) {
    CommandResult invalid;
    pugi::xml_node root = StartResponse(invalid, "Sync", "AirSync:");
    AddText(root, "Status", absl::StrCat(st::kInvalidWaitOrHeartbeat));
    AddText(root, "Limit", absl::StrCat(limit));
    return invalid;
  }
  std::vector<std::pair<std::string, std::string>> asked;
  CommandResult result = SyncOnce(ctx, &asked);
  // Nothing to say about any collection: an empty body (12.1+ allows it,
  // MS-ASCMD 3.2.5.2), never an empty <Collections/>, which iOS cannot take
  // (../shared/device-notes.md quirk 5).
  pugi::xml_node collections = result.body->first_child().child("Collections");
  if (collections && !collections.first_child() && ctx.version >= ProtocolVersion::k12_1) return CommandResult{};
  if (wait == 0 || ctx.hub == nullptr || !Quiet(result, asked)) return result;
  std::vector<std::string> ids;
  for (const auto& a : asked) ids.push_back(a.first);

  auto waiting = std::make_shared<WaitingSync>();
  waiting->request.reset(*ctx.request);
  waiting->query = *ctx.query;
  waiting->raw_body = *ctx.raw_body;
  waiting->ctx = ctx;
  waiting->ctx.request = &waiting->request;
  waiting->ctx.query = &waiting->query;
  waiting->ctx.raw_body = &waiting->raw_body;
  auto later = std::make_shared<Later<CommandResult>>();
  const std::string device_key = absl::StrCat(ctx.account.key(), "/", ctx.device.device_id);
  // The hub only says what changed; the Sync runs again on the device's
  // strand, never inside whoever made the change (it may be this device's
  // own request on another connection).
  ctx.hub->Park(ctx.account.key(), device_key, ids, std::chrono::seconds(wait),
                [waiting, later](std::vector<std::string> changed) {
                  if (changed.empty() || !waiting->ctx.on_device_strand) {
                    later->Complete(CommandResult{});  // the interval ended: empty body
                    return;
                  }
                  const bool queued = waiting->ctx.on_device_strand([waiting, later] {
                    std::vector<std::pair<std::string, std::string>> unused;
                    storage::WriteFaultScope writes;
                    CommandResult woken = SyncOnce(waiting->ctx, &unused);
                    if (writes.faulted()) {
                      Failed(writes.first(), waiting->ctx, "Sync: storing after a wait");
                      woken = StorageUnavailable();
                    }
                    later->Complete(std::move(woken));
                  });
                  // The device's strand is full: it is sending again anyway.
                  if (!queued) later->Complete(CommandResult{});
                });
  // A change between the pass above and parking still ends the wait.
  for (const auto& [id, key] : asked) {
    auto unchanged = UnchangedSince(ctx, id, key);
    if (unchanged.ok() && unchanged->has_value() && !**unchanged) {
      ctx.hub->Wake(device_key, {id});
      break;
    }
  }
  CommandResult parked;
  parked.later = later;
  return parked;
}

}  // namespace eas::commands


