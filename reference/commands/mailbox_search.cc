#include "reference/commands/mailbox_search.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "pugixml.hpp"

namespace eas::commands {
namespace {

// Past this a search gives up whatever ctx.search_max_items allows, so no
// query holds a worker for a whole large mailbox.
constexpr absl::Duration kMaxSearchTime = absl::Seconds(10);

std::vector<std::string> Folders(const std::vector<backend::Folder>& folders, const MailboxQuery& q) {
  auto holds = [&](int t) { return HoldsClass(t, q.item_class); };
  std::vector<std::string> out;
  if (q.collection_id.empty()) {
    for (const auto& f : folders) {
      if (holds(f.type)) out.push_back(f.server_id);
    }
    return out;
  }
  out.push_back(q.collection_id);
  if (!q.deep) return out;
  for (const auto& f : folders) {  // parents come before children
    if (std::find(out.begin(), out.end(), f.parent_id) != out.end() && holds(f.type)) out.push_back(f.server_id);
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

bool Matches(const pugi::xml_node data, const MailboxQuery& q) {
  const std::string received = data.child("email:DateReceived").text().get();
  if (!q.after.empty() && !(received > q.after)) return false;
  if (!q.before.empty() && !(received < q.before)) return false;
  for (const auto& [element, word] : q.restrictions) {
    std::string text;
    CollectText(data.child(element.c_str()), text);
    if (!absl::StrContains(absl::AsciiStrToLower(text), word)) return false;
  }
  if (q.words.empty()) return true;
  std::string haystack;
  CollectText(data, haystack);
  haystack = absl::AsciiStrToLower(haystack);
  return std::all_of(q.words.begin(), q.words.end(),
                     [&](const std::string& w) { return absl::StrContains(haystack, w); });
}

}  // namespace

std::optional<ResultRange> ParseResultRange(pugi::xml_node range, int default_last, int max_last) {
  ResultRange r{0, default_last};
  if (!range) return r;
  std::vector<std::string> parts = absl::StrSplit(range.text().get(), '-');
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &r.first) || !absl::SimpleAtoi(parts[1], &r.last) ||
      r.first < 0 || r.last < r.first || r.last > max_last) {
    return std::nullopt;
  }
  return r;
}

void AddFreeText(const std::string& text, bool restrictions, MailboxQuery& q) {
  static const std::pair<const char*, const char*> kProperties[] = {
      {"from:", "email:From"}, {"to:", "email:To"}, {"cc:", "email:Cc"},
      {"subject:", "email:Subject"}, {"body:", "airsyncbase:Body"}};
  for (absl::string_view w : absl::StrSplit(text, ' ', absl::SkipWhitespace())) {
    std::string word = absl::AsciiStrToLower(w);
    bool restricted = false;
    for (const auto& [prefix, element] : kProperties) {
      if (restrictions && absl::StartsWith(word, prefix) && word.size() > strlen(prefix)) {
        q.restrictions.emplace_back(element, word.substr(strlen(prefix)));
        restricted = true;
      }
    }
    if (!restricted) q.words.push_back(std::move(word));
  }
}

bool HoldsClass(int type, const std::string& item_class) {
  if (item_class == "Calendar") return type == backend::kCalendar || type == backend::kUserCalendar;
  if (item_class == "Contacts") return type == backend::kContacts || type == backend::kUserContacts;
  if (item_class == "Tasks") return type == backend::kTasks || type == backend::kUserTasks;
  return (type >= backend::kInbox && type <= backend::kOutbox) || type == backend::kUserMail;
}

absl::StatusOr<std::vector<MailboxHit>> SearchMailbox(CommandContext& ctx, const MailboxQuery& q) {
  auto folders = ctx.backend->ListFolders(ctx.account);
  if (!folders.ok()) return folders.status();
  if (!q.collection_id.empty() &&
      std::none_of(folders->begin(), folders->end(),
                   [&](const backend::Folder& f) { return f.server_id == q.collection_id; })) {
    return absl::NotFoundError("no collection " + q.collection_id);
  }
  std::vector<MailboxHit> hits;
  const absl::Time give_up = absl::Now() + std::min(kMaxSearchTime, ctx.response_budget);
  int searched = 0;
  for (const std::string& folder : Folders(*folders, q)) {
    auto items = ctx.backend->ChangesSince(ctx.account, folder, 0);
    if (!items.ok()) return items.status();
    for (const auto& item : *items) {
      if (item.deleted) continue;
      if (++searched > ctx.search_max_items || absl::Now() > give_up) {
        return absl::DeadlineExceededError(absl::StrCat("the search read ", searched - 1, " items"));
      }
      pugi::xml_document doc;
      if (!doc.load_string(item.data.c_str())) continue;
      pugi::xml_node data = doc.first_child();
      std::string when = data.child("email:DateReceived").text().get();
      if (when.empty()) when = data.child("calendar:StartTime").text().get();
      if (Matches(data, q)) hits.push_back({when, folder, item.server_id});
    }
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const MailboxHit& a, const MailboxHit& b) { return a.received > b.received; });
  return hits;
}

}  // namespace eas::commands
