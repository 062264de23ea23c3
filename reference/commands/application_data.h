// AirSync ApplicationData between the wire DOM and the store: the stored
// form is a standalone <ApplicationData> with its namespaces declared
// (backend/sqlite_store.h); the wire form lives inside a Sync DOM whose root
// declares the page prefixes (docs/wbxml.md).
#ifndef EAS_REFERENCE_COMMANDS_APPLICATION_DATA_H_
#define EAS_REFERENCE_COMMANDS_APPLICATION_DATA_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "pugixml.hpp"
#include "reference/eas/protocol_version.h"

namespace eas::commands {

// A client's <ApplicationData> from a decoded request, as the store keeps it.
// A 2.5 client's body (email:Body, contacts:Body, ... with BodySize and
// BodyTruncated) is kept as airsyncbase:Body, the form every version reads.
std::string ToStoredForm(pugi::xml_node application_data);

// Ghosting (MS-ASCMD 2.2.3.168 Supported; ../shared/device-notes.md quirk
// 7): a Change replaces the properties it carries and keeps every other one
// (iOS 4 omits Supported and would otherwise lose fields it never shows).
absl::StatusOr<std::string> MergeChange(const std::string& stored, pugi::xml_node change);

// What the device asked for as body: AirSyncBase BodyPreference
// TruncationSize (12.0+) or the 2.5 Truncation option, as bytes.
struct BodyPreference {
  std::optional<uint32_t> truncation_size;
};

// The body preference in an Options element (Sync, Search, ItemOperations):
// AirSyncBase BodyPreference TruncationSize, or 2.5's Truncation code.
BodyPreference ReadBodyPreference(pugi::xml_node options, ProtocolVersion version);

// MS-ASCMD 2.2.3.178 (2.5 Truncation): 0 -> 0, 1 -> 4096, 2 -> 5120,
// 3 -> 7168, 4 -> 10240, 5 -> 20480, 6 -> 51200, 7 -> 102400, 8 -> all.
std::optional<uint32_t> Truncation25Bytes(int code);

// Appends the stored item's properties under `target` (a wire
// <ApplicationData>), keeping only the elements `version` knows (the code
// page table's since/until) and truncating the body to the preference; for
// 2.5 the body becomes the class page's own Body/BodySize/BodyTruncated.
// Declares the prefixes it uses on `root`.
absl::Status AppendForDevice(const std::string& stored, pugi::xml_node target,
                             pugi::xml_node root, ProtocolVersion version,
                             const BodyPreference& body);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_APPLICATION_DATA_H_
