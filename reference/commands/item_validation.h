// The typed fields of an item a client sends in a Sync Add or Change,
// checked before it is stored (MS-ASDTYPE data types; the element tables of
// MS-ASCAL, MS-ASCNTC, MS-ASTASK, MS-ASEMAIL): a value another client could
// not read is refused for that item (Sync Status 6, "error in client/server
// conversion") and the rest of the request goes on, so nothing malformed is
// ever passed on.
#ifndef EAS_REFERENCE_COMMANDS_ITEM_VALIDATION_H_
#define EAS_REFERENCE_COMMANDS_ITEM_VALIDATION_H_

#include <string>

#include "absl/status/status.h"
#include "pugixml.hpp"

namespace eas::commands {

// OK, or InvalidArgument naming the field and what is wrong with it. An
// empty calendar:Recurrence (iOS sends one for a single appointment) says
// nothing and is removed from `application_data`.
absl::Status CheckItemFromDevice(const std::string& item_class, pugi::xml_node application_data);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_ITEM_VALIDATION_H_
