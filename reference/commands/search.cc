#include "reference/commands/search.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "reference/commands/application_data.h"
#include "reference/commands/mailbox_search.h"
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

namespace st = eas::status::search;

// Without a Range, up to 100 results (MS-ASCMD 2.2.3.142.1).
constexpr int kDefaultRangeEnd = 99;
// The most one search reads from the store.
constexpr int kMaxMatches = 1000;
// A mailbox search past its work bound (mailbox_search.h) answers Status
// 10, timed out (MS-ASCMD 2.2.3.177.13: "retry with or without rebuilding
// results").
// Results with their properties in one answer, whatever the Range asks.
constexpr int kMaxMailboxResults = 100;

void StoreStatus(pugi::xml_node store, int status) { AddText(store, "Status", absl::StrCat(status)); }

// "Lena Meier" -> "Lena": Nokia's client shows nothing without FirstName.
std::string FirstNameOf(const backend::GalEntry& e) {
  if (!e.first_name.empty()) return e.first_name;
  return e.display_name.substr(0, e.display_name.find(' '));
}

void Gal(CommandContext& ctx, pugi::xml_node request_store, pugi::xml_node store, pugi::xml_node root) {
  const std::string query = request_store.child("Query").text().get();
  pugi::xml_node options = request_store.child("Options");
  auto range = ParseResultRange(options.child("Range"), kDefaultRangeEnd, std::numeric_limits<int>::max());
  if (query.empty() || !range) return StoreStatus(store, st::kInvalidRequest);
  auto found = ctx.backend->SearchGal(ctx.account, query, kMaxMatches);
  if (!found.ok()) return StoreStatus(store, st::kServerError);
  StoreStatus(store, st::kSuccess);
  const int total = static_cast<int>(found->size());
  const bool pictures = ctx.version >= ProtocolVersion::k14_1 && options.child("Picture");
  if (range->first >= total) {
    store.append_child("Result");
    AddText(store, "Total", "0");
    return;
  }
  const int last = std::min(range->last, total - 1);
  root.append_attribute("xmlns:gal") = "GAL:";
  for (int i = range->first; i <= last; ++i) {
    AppendGalProperties(store.append_child("Result").append_child("Properties"), (*found)[i], pictures);
  }
  AddText(store, "Range", absl::StrCat(range->first, "-", last));
  AddText(store, "Total", absl::StrCat(total));
}

bool ReadQuery(pugi::xml_node node, MailboxQuery& q) {
  for (pugi::xml_node c : node.children()) {
    const std::string name = c.name();
    if (name == "And") {
      if (!ReadQuery(c, q)) return false;
    } else if (name == "FreeText") {
      AddFreeText(c.text().get(), false, q);
    } else if (name == "airsync:CollectionId") {
      q.collection_id = c.text().get();
    } else if (name == "GreaterThan" || name == "LessThan") {
      if (!c.child("email:DateReceived")) return false;
      (name == "GreaterThan" ? q.after : q.before) = c.child("Value").text().get();
    } else if (name == "airsync:Class") {
      q.item_class = c.text().get();
      if (q.item_class != "Email" && q.item_class != "Calendar" && q.item_class != "Contacts" &&
          q.item_class != "Tasks") {
        return false;
      }
    } else {
      return false;  // Or, EqualTo, ...: more than a mailbox search needs
    }
  }
  return true;
}

void Mailbox(CommandContext& ctx, pugi::xml_node request_store, pugi::xml_node store, pugi::xml_node root) {
  pugi::xml_node options = request_store.child("Options");
  auto range = ParseResultRange(options.child("Range"), kDefaultRangeEnd, std::numeric_limits<int>::max());
  MailboxQuery q;
  if (!range || !ReadQuery(request_store.child("Query"), q) || (q.words.empty() && q.after.empty() && q.before.empty())) {
    return StoreStatus(store, st::kInvalidRequest);
  }
  q.deep = options.child("DeepTraversal");
  auto found = SearchMailbox(ctx, q);
  if (absl::IsNotFound(found.status())) return StoreStatus(store, st::kFolderSyncRequired);
  if (absl::IsDeadlineExceeded(found.status())) return StoreStatus(store, st::kTimedOut);
  if (Failed(found.status(), ctx, "Search: reading the mailbox")) return StoreStatus(store, st::kServerError);
  const std::vector<MailboxHit>& hits = *found;
  StoreStatus(store, st::kSuccess);
  const int total = static_cast<int>(hits.size());
  if (range->first >= total) {
    store.append_child("Result");
    AddText(store, "Total", "0");
    return;
  }
  const int last = std::min({range->last, total - 1, range->first + kMaxMailboxResults - 1});
  root.append_attribute("xmlns:airsync") = "AirSync:";
  const BodyPreference body = ReadBodyPreference(options, ctx.version);
  for (int i = range->first; i <= last; ++i) {
    auto item = ctx.backend->GetItem(ctx.account, hits[i].server_id);
    if (!item.ok()) continue;  // deleted meanwhile
    pugi::xml_node result = store.append_child("Result");
    AddText(result, "airsync:Class", item->item_class);
    AddText(result, "LongId", item->server_id);
    AddText(result, "airsync:CollectionId", hits[i].folder);
    if (!AppendForDevice(item->data, result.append_child("Properties"), root, ctx.version, body).ok()) {
      store.remove_child(result);
    }
  }
  AddText(store, "Range", absl::StrCat(range->first, "-", last));
  AddText(store, "Total", absl::StrCat(total));
}

}  // namespace

void AppendGalProperties(pugi::xml_node p, const backend::GalEntry& e, bool pictures) {
  AddText(p, "gal:DisplayName", e.display_name);
  if (!e.phone.empty()) AddText(p, "gal:Phone", e.phone);
  if (!e.office.empty()) AddText(p, "gal:Office", e.office);
  if (!e.title.empty()) AddText(p, "gal:Title", e.title);
  if (!e.company.empty()) AddText(p, "gal:Company", e.company);
  if (!e.alias.empty()) AddText(p, "gal:Alias", e.alias);
  AddText(p, "gal:FirstName", FirstNameOf(e));
  if (!e.last_name.empty()) AddText(p, "gal:LastName", e.last_name);
  if (!e.mobile_phone.empty()) AddText(p, "gal:MobilePhone", e.mobile_phone);
  AddText(p, "gal:EmailAddress", e.email);
  if (pictures) {
    // No photos in this directory: 173 NoPicture (MS-ASCMD 2.2.3.135.1).
    AddText(p.append_child("gal:Picture"), "gal:Status", "173");
  }
}

CommandResult Search(CommandContext& ctx) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "Search", "Search:");
  pugi::xml_node request_store = ctx.request->child("Search").child("Store");
  const std::string name = absl::AsciiStrToLower(request_store.child("Name").text().get());
  if (!request_store || name.empty()) {
    AddText(root, "Status", absl::StrCat(st::kInvalidRequest));
    return result;
  }
  AddText(root, "Status", absl::StrCat(st::kSuccess));
  pugi::xml_node store = root.append_child("Response").append_child("Store");
  if (name == "gal") {
    Gal(ctx, request_store, store, root);
  } else if (name == "mailbox" && ctx.version >= ProtocolVersion::k12_0) {
    Mailbox(ctx, request_store, store, root);
  } else {
    // DocumentLibrary (UNC and SharePoint links): not served here.
    StoreStatus(store, st::kAccessDenied);
  }
  return result;
}

}  // namespace eas::commands
