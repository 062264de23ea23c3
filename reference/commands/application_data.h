// AirSync ApplicationData between the wire DOM and the store: the stored
// form is a standalone <ApplicationData> with its namespaces declared
// (backend/sqlite_store.h); the wire form lives inside a Sync DOM whose root
// declares the page prefixes (docs/wbxml.md).
#ifndef EAS_REFERENCE_COMMANDS_APPLICATION_DATA_H_
#define EAS_REFERENCE_COMMANDS_APPLICATION_DATA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pugixml.hpp"
#include "reference/eas/protocol_version.h"

namespace eas::commands {

// A client's <ApplicationData> from a decoded request, as the store keeps it.
// A 2.5 client's body (email:Body, contacts:Body, ... with BodySize and
// BodyTruncated) is kept as airsyncbase:Body, the form every version reads.
std::string ToStoredForm(pugi::xml_node application_data);

// Ghosting (MS-ASCMD 2.2.3.179 Supported): what the client's first Sync of
// the folder said. `declared` false (no Supported element): nothing is
// ghosted, so a Change that leaves out an element that can be ghosted
// (MS-ASCNTC, MS-ASCAL: "can be ghosted") clears it. Declared: the elements
// it named are not ghosted (left out: cleared), every other is ghosted
// (left out: kept); an empty declaration ghosts everything.
struct Ghosting {
  bool declared = true;
  std::vector<std::string> not_ghosted;
};

// True if `element` (a stored name, "contacts:JobTitle") of an item of
// `item_class` is one the class specification lets a client ghost.
bool CanBeGhosted(const std::string& item_class, const std::string& element);

// A Change merged into the stored item: the properties it carries replace
// the stored ones; one it leaves out is cleared or kept by `ghosting`.
// Elements that cannot be ghosted and all Email and Tasks properties are
// kept when left out: their specifications define no clearing by omission
// (an Email Change carries only Read, Flag and Categories).
absl::StatusOr<std::string> MergeChange(const std::string& stored, pugi::xml_node change,
                                        const std::string& item_class, const Ghosting& ghosting);

// One AirSyncBase BodyPreference (MS-ASAIRS 2.2.2.7): the body type the
// client takes, how much of it, all or nothing, and a text preview (14.0+).
struct BodyWish {
  int type = 1;  // 1 plain text, 2 HTML, 3 RTF, 4 MIME
  std::optional<uint32_t> truncation_size;
  bool all_or_none = false;
  std::optional<uint32_t> preview;  // characters, at most 255
};

// What the device asked for as body: AirSyncBase BodyPreference elements
// (12.0+), or 2.5's Truncation; MIMESupport (MS-ASCMD 2.2.3.106) and 2.5's
// MIMETruncation.
struct BodyPreference {
  std::vector<BodyWish> wishes;              // empty: the stored body as it is
  std::optional<uint32_t> truncation_size;   // 2.5 Truncation
  int mime_support = 0;                      // 0 never, 1 S/MIME only, 2 always
  std::optional<uint32_t> mime_truncation;   // 2.5 MIMETruncation
  // True when an Email item should travel as its MIME (the caller fetches
  // it): BodyPreference Type 4 from 12.0, MIMESupport 2 on 2.5.
  bool WantsMime(ProtocolVersion version) const;
};

// The body preference in an Options element (Sync, Search, ItemOperations).
BodyPreference ReadBodyPreference(pugi::xml_node options, ProtocolVersion version);

// MS-ASCMD 2.2.3.185 (Truncation, the 2.5 body): 0 -> 0 characters,
// 1 -> 512, 2 -> 1024, 3 -> 2048, 4 -> 5120, 5 -> 10240, 6 -> 20480,
// 7 -> 51200, 8 -> 102400, 9 -> all.
std::optional<uint32_t> TruncationChars(int code);
// MS-ASCMD 2.2.3.111 (MIMETruncation): 0 -> 0, 1 -> 4096, 2 -> 5120,
// 3 -> 7168, 4 -> 10240, 5 -> 20480, 6 -> 51200, 7 -> 102400, 8 -> all.
std::optional<uint32_t> MimeTruncationChars(int code);

// Appends the stored item's properties under `target` (a wire
// <ApplicationData>), keeping only the elements `version` knows (the code
// page table's since/until) and truncating the body to the preference; for
// 2.5 the body becomes the class page's own Body/BodySize/BodyTruncated.
// Declares the prefixes it uses on `root`.
// `mime`, when given, is the item's MIME for a device that wants it
// (BodyPreference::WantsMime); HTML bodies go to text-only clients as text.
absl::Status AppendForDevice(const std::string& stored, pugi::xml_node target,
                             pugi::xml_node root, ProtocolVersion version,
                             const BodyPreference& body, const std::string* mime = nullptr);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_APPLICATION_DATA_H_
