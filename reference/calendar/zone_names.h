// Time zone ids from clients and groupware (an invitation's TZID, OX's
// timezone field) are names, never paths: only the IANA names of the
// system's time zone database are looked up; anything else (a Windows name
// like "W. Europe Standard Time", "../../etc/shadow", "/dev/stdin") is not
// a zone. Every name is loaded once, so no lookup reads a file after
// PreloadZones (lookups happen inside store transactions).
#ifndef EAS_REFERENCE_CALENDAR_ZONE_NAMES_H_
#define EAS_REFERENCE_CALENDAR_ZONE_NAMES_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace eas::calendar {

// Whether `name` is an IANA zone or link name of the system's database
// (/usr/share/zoneinfo/tzdata.zi), read once.
bool IsZoneName(absl::string_view name);

// The zone of an IANA name; nullopt for anything else.
std::optional<absl::TimeZone> FindZone(absl::string_view name);

// Loads every zone of the database now: at start, before requests come.
// Returns how many.
int PreloadZones();

}  // namespace eas::calendar

#endif  // EAS_REFERENCE_CALENDAR_ZONE_NAMES_H_
