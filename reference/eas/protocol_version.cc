#include "reference/eas/protocol_version.h"

#include "absl/strings/str_join.h"

namespace eas {

std::optional<ProtocolVersion> ParseProtocolVersion(absl::string_view text) {
  for (ProtocolVersion v : kAllVersions) {
    if (text == ToString(v)) return v;
  }
  return std::nullopt;
}

std::optional<ProtocolVersion> ProtocolVersionFromByte(int byte) {
  for (ProtocolVersion v : kAllVersions) {
    if (byte == static_cast<int>(v)) return v;
  }
  return std::nullopt;
}

std::string ToString(ProtocolVersion version) {
  const int v = static_cast<int>(version);
  return std::to_string(v / 10) + "." + std::to_string(v % 10);
}

std::string SupportedVersionsHeader() {
  return absl::StrJoin(kAllVersions, ",", [](std::string* out, ProtocolVersion v) {
    out->append(ToString(v));
  });
}

}  // namespace eas
