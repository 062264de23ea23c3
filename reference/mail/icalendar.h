// The part of iCalendar (RFC 5545) and iTIP (RFC 5546) meeting mail needs:
// reading the VEVENT of an invitation, writing the attendee's REPLY, and
// the GlobalObjId Exchange clients match meetings by (MS-ASEMAIL 2.2.2.36).
#ifndef EAS_REFERENCE_MAIL_ICALENDAR_H_
#define EAS_REFERENCE_MAIL_ICALENDAR_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eas::mail {

struct Invitation {
  std::string method;  // REQUEST, CANCEL, REPLY
  std::string uid;
  std::string summary, location, description;
  std::string organizer_email, organizer_name;
  int64_t start = 0, end = 0;  // Unix seconds (all-day: midnight UTC)
  bool all_day = false;
  int sequence = 0;
  std::string tzid;  // DTSTART's TZID (an IANA name, or "" for UTC)
};

// The EAS Timezone blob of the invitation: its zone's IANA rule of the
// start year, or UTC.
std::string TimezoneOf(const Invitation& invitation);

// The first VEVENT. DTSTART/DTEND in UTC ("...Z"), with a TZID (converted by
// the IANA rules in /usr/share/zoneinfo) or as a DATE (all day).
// InvalidArgument when there is no VEVENT with a UID and DTSTART.
absl::StatusOr<Invitation> ParseInvitation(absl::string_view ical);

// PARTSTAT for MeetingResponse UserResponse 1/2/3.
const char* PartStat(int user_response);

// The attendee's iTIP REPLY to `invitation` (CRLF line ends, folded at 75).
std::string BuildReply(const Invitation& invitation, const std::string& attendee_email,
                       const std::string& attendee_name, int user_response, int64_t now);

// MS-ASEMAIL GlobalObjId: the base64 of the MAPI Global Object ID that wraps
// a foreign UID ("vCal-Uid" form, MS-OXOCAL 2.2.1.27).
std::string GlobalObjId(const std::string& uid);

}  // namespace eas::mail

#endif  // EAS_REFERENCE_MAIL_ICALENDAR_H_
