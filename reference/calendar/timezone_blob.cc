#include "reference/calendar/timezone_blob.h"

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "reference/calendar/zone_names.h"

namespace eas::calendar {
namespace {

void PutInt32(std::string& out, int32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((static_cast<uint32_t>(v) >> (8 * i)) & 0xFF));
}

void PutUint16(std::string& out, int v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}

// 32 UTF-16LE code units, zero-padded (the names here are ASCII).
void PutName(std::string& out, const std::string& name) {
  for (size_t i = 0; i < 32; ++i) PutUint16(out, i < name.size() && i < 31 ? name[i] : 0);
}

// SYSTEMTIME: year 0 means "every year", day = occurrence in the month.
void PutTransition(std::string& out, const Transition& t) {
  PutUint16(out, 0);
  PutUint16(out, t.month);
  PutUint16(out, t.day_of_week);
  PutUint16(out, t.occurrence);
  PutUint16(out, t.hour);
  PutUint16(out, 0);
  PutUint16(out, 0);
  PutUint16(out, 0);
}

}  // namespace

ZoneRule EuropeBerlin() {
  return {-60, "W. Europe Standard Time", {10, 0, 5, 3}, "W. Europe Daylight Time", {3, 0, 5, 2}, -60};
}

ZoneRule AmericaNewYork() {
  return {300, "Eastern Standard Time", {11, 0, 1, 2}, "Eastern Daylight Time", {3, 0, 2, 2}, -60};
}

namespace {

// A transition instant as SYSTEMTIME's yearly rule: in the local time that
// ended (the clock reading at which it happens), the n-th weekday of the
// month, 5 for the last one.
Transition AsRule(absl::CivilSecond local) {
  Transition t;
  t.month = local.month();
  t.day_of_week = static_cast<int>(absl::GetWeekday(absl::CivilDay(local)));
  // absl: Monday = 0 ... Sunday = 6; SYSTEMTIME: Sunday = 0.
  t.day_of_week = (t.day_of_week + 1) % 7;
  const int days_in_month = static_cast<int>(
      absl::CivilDay(absl::CivilMonth(local) + 1) - absl::CivilDay(absl::CivilMonth(local)));
  t.occurrence = local.day() + 7 > days_in_month ? 5 : (local.day() - 1) / 7 + 1;
  t.hour = local.hour();
  return t;
}

}  // namespace

absl::StatusOr<ZoneRule> RuleFromIana(const std::string& zone, int year) {
  const std::optional<absl::TimeZone> found = FindZone(zone);
  if (!found) return absl::NotFoundError("unknown time zone " + zone.substr(0, 64));
  const absl::TimeZone tz = *found;
  const absl::Time begin = absl::FromCivil(absl::CivilSecond(year, 1, 1, 0, 0, 0), tz);
  const absl::Time end = absl::FromCivil(absl::CivilSecond(year + 1, 1, 1, 0, 0, 0), tz);
  ZoneRule rule;
  // The transitions of the year, skipping changes that only rename.
  std::vector<absl::TimeZone::CivilTransition> changes;
  absl::TimeZone::CivilTransition t;
  // The instant of a transition: the civil time after it is unique when
  // clocks jump forward, repeated when they fall back ("trans" then).
  auto instant = [&](const absl::TimeZone::CivilTransition& c) {
    const absl::TimeZone::TimeInfo info = tz.At(c.to);
    return info.kind == absl::TimeZone::TimeInfo::UNIQUE ? info.pre : info.trans;
  };
  for (absl::Time at = begin; tz.NextTransition(at, &t);) {
    const absl::Time when = instant(t);
    if (when >= end || when <= at) break;
    changes.push_back(t);
    at = when;
  }
  auto info_at = [&](absl::Time when) { return tz.At(when); };
  if (changes.size() < 2) {
    // No DST this year: the offset in the middle of the year.
    const auto mid = info_at(absl::FromCivil(absl::CivilSecond(year, 7, 1, 0, 0, 0), tz));
    rule.bias_minutes = -mid.offset / 60;
    rule.standard_name = rule.daylight_name = mid.zone_abbr;
    return rule;
  }
  // Of the two, the one after which clocks are ahead starts daylight time.
  const auto after_first = info_at(instant(changes[0]) + absl::Seconds(1));
  const auto after_second = info_at(instant(changes[1]) + absl::Seconds(1));
  const bool first_is_dst = after_first.is_dst || after_first.offset > after_second.offset;
  const auto& dst_start = first_is_dst ? changes[0] : changes[1];
  const auto& dst_end = first_is_dst ? changes[1] : changes[0];
  const auto standard = first_is_dst ? after_second : after_first;
  const auto daylight = first_is_dst ? after_first : after_second;
  rule.bias_minutes = -standard.offset / 60;
  rule.daylight_bias_minutes = -(daylight.offset - standard.offset) / 60;
  rule.standard_name = standard.zone_abbr;
  rule.daylight_name = daylight.zone_abbr;
  rule.daylight = AsRule(dst_start.from);
  rule.standard = AsRule(dst_end.from);
  return rule;
}

std::string UtcTimezoneBlob() { return absl::Base64Escape(std::string(172, '\0')); }

std::string IanaTimezoneBlob(const std::string& zone, int year) {
  auto rule = RuleFromIana(zone, year);
  return rule.ok() ? TimezoneBlob(*rule) : UtcTimezoneBlob();
}

std::string TimezoneBlob(const ZoneRule& rule) {
  std::string raw;
  PutInt32(raw, rule.bias_minutes);
  PutName(raw, rule.standard_name);
  PutTransition(raw, rule.standard);
  PutInt32(raw, 0);
  PutName(raw, rule.daylight_name);
  PutTransition(raw, rule.daylight);
  PutInt32(raw, rule.daylight_bias_minutes);
  return absl::Base64Escape(raw);  // 172 bytes
}

}  // namespace eas::calendar
