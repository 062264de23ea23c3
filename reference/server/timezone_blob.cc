#include "reference/server/timezone_blob.h"

#include <cstdint>

#include "absl/strings/escaping.h"

namespace eas::server {
namespace {

void PutInt32(std::string& out, int32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((static_cast<uint32_t>(v) >> (8 * i)) & 0xFF));
}

void PutUint16(std::string& out, int v) {
  out.push_back(static_cast<char>(v & 0xFF));
  out.push_back(static_cast<char>((v >> 8) & 0xFF));
}

// 32 UTF-16LE code units, zero-padded (the names here are ASCII).
void PutName(std::string& out, const std::string& name) {
  for (size_t i = 0; i < 32; ++i) PutUint16(out, i < name.size() && i < 31 ? name[i] : 0);
}

// SYSTEMTIME: year 0 means "every year", day = occurrence in the month.
void PutTransition(std::string& out, const Transition& t) {
  PutUint16(out, 0);
  PutUint16(out, t.month);
  PutUint16(out, t.day_of_week);
  PutUint16(out, t.occurrence);
  PutUint16(out, t.hour);
  PutUint16(out, 0);
  PutUint16(out, 0);
  PutUint16(out, 0);
}

}  // namespace

ZoneRule EuropeBerlin() {
  return {-60, "W. Europe Standard Time", {10, 0, 5, 3}, "W. Europe Daylight Time", {3, 0, 5, 2}, -60};
}

ZoneRule AmericaNewYork() {
  return {300, "Eastern Standard Time", {11, 0, 1, 2}, "Eastern Daylight Time", {3, 0, 2, 2}, -60};
}

std::string TimezoneBlob(const ZoneRule& rule) {
  std::string raw;
  PutInt32(raw, rule.bias_minutes);
  PutName(raw, rule.standard_name);
  PutTransition(raw, rule.standard);
  PutInt32(raw, 0);
  PutName(raw, rule.daylight_name);
  PutTransition(raw, rule.daylight);
  PutInt32(raw, rule.daylight_bias_minutes);
  return absl::Base64Escape(raw);  // 172 bytes
}

}  // namespace eas::server
