// Birthdays and anniversaries (MS-ASCNTC 2.2.2.5, 2.2.2.2) are dates that
// travel as times, and clients disagree on the time (device-notes quirk
// 16): stock Android keeps them at 08:00 UTC of the day, BlackBerry 10 at
// 11:00 UTC, iOS at local midnight. The store keeps the day at 00:00 UTC;
// this converts for the clients the quirk table names.
#ifndef EAS_REFERENCE_COMMANDS_BIRTHDAYS_H_
#define EAS_REFERENCE_COMMANDS_BIRTHDAYS_H_

#include <optional>

#include "pugixml.hpp"
#include "reference/calendar/timezone_blob.h"
#include "reference/commands/command.h"

namespace eas::commands {

class BirthdayForm {
 public:
  // The form of this request's client: its quirks, and for local-midnight
  // clients the zone it last described in a calendar item (noon UTC of the
  // day until it has: that is the right day from UTC-11 to UTC+11).
  static BirthdayForm For(CommandContext& ctx);

  bool as_stored() const { return kind_ == kAsStored; }
  // The stored dates of an item (its ApplicationData) as the client keeps them.
  void ToDevice(pugi::xml_node data) const;
  // The client's dates back to the day: the nearest day's start (a local
  // midnight is within 12 hours of it, and so are 08:00 and 11:00 UTC).
  void FromDevice(pugi::xml_node data) const;

  // A calendar item from the device carries its zone (MS-ASCAL 2.2.2.46):
  // remembered for local-midnight clients.
  static void LearnZone(CommandContext& ctx, pugi::xml_node application_data);

 private:
  enum Kind { kAsStored, kUtcHour, kLocalMidnight };
  Kind kind_ = kAsStored;
  int hour_ = 0;
  std::optional<calendar::ZoneRule> zone_;
};

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_BIRTHDAYS_H_
