// EAS protocol versions (MS-ASHTTP 2.2.1.1.2.4 MS-ASProtocolVersion).
#ifndef EAS_REFERENCE_EAS_PROTOCOL_VERSION_H_
#define EAS_REFERENCE_EAS_PROTOCOL_VERSION_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace eas {

// Ordered, so versions compare with < and >=.
enum class ProtocolVersion : int {
  k2_5 = 25,
  k12_0 = 120,
  k12_1 = 121,
  k14_0 = 140,
  k14_1 = 141,
  k16_0 = 160,
  k16_1 = 161,
};

inline constexpr ProtocolVersion kAllVersions[] = {
    ProtocolVersion::k2_5,  ProtocolVersion::k12_0, ProtocolVersion::k12_1,
    ProtocolVersion::k14_0, ProtocolVersion::k14_1, ProtocolVersion::k16_0,
    ProtocolVersion::k16_1};

// "12.1" -> k12_1; nullopt for anything the server does not speak.
std::optional<ProtocolVersion> ParseProtocolVersion(absl::string_view text);

// The first byte of a base64 query: the version times ten (121 for 12.1).
std::optional<ProtocolVersion> ProtocolVersionFromByte(int byte);

std::string ToString(ProtocolVersion version);

// "2.5,12.0,12.1,14.0,14.1,16.0,16.1": the MS-ASProtocolVersions header.
std::string SupportedVersionsHeader();

inline bool operator<(ProtocolVersion a, ProtocolVersion b) {
  return static_cast<int>(a) < static_cast<int>(b);
}
inline bool operator>=(ProtocolVersion a, ProtocolVersion b) { return !(a < b); }
inline bool operator<=(ProtocolVersion a, ProtocolVersion b) { return !(b < a); }
inline bool operator>(ProtocolVersion a, ProtocolVersion b) { return b < a; }

}  // namespace eas

#endif  // EAS_REFERENCE_EAS_PROTOCOL_VERSION_H_
