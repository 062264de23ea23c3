#include "reference/commands/search.h"

#include <algorithm>
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
#include "reference/eas/status_codes.h"

namespace eas::commands {
namespace {

namespace st = eas::status::search;

// Without a Range, up to 100 results (MS-ASCMD 2.2.3.142.1).
constexpr int kDefaultRangeEnd = 99;
// The most one search reads from the store.
constexpr int kMaxMatches = 1000;
// A mailbox search reads items one by one: it gives up (Status 10, timed
// out, MS-ASCMD 2.2.3.177.16: "retry with or without rebuilding results")
// past ctx.search_max_items items or past this time (or the client's
// deadline share), so no query holds a worker for a whole large mailbox.
constexpr absl::Duration kMaxSearchTime = absl::Seconds(10);
// Results with their properties in one answer, whatever the Range asks.
constexpr int kMaxMailboxResults = 100;

struct Range {
  int first = 0;
  int last = kDefaultRangeEnd;
};

std::optional<Range> ParseRange(pugi::xml_node options) {
  Range r;
  pugi::xml_node node = options.child("Range");
  if (!node) return r;
  std::vector<std::string> parts = absl::StrSplit(node.text().get(), '-');
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &r.first) || !absl::SimpleAtoi(parts[1], &r.last) ||
      r.first < 0 || r.last < r.first) {
    return std::nullopt;
  }
  return r;
}

void StoreStatus(pugi::xml_node store, int status) { AddText(store, "Status", absl::StrCat(status)); }

// "Lena Meier" -> "Lena": Nokia's client shows nothing without FirstName.
std::string FirstNameOf(const backend::GalEntry& e) {
  if (!e.first_name.empty()) return e.first_name;
  return e.display_name.substr(0, e.display_name.find(' '));
}

void Gal(CommandContext& ctx, pugi::xml_node request_store, pugi::xml_node store, pugi::xml_node root) {
  const std::string query = request_store.child("Query").text().get();
  pugi::xml_node options = request_store.child("Options");
  auto range = ParseRange(options);
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
    const backend::GalEntry& e = (*found)[i];
    pugi::xml_node p = store.append_child("Result").append_child("Properties");
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
  AddText(store, "Range", absl::StrCat(range->first, "-", last));
  AddText(store, "Total", absl::StrCat(total));
}

// Mailbox search criteria (MS-ASCMD 2.2.3.140.2 Query).
struct MailQuery {
  std::string item_class = "Email";  // airsync:Class: Email, Calendar, Contacts, Tasks
  std::vector<std::string> words;    // FreeText, lower case, all must occur
  std::string collection_id;         // "" for every folder of the class
  std::string after, before;         // DateReceived bounds (ISO text compares)
};

// The folder types that hold items of a class.
bool HoldsClass(int type, const std::string& item_class) {
  if (item_class == "Calendar") return type == backend::kCalendar || type == backend::kUserCalendar;
  if (item_class == "Contacts") return type == backend::kContacts || type == backend::kUserContacts;
  if (item_class == "Tasks") return type == backend::kTasks || type == backend::kUserTasks;
  return (type >= backend::kInbox && type <= backend::kOutbox) || type == backend::kUserMail;
}

bool ReadQuery(pugi::xml_node node, MailQuery& q) {
  for (pugi::xml_node c : node.children()) {
    const std::string name = c.name();
    if (name == "And") {
      if (!ReadQuery(c, q)) return false;
    } else if (name == "FreeText") {
      for (absl::string_view w : absl::StrSplit(c.text().get(), ' ', absl::SkipWhitespace())) {
        q.words.push_back(absl::AsciiStrToLower(w));
      }
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

std::vector<std::string> MailFolders(const std::vector<backend::Folder>& folders, const MailQuery& q,
                                     bool deep) {
  auto is_mail = [&](int t) { return HoldsClass(t, q.item_class); };
  std::vector<std::string> out;
  if (q.collection_id.empty()) {
    for (const auto& f : folders) {
      if (is_mail(f.type)) out.push_back(f.server_id);
    }
    return out;
  }
  out.push_back(q.collection_id);
  if (!deep) return out;
  for (const auto& f : folders) {  // parents come before children
    if (std::find(out.begin(), out.end(), f.parent_id) != out.end() && is_mail(f.type)) out.push_back(f.server_id);
  }
  return out;
}

// Every text of the item but opaque (binary) values: subject, people,
// location, body.
void CollectText(pugi::xml_node node, std::string& out) {
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_pcdata) {
      absl::StrAppend(&out, c.value(), "\n");
    } else if (c.type() == pugi::node_element && !c.attribute("opaque")) {
      CollectText(c, out);
    }
  }
}

bool Matches(const pugi::xml_node data, const MailQuery& q) {
  const std::string received = data.child("email:DateReceived").text().get();
  if (!q.after.empty() && !(received > q.after)) return false;
  if (!q.before.empty() && !(received < q.before)) return false;
  std::string haystack;
  CollectText(data, haystack);
  haystack = absl::AsciiStrToLower(haystack);
  return std::all_of(q.words.begin(), q.words.end(),
                     [&](const std::string& w) { return absl::StrContains(haystack, w); });
}

void Mailbox(CommandContext& ctx, pugi::xml_node request_store, pugi::xml_node store, pugi::xml_node root) {
  pugi::xml_node options = request_store.child("Options");
  auto range = ParseRange(options);
  MailQuery q;
  if (!range || !ReadQuery(request_store.child("Query"), q) || (q.words.empty() && q.after.empty() && q.before.empty())) {
    return StoreStatus(store, st::kInvalidRequest);
  }
  auto folders = ctx.backend->ListFolders(ctx.account);
  if (!folders.ok()) return StoreStatus(store, st::kServerError);
  if (!q.collection_id.empty() &&
      std::none_of(folders->begin(), folders->end(),
                   [&](const backend::Folder& f) { return f.server_id == q.collection_id; })) {
    return StoreStatus(store, st::kFolderSyncRequired);
  }
  struct Hit {  // what sorts and finds a match again; never its data
    std::string received, folder, server_id;
  };
  std::vector<Hit> hits;
  const absl::Time give_up = absl::Now() + std::min(kMaxSearchTime, ctx.response_budget);
  int searched = 0;
  for (const std::string& folder : MailFolders(*folders, q, options.child("DeepTraversal"))) {
    auto items = ctx.backend->ChangesSince(ctx.account, folder, 0);
    if (Failed(items.status(), ctx, "Search: reading a folder")) return StoreStatus(store, st::kServerError);
    for (const auto& item : *items) {
      if (item.deleted) continue;
      if (++searched > ctx.search_max_items || absl::Now() > give_up) return StoreStatus(store, st::kTimedOut);
      pugi::xml_document doc;
      if (!doc.load_string(item.data.c_str())) continue;
      pugi::xml_node data = doc.first_child();
      std::string when = data.child("email:DateReceived").text().get();
      if (when.empty()) when = data.child("calendar:StartTime").text().get();
      if (Matches(data, q)) hits.push_back({when, folder, item.server_id});
    }
  }
  std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.received > b.received; });
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
