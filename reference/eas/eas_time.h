// The two forms EAS writes times in, UTC: compact ("20261130T080000Z", the
// calendar and tasks pages' StartTime and the like) and ISO with
// milliseconds ("2026-11-24T08:00:00.000Z": email DateReceived, Oof,
// ResolveRecipients, Birthday) (MS-ASDTYPE 2.3).
#ifndef EAS_REFERENCE_EAS_EAS_TIME_H_
#define EAS_REFERENCE_EAS_EAS_TIME_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace eas {

// Unix seconds of either form (fractions dropped); nullopt for anything else.
std::optional<int64_t> ParseEasTime(absl::string_view text);

std::string CompactUtc(int64_t unix_seconds);  // "20261130T080000Z"
std::string IsoUtc(int64_t unix_seconds);      // "2026-11-30T08:00:00.000Z"

}  // namespace eas

#endif  // EAS_REFERENCE_EAS_EAS_TIME_H_
