// The EAS Timezone value (MS-ASDTYPE 2.7.4): a base64 TIME_ZONE_INFORMATION
// structure of 172 bytes built from a zone's standard/daylight rule.
#ifndef EAS_REFERENCE_SERVER_TIMEZONE_BLOB_H_
#define EAS_REFERENCE_SERVER_TIMEZONE_BLOB_H_

#include <string>

namespace eas::server {

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

// Today's rules of the zones the demo uses. (Deriving the structure from the
// IANA database for any zone and year belongs to the sync engine.)
ZoneRule EuropeBerlin();
ZoneRule AmericaNewYork();

std::string TimezoneBlob(const ZoneRule& rule);

}  // namespace eas::server

#endif  // EAS_REFERENCE_SERVER_TIMEZONE_BLOB_H_
