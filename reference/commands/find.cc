#include "reference/commands/find.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "reference/commands/mailbox_search.h"
#include "reference/commands/search.h"
#include "reference/eas/status_codes.h"
#include "reference/mail/html_text.h"

namespace eas::commands {
namespace {

namespace st = eas::status::find;

// MS-ASCMD 2.2.3.143.1: 0 <= m <= n <= 999; without a Range, 0-99 (the
// mailbox default of Search). At most this many results carry their
// properties in one answer, whatever the Range asks.
constexpr int kMaxRangeIndex = 999;
constexpr int kDefaultRangeEnd = 99;
constexpr int kMaxResults = 100;
constexpr size_t kMaxSearchIdLength = 256;
constexpr size_t kPreviewLength = 255;  // MS-ASCMD 2.2.3.137 (Preview)
// The most GAL entries read for one Find (as for Search).
constexpr int kMaxGalMatches = 1000;

CommandResult FindStatus(int status) { return StatusResponse("Find", "Find:", status); }

pugi::xml_node StartAnswer(CommandResult& result, int response_status) {
  pugi::xml_node root = StartResponse(result, "Find", "Find:");
  AddText(root, "Status", absl::StrCat(st::kSuccess));
  pugi::xml_node response = root.append_child("Response");
  AddText(response, "Status", absl::StrCat(response_status));
  return response;
}

// What Find gives of a message (MS-ASCMD 2.2.3.139.1): the list view's
// fields and a text preview.
void AppendMailProperties(const std::string& stored, pugi::xml_node properties) {
  pugi::xml_document doc;
  if (!doc.load_string(stored.c_str())) return;
  const pugi::xml_node data = doc.first_child();
  auto copy = [&](const char* from, const char* to) {
    if (pugi::xml_node n = data.child(from)) AddText(properties, to, n.text().get());
  };
  copy("email:Subject", "email:Subject");
  copy("email:DateReceived", "email:DateReceived");
  copy("email:DisplayTo", "email:DisplayTo");
  copy("email:Cc", "DisplayCc");
  copy("email:Importance", "email:Importance");
  copy("email:Read", "email:Read");
  copy("email2:IsDraft", "email2:IsDraft");
  const pugi::xml_node body = data.child("airsyncbase:Body");
  std::string text = body.child("airsyncbase:Data").text().get();
  if (std::string(body.child("airsyncbase:Type").text().get()) == "2") text = mail::HtmlToText(text);
  if (text.size() > kPreviewLength) {
    size_t cut = kPreviewLength;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
    text.resize(cut);
  }
  if (!text.empty()) AddText(properties, "Preview", text);
  AddText(properties, "HasAttachments", data.child("airsyncbase:Attachments").first_child() ? "1" : "0");
  copy("email:From", "email:From");
}

CommandResult Mailbox(CommandContext& ctx, pugi::xml_node criterion, const ResultRange& range) {
  pugi::xml_node query = criterion.child("Query");
  MailboxQuery q;
  for (pugi::xml_node c : query.children()) {
    const std::string name = c.name();
    if (name == "FreeText") {
      AddFreeText(c.text().get(), true, q);
    } else if (name == "airsync:Class") {
      q.item_class = c.text().get();
    } else if (name == "airsync:CollectionId") {
      q.collection_id = c.text().get();
    }
  }
  // Find searches mail only (MS-ASCMD 2.2.3.27.1: Email).
  if (q.item_class != "Email" || (q.words.empty() && q.restrictions.empty())) return FindStatus(st::kInvalidRequest);
  q.deep = criterion.child("Options").child("DeepTraversal") || q.collection_id.empty();
  auto found = SearchMailbox(ctx, q);
  if (absl::IsNotFound(found.status())) return FindStatus(st::kFolderSyncRequired);
  if (Failed(found.status(), ctx, "Find: searching the mailbox")) {
    // Past the work bound, too: no Find status says "timed out".
    return FindStatus(status::common::kServerErrorRetryLater);
  }
  CommandResult result;
  pugi::xml_node response = StartAnswer(result, st::kSuccess);
  pugi::xml_node root = result.body->first_child();
  root.append_attribute("xmlns:airsync") = "AirSync:";
  root.append_attribute("xmlns:email") = "Email:";
  root.append_attribute("xmlns:email2") = "Email2:";
  root.append_attribute("xmlns:itemoperations") = "ItemOperations:";
  response.insert_child_before("itemoperations:Store", response.first_child()).text().set("Mailbox");
  const int total = static_cast<int>(found->size());
  const int last = std::min({range.last, total - 1, range.first + kMaxResults - 1});
  int returned = 0;
  for (int i = range.first; i <= last; ++i) {
    const MailboxHit& hit = (*found)[i];
    auto item = ctx.backend->GetItem(ctx.account, hit.server_id);
    if (!item.ok()) continue;  // deleted meanwhile
    pugi::xml_node r = response.append_child("Result");
    AddText(r, "airsync:Class", item->item_class);
    AddText(r, "airsync:ServerId", item->server_id);
    AddText(r, "airsync:CollectionId", hit.folder);
    AppendMailProperties(item->data, r.append_child("Properties"));
    ++returned;
  }
  if (returned > 0) AddText(response, "Range", absl::StrCat(range.first, "-", range.first + returned - 1));
  AddText(response, "Total", absl::StrCat(total));
  return result;
}

CommandResult Gal(CommandContext& ctx, pugi::xml_node criterion, const ResultRange& range) {
  const std::string query = criterion.child("Query").child("FreeText").text().get();
  if (query.empty()) return FindStatus(st::kInvalidRequest);
  auto found = ctx.backend->SearchGal(ctx.account, query, kMaxGalMatches);
  if (Failed(found.status(), ctx, "Find: searching the GAL")) {
    return FindStatus(status::common::kServerErrorRetryLater);
  }
  CommandResult result;
  pugi::xml_node response = StartAnswer(result, st::kSuccess);
  result.body->first_child().append_attribute("xmlns:gal") = "GAL:";
  const bool pictures = criterion.child("Options").child("Picture");
  const int total = static_cast<int>(found->size());
  const int last = std::min({range.last, total - 1, range.first + kMaxResults - 1});
  for (int i = range.first; i <= last; ++i) {
    AppendGalProperties(response.append_child("Result").append_child("Properties"), (*found)[i], pictures);
  }
  if (last >= range.first) AddText(response, "Range", absl::StrCat(range.first, "-", last));
  AddText(response, "Total", absl::StrCat(total));
  return result;
}

}  // namespace

void FindSearches::Begin(const std::string& device_key, const std::string& search_id) {
  const std::string key = absl::StrCat(device_key, "\n", search_id);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!known_.insert(key).second) return;
  order_.push_back(key);
  while (order_.size() > capacity_) {
    known_.erase(order_.front());
    order_.pop_front();
  }
}

bool FindSearches::Known(const std::string& device_key, const std::string& search_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return known_.contains(absl::StrCat(device_key, "\n", search_id));
}

CommandResult Find(CommandContext& ctx) {
  pugi::xml_node find = ctx.request->child("Find");
  const std::string search_id = find.child("SearchId").text().get();
  pugi::xml_node execute = find.child("ExecuteSearch");
  pugi::xml_node mailbox = execute.child("MailBoxSearchCriterion");
  pugi::xml_node gal = execute.child("GalSearchCriterion");
  if (search_id.empty() || search_id.size() > kMaxSearchIdLength || (!mailbox == !gal)) {
    return FindStatus(st::kInvalidRequest);
  }
  pugi::xml_node criterion = mailbox ? mailbox : gal;
  auto range = ParseResultRange(criterion.child("Options").child("Range"), kDefaultRangeEnd, kMaxRangeIndex);
  if (!range) return FindStatus(st::kInvalidRequest);
  const std::string device_key = absl::StrCat(ctx.account.key(), "/", ctx.device.device_id);
  if (ctx.find_searches != nullptr) {
    // A search begins at 0 (MS-ASCMD 2.2.3.143.1): Status 4 of Response.
    if (range->first != 0 && !ctx.find_searches->Known(device_key, search_id)) {
      CommandResult refused;
      StartAnswer(refused, st::kStartWithRangeZero);
      return refused;
    }
    ctx.find_searches->Begin(device_key, search_id);
  }
  return mailbox ? Mailbox(ctx, mailbox, *range) : Gal(ctx, gal, *range);
}

}  // namespace eas::commands
