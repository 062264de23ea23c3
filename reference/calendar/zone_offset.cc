#include "reference/calendar/zone_offset.h"

#include "absl/strings/escaping.h"
#include "absl/time/time.h"

namespace eas::calendar {
namespace {

int32_t Int32At(const std::string& raw, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(raw[at + i]);
  return static_cast<int32_t>(v);
}

int Uint16At(const std::string& raw, size_t at) {
  return static_cast<unsigned char>(raw[at]) | (static_cast<unsigned char>(raw[at + 1]) << 8);
}

std::string NameAt(const std::string& raw, size_t at) {
  std::string name;
  for (size_t i = 0; i < 32; ++i) {
    const int c = Uint16At(raw, at + 2 * i);
    if (c == 0) break;
    name.push_back(c < 0x80 ? static_cast<char>(c) : '?');
  }
  return name;
}

// SYSTEMTIME in its yearly form: wMonth, wDayOfWeek, wDay (occurrence), wHour.
Transition TransitionAt(const std::string& raw, size_t at) {
  return {Uint16At(raw, at + 2), Uint16At(raw, at + 4), Uint16At(raw, at + 6), Uint16At(raw, at + 8)};
}

// The day of the n-th (5: last) given weekday (0 = Sunday) of a month.
absl::CivilDay NthWeekday(int64_t year, int month, int day_of_week, int occurrence) {
  const absl::CivilDay first(year, month, 1);
  // absl counts Monday as 0; SYSTEMTIME Sunday.
  const int first_dow = (static_cast<int>(absl::GetWeekday(first)) + 1) % 7;
  absl::CivilDay day = first + (day_of_week - first_dow + 7) % 7 + 7 * (occurrence - 1);
  while (day.month() != month) day -= 7;  // "5" in a month with four
  return day;
}

// A transition of `year` in UTC: its clock reading is local time with
// `bias_minutes` (UTC = local + bias).
int64_t TransitionUtc(const Transition& t, int64_t year, int bias_minutes) {
  const absl::CivilSecond local(NthWeekday(year, t.month, t.day_of_week, t.occurrence));
  return absl::ToUnixSeconds(absl::FromCivil(local + 3600 * t.hour, absl::UTCTimeZone())) + 60 * bias_minutes;
}

}  // namespace

absl::StatusOr<ZoneRule> ParseTimezoneBlob(const std::string& base64) {
  std::string raw;
  if (!absl::Base64Unescape(base64, &raw) || raw.size() != 172) {
    return absl::InvalidArgumentError("a Timezone value is 172 bytes in base64");
  }
  ZoneRule rule;
  rule.bias_minutes = Int32At(raw, 0);
  rule.standard_name = NameAt(raw, 4);
  rule.standard = TransitionAt(raw, 68);
  rule.daylight_name = NameAt(raw, 88);
  rule.daylight = TransitionAt(raw, 152);
  rule.daylight_bias_minutes = Int32At(raw, 168);
  if (rule.standard.month > 12 || rule.daylight.month > 12) return absl::InvalidArgumentError("bad transition month");
  return rule;
}

int UtcOffsetMinutes(const ZoneRule& rule, int64_t unix_seconds) {
  const int standard = -rule.bias_minutes;
  if (rule.standard.month == 0 || rule.daylight.month == 0 || rule.daylight_bias_minutes == 0) return standard;
  const int64_t year = absl::ToCivilSecond(absl::FromUnixSeconds(unix_seconds + 60 * standard),
                                           absl::UTCTimeZone()).year();
  // DST starts at a standard-time reading and ends at a daylight-time one.
  const int64_t starts = TransitionUtc(rule.daylight, year, rule.bias_minutes);
  const int64_t ends = TransitionUtc(rule.standard, year, rule.bias_minutes + rule.daylight_bias_minutes);
  const bool daylight = starts < ends ? (unix_seconds >= starts && unix_seconds < ends)   // north
                                      : (unix_seconds >= starts || unix_seconds < ends);  // south
  return daylight ? standard - rule.daylight_bias_minutes : standard;
}

int64_t LocalMidnight(const ZoneRule& rule, absl::CivilDay day) {
  const int64_t utc_midnight = absl::ToUnixSeconds(absl::FromCivil(day, absl::UTCTimeZone()));
  // Twice: the offset of the guess decides the instant, near a transition
  // the second look settles it.
  int64_t t = utc_midnight - 60 * UtcOffsetMinutes(rule, utc_midnight);
  return utc_midnight - 60 * UtcOffsetMinutes(rule, t);
}

}  // namespace eas::calendar
