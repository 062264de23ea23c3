#include "reference/devices/device_quirks.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace eas::devices {
namespace {

constexpr char kEmbeddedTable[] =
#include "reference/devices/quirks_embedded.inc"
    ;

}  // namespace

absl::StatusOr<std::unique_ptr<QuirkTable>> QuirkTable::Parse(absl::string_view text) {
  auto table = std::make_unique<QuirkTable>();
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::pair<absl::string_view, absl::string_view> kw = absl::StrSplit(line, absl::MaxSplits(' ', 1));
    if (kw.first == "quirk") {
      std::pair<absl::string_view, absl::string_view> nb = absl::StrSplit(kw.second, absl::MaxSplits(' ', 1));
      if (nb.first.empty() || nb.second.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("quirks.txt line ", number, ": quirk needs a name and a behaviour"));
      }
      table->quirks_.push_back({std::string(nb.first), std::string(nb.second), {}, {}, {}, 0});
      continue;
    }
    if (table->quirks_.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("quirks.txt line ", number, ": before any quirk"));
    }
    Quirk& q = table->quirks_.back();
    if (kw.first == "source") {
      q.sources.emplace_back(kw.second);
    } else if (kw.first == "match") {
      for (absl::string_view m : absl::StrSplit(kw.second, ' ', absl::SkipEmpty())) {
        if (absl::ConsumePrefix(&m, "devicetype=")) {
          q.device_types.emplace_back(m);
        } else if (absl::ConsumePrefix(&m, "useragent=")) {
          q.user_agent_prefixes.emplace_back(m);
        } else {
          return absl::InvalidArgumentError(absl::StrCat("quirks.txt line ", number, ": bad match ", m));
        }
      }
    } else if (kw.first == "deadline") {
      if (!absl::SimpleAtoi(kw.second, &q.deadline_seconds) || q.deadline_seconds <= 0) {
        return absl::InvalidArgumentError(absl::StrCat("quirks.txt line ", number, ": deadline needs seconds"));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("quirks.txt line ", number, ": unknown keyword ", kw.first));
    }
  }
  for (const Quirk& q : table->quirks_) {
    if (q.sources.empty()) return absl::InvalidArgumentError("quirk " + q.name + " cites no source");
  }
  return table;
}

const QuirkTable& QuirkTable::Default() {
  static const QuirkTable* table = [] {
    auto parsed = Parse(kEmbeddedTable);
    if (!parsed.ok()) {
      std::fprintf(stderr, "embedded quirk table: %s\n", parsed.status().ToString().c_str());
      std::abort();
    }
    return parsed->release();
  }();
  return *table;
}

const Quirk* QuirkTable::Find(absl::string_view name) const {
  for (const Quirk& q : quirks_) {
    if (q.name == name) return &q;
  }
  return nullptr;
}

std::set<std::string> QuirkTable::For(absl::string_view device_type, absl::string_view user_agent,
                                      const std::set<std::string>& disabled,
                                      const std::set<std::string>& forced) const {
  std::set<std::string> result = forced;
  for (const Quirk& q : quirks_) {
    if (disabled.count(q.name)) continue;
    bool applies = false;
    for (const auto& t : q.device_types) applies |= device_type == t;
    for (const auto& p : q.user_agent_prefixes) applies |= absl::StartsWith(user_agent, p);
    if (applies) result.insert(q.name);
  }
  for (const auto& d : disabled) result.erase(d);
  return result;
}

int QuirkTable::DeadlineSeconds(const std::set<std::string>& applied) const {
  int shortest = 0;
  for (const Quirk& q : quirks_) {
    if (q.deadline_seconds > 0 && applied.count(q.name) &&
        (shortest == 0 || q.deadline_seconds < shortest)) {
      shortest = q.deadline_seconds;
    }
  }
  return shortest;
}

}  // namespace eas::devices
