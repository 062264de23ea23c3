#include "reference/eas/eas_time.h"

#include "absl/time/time.h"

namespace eas {

std::optional<int64_t> ParseEasTime(absl::string_view text) {
  absl::Time t;
  std::string error;
  // %E4Y: exactly four digits, else %Y would swallow the month and day.
  if (absl::ParseTime("%E4Y%m%dT%H%M%SZ", text, absl::UTCTimeZone(), &t, &error) ||
      absl::ParseTime("%E4Y-%m-%dT%H:%M:%E*SZ", text, absl::UTCTimeZone(), &t, &error)) {
    return absl::ToUnixSeconds(t);
  }
  return std::nullopt;
}

std::string CompactUtc(int64_t unix_seconds) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone());
}

std::string IsoUtc(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixSeconds(unix_seconds), absl::UTCTimeZone());
}

}  // namespace eas
