// OX objects (HTTP API JSON) and EAS items (AirSync ApplicationData) in
// both directions, for contacts, appointments and tasks. Column ids are OX's
// ("Column identifiers" of the HTTP API); times in OX are milliseconds UTC.
#ifndef EAS_REFERENCE_BACKEND_OX_OX_CONVERT_H_
#define EAS_REFERENCE_BACKEND_OX_OX_CONVERT_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace eas::backend::ox {

// "contacts", "calendar", "tasks": the OX module of an EAS class and back.
std::string ModuleOfClass(const std::string& item_class);
std::string ClassOfModule(const std::string& module);

// The columns the connector reads for a module ("1,5,20,..."), and one row
// of them (an array in that order) as an object keyed by field name.
std::string Columns(const std::string& module);
nlohmann::json RowToObject(const std::string& module, const nlohmann::json& row);

// An OX object as the store form of an EAS item (a standalone
// <ApplicationData>).
std::string ToApplicationData(const std::string& module, const nlohmann::json& object);

// An EAS item as the fields of an OX object (no id or folder_id).
absl::StatusOr<nlohmann::json> FromApplicationData(const std::string& module, const std::string& xml);

}  // namespace eas::backend::ox

#endif  // EAS_REFERENCE_BACKEND_OX_OX_CONVERT_H_
