#include "reference/commands/filter_type.h"

#include <cstdio>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "pugixml.hpp"

namespace eas::commands {
namespace {

int64_t WindowSeconds(int filter_type) {
  constexpr int64_t kDay = 24 * 3600;
  switch (filter_type) {
    case 1: return kDay;
    case 2: return 3 * kDay;
    case 3: return 7 * kDay;
    case 4: return 14 * kDay;
    case 5: return 31 * kDay;
    case 6: return 92 * kDay;
    case 7: return 183 * kDay;
    default: return -1;
  }
}

// Mail dates are ISO 8601 with dashes (2026-11-20T08:15:00.000Z), calendar
// dates compact (20261120T081500Z) (MS-ASDTYPE 2.3). Fixed-width fields:
// absl's %Y would swallow the whole compact date.
bool ParseEasTime(const std::string& text, int64_t* seconds) {
  int y, mo, d, h, mi, s;
  char t;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%c%2d:%2d:%2d", &y, &mo, &d, &t, &h, &mi, &s) != 7 &&
      std::sscanf(text.c_str(), "%4d%2d%2d%c%2d%2d%2d", &y, &mo, &d, &t, &h, &mi, &s) != 7) {
    return false;
  }
  if (t != 'T') return false;
  *seconds = absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone()));
  return true;
}

}  // namespace

bool InsideFilter(int filter_type, const std::string& item_class, const std::string& data,
                  int64_t now) {
  if (filter_type <= 0) return true;
  pugi::xml_document doc;
  if (!doc.load_string(data.c_str())) return true;
  pugi::xml_node item = doc.first_child();
  if (item_class == "Tasks") {
    return filter_type != kFilterIncompleteTasks ||
           std::string(item.child("tasks:Complete").text().get()) != "1";
  }
  const int64_t window = WindowSeconds(filter_type);
  if (window < 0) return true;
  int64_t when = 0;
  if (item_class == "Email") {
    if (!ParseEasTime(item.child("email:DateReceived").text().get(), &when)) return true;
  } else if (item_class == "Calendar") {
    if (item.child("calendar:Recurrence")) return true;
    if (!ParseEasTime(item.child("calendar:EndTime").text().get(), &when)) return true;
  } else {
    return true;
  }
  return when >= now - window;
}

}  // namespace eas::commands
