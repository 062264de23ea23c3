// The EAS Timezone value (MS-ASDTYPE 2.7.4): a base64 TIME_ZONE_INFORMATION
// structure of 172 bytes built from a zone's standard/daylight rule, and
// that rule derived from the IANA time zone database (/usr/share/zoneinfo,
// through absl) for the year an event falls in: zones whose rules changed
// (Sao Paulo dropped DST in 2019, Europe/Moscow in 2011) get the rule of
// that year, not today's.
#ifndef EAS_REFERENCE_CALENDAR_TIMEZONE_BLOB_H_
#define EAS_REFERENCE_CALENDAR_TIMEZONE_BLOB_H_

#include <string>

#include "absl/status/statusor.h"

namespace eas::calendar {

// A yearly transition: month, day of week (0 = Sunday), occurrence in the
// month (5 = last) and local hour, as SYSTEMTIME expresses it.
struct Transition {
  int month = 0;
  int day_of_week = 0;
  int occurrence = 0;
  int hour = 0;
};

struct ZoneRule {
  int bias_minutes = 0;  // UTC = local + bias (Berlin: -60)
  std::string standard_name;
  Transition standard;
  std::string daylight_name;
  Transition daylight;
  int daylight_bias_minutes = 0;  // -60 where DST exists
};

// The rule of an IANA zone ("Europe/Berlin") in `year`: the standard
// offset, and when DST starts and ends as "n-th weekday of month at local
// hour" (occurrence 5 = the last). NotFound for an unknown zone. Zones
// without DST that year have no transitions (month 0). Names are the IANA
// abbreviations of the two periods ("CET", "CEST").
absl::StatusOr<ZoneRule> RuleFromIana(const std::string& zone, int year);

// Hand-written rules of two zones, for tests to hold RuleFromIana to.
ZoneRule EuropeBerlin();
ZoneRule AmericaNewYork();

std::string TimezoneBlob(const ZoneRule& rule);
// The UTC blob (all zero): times are UTC.
std::string UtcTimezoneBlob();
// RuleFromIana then TimezoneBlob; the UTC blob for an unknown zone.
std::string IanaTimezoneBlob(const std::string& zone, int year);

}  // namespace eas::calendar

#endif  // EAS_REFERENCE_CALENDAR_TIMEZONE_BLOB_H_
