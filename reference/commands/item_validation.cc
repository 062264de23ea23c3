#include "reference/commands/item_validation.h"

#include <set>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace eas::commands {
namespace {

// MS-ASDTYPE 2.3: a date-time as 2026-11-10T08:15:00.000Z, or the compact
// 20261110T081500Z that calendar elements use (clients mix them).
bool IsDateTime(std::string text) {
  if (text.size() == 16 && text[8] == 'T' && text[15] == 'Z' &&
      text.find_first_not_of("0123456789") == 8 && text.find_first_not_of("0123456789", 9) == 15) {
    // (absl's %Y takes every digit: the compact form is spelled out first.)
    text = absl::StrCat(text.substr(0, 4), "-", text.substr(4, 2), "-", text.substr(6, 2), "T", text.substr(9, 2),
                        ":", text.substr(11, 2), ":", text.substr(13, 2), "Z");
  }
  if (text.size() < 20 || text[4] != '-') return false;
  absl::Time t;
  std::string error;
  return absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", text, &t, &error);
}

struct IntRange {
  int64_t min, max;
};

// Integer elements with the values their specification allows, by the
// stored name; a set where the values are not a range.
const absl::flat_hash_map<std::string, IntRange>& Ranges() {
  static const auto* ranges = new absl::flat_hash_map<std::string, IntRange>{
      // MS-ASCAL 2.2.2
      {"calendar:AllDayEvent", {0, 1}},
      {"calendar:BusyStatus", {0, 4}},
      {"calendar:Sensitivity", {0, 3}},
      {"calendar:Reminder", {0, 0xFFFFFFFFLL}},
      {"calendar:AttendeeStatus", {0, 5}},
      {"calendar:AttendeeType", {1, 3}},
      {"calendar:Interval", {1, 999}},
      {"calendar:Occurrences", {1, 999}},
      {"calendar:DayOfWeek", {1, 127}},
      {"calendar:DayOfMonth", {1, 31}},
      {"calendar:WeekOfMonth", {1, 5}},
      {"calendar:MonthOfYear", {1, 12}},
      {"calendar:FirstDayOfWeek", {0, 6}},
      {"calendar:Deleted", {0, 1}},
      // MS-ASTASK 2.2.2
      {"tasks:Complete", {0, 1}},
      {"tasks:Importance", {0, 2}},
      {"tasks:Sensitivity", {0, 3}},
      {"tasks:ReminderSet", {0, 1}},
      {"tasks:Interval", {1, 999}},
      {"tasks:Occurrences", {1, 999}},
      {"tasks:DayOfWeek", {1, 127}},
      {"tasks:DayOfMonth", {1, 31}},
      {"tasks:WeekOfMonth", {1, 5}},
      {"tasks:MonthOfYear", {1, 12}},
      // MS-ASEMAIL 2.2.2
      {"email:Read", {0, 1}},
      {"email:Importance", {0, 2}},
  };
  return *ranges;
}

const std::set<std::string>& DateTimes() {
  static const auto* names = new std::set<std::string>{
      "calendar:StartTime", "calendar:EndTime", "calendar:DtStamp", "calendar:Until",
      "calendar:ExceptionStartTime", "calendar:AppointmentReplyTime",
      "contacts:Birthday", "contacts:Anniversary",
      "tasks:StartDate", "tasks:UtcStartDate", "tasks:DueDate", "tasks:UtcDueDate", "tasks:DateCompleted",
      "tasks:ReminderTime", "tasks:Until",
      "email:DateReceived", "tasks:CompleteTime", "email:CompleteTime"};
  return *names;
}

absl::Status Invalid(const std::string& name, const std::string& text, const char* why) {
  return absl::InvalidArgumentError(absl::StrCat(name, " \"", text.substr(0, 40), "\": ", why));
}

absl::Status CheckValues(pugi::xml_node node) {
  for (pugi::xml_node c : node.children()) {
    if (c.type() != pugi::node_element) continue;
    const std::string name = c.name();
    const std::string text = c.text().get();
    if (c.first_child() && c.first_child().type() == pugi::node_element) {
      if (absl::Status s = CheckValues(c); !s.ok()) return s;
      continue;
    }
    if (auto range = Ranges().find(name); range != Ranges().end()) {
      int64_t value = 0;
      if (text.empty()) continue;  // an empty element: no value
      if (!absl::SimpleAtoi(text, &value) || value < range->second.min || value > range->second.max) {
        return Invalid(name, text, absl::StrCat("not an integer from ", range->second.min, " to ",
                                                range->second.max).c_str());
      }
    } else if (DateTimes().count(name) && !text.empty() && !IsDateTime(text)) {
      return Invalid(name, text, "not a date and time (MS-ASDTYPE 2.3)");
    } else if (name == "calendar:MeetingStatus") {
      static const std::set<std::string> allowed = {"0", "1", "3", "5", "7", "9", "11", "13", "15"};
      if (!allowed.count(text)) return Invalid(name, text, "not a MeetingStatus of MS-ASCAL 2.2.2.29");
    } else if (name == "calendar:Type" || name == "tasks:Type") {
      static const std::set<std::string> allowed = {"0", "1", "2", "3", "5", "6"};
      if (!allowed.count(text)) return Invalid(name, text, "not a recurrence type of MS-ASCAL 2.2.2.44");
    }
  }
  return absl::OkStatus();
}

// A recurrence says how it repeats (MS-ASCAL 2.2.2.38: Type is required);
// one with nothing in it is no recurrence and is dropped.
absl::Status CheckRecurrence(pugi::xml_node data, const char* recurrence, const char* type) {
  pugi::xml_node r = data.child(recurrence);
  if (!r) return absl::OkStatus();
  if (!r.first_child() || (r.first_child().type() == pugi::node_pcdata && !r.first_child().next_sibling() &&
                           std::string(r.text().get()).find_first_not_of(" \t\r\n") == std::string::npos)) {
    data.remove_child(r);
    return absl::OkStatus();
  }
  if (!r.child(type)) return Invalid(recurrence, "", "a recurrence without its Type");
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckItemFromDevice(const std::string& item_class, pugi::xml_node application_data) {
  if (item_class == "Calendar") {
    // MS-ASCAL 2.2.2.42: base64 of a 172-byte TIME_ZONE_INFORMATION.
    if (pugi::xml_node tz = application_data.child("calendar:Timezone")) {
      std::string bytes;
      if (!absl::Base64Unescape(tz.text().get(), &bytes) || bytes.size() != 172) {
        return Invalid("calendar:Timezone", tz.text().get(),
                       "not base64 of a 172-byte TIME_ZONE_INFORMATION (MS-ASCAL 2.2.2.42)");
      }
    }
    if (absl::Status s = CheckRecurrence(application_data, "calendar:Recurrence", "calendar:Type"); !s.ok()) {
      return s;
    }
  } else if (item_class == "Tasks") {
    if (absl::Status s = CheckRecurrence(application_data, "tasks:Recurrence", "tasks:Type"); !s.ok()) return s;
  }
  return CheckValues(application_data);
}

}  // namespace eas::commands
