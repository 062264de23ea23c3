// Reading a device's EAS Timezone value (MS-ASDTYPE 2.7.4) back into its
// rule, and the offset that rule gives at an instant: what the server
// needs to place a date at the device's local midnight (iOS birthdays,
// device-notes quirk 16).
#ifndef EAS_REFERENCE_CALENDAR_ZONE_OFFSET_H_
#define EAS_REFERENCE_CALENDAR_ZONE_OFFSET_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "reference/calendar/timezone_blob.h"

namespace eas::calendar {

// The rule a base64 TIME_ZONE_INFORMATION (172 bytes) describes.
// InvalidArgument for anything else.
absl::StatusOr<ZoneRule> ParseTimezoneBlob(const std::string& base64);

// Local time minus UTC, in minutes, at `unix_seconds` under `rule` (its
// yearly transitions applied to the year of that instant).
int UtcOffsetMinutes(const ZoneRule& rule, int64_t unix_seconds);

// The instant (Unix seconds) at which `day` begins in the zone of `rule`.
int64_t LocalMidnight(const ZoneRule& rule, absl::CivilDay day);

}  // namespace eas::calendar

#endif  // EAS_REFERENCE_CALENDAR_ZONE_OFFSET_H_
