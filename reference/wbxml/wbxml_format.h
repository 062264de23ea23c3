// WBXML 1.3 framing (WAP-192-WBXML-20010725): global tokens, the header, and
// multi-byte unsigned integers (mb_u_int32, section 5.1).
#ifndef EAS_REFERENCE_WBXML_WBXML_FORMAT_H_
#define EAS_REFERENCE_WBXML_WBXML_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

namespace eas::wbxml {

// Global tokens (WBXML 1.3 section 7.1).
inline constexpr uint8_t kSwitchPage = 0x00;
inline constexpr uint8_t kEnd = 0x01;
inline constexpr uint8_t kEntity = 0x02;
inline constexpr uint8_t kStrI = 0x03;
inline constexpr uint8_t kLiteral = 0x04;
inline constexpr uint8_t kExtI0 = 0x40;
inline constexpr uint8_t kExtI1 = 0x41;
inline constexpr uint8_t kExtI2 = 0x42;
inline constexpr uint8_t kPi = 0x43;
inline constexpr uint8_t kLiteralC = 0x44;
inline constexpr uint8_t kExtT0 = 0x80;
inline constexpr uint8_t kExtT1 = 0x81;
inline constexpr uint8_t kExtT2 = 0x82;
inline constexpr uint8_t kStrT = 0x83;
inline constexpr uint8_t kLiteralA = 0x84;
inline constexpr uint8_t kExt0 = 0xC0;
inline constexpr uint8_t kExt1 = 0xC1;
inline constexpr uint8_t kExt2 = 0xC2;
inline constexpr uint8_t kOpaque = 0xC3;
inline constexpr uint8_t kLiteralAc = 0xC4;

// Tag byte flags (section 5.8.2).
inline constexpr uint8_t kTagHasContent = 0x40;
inline constexpr uint8_t kTagHasAttributes = 0x80;
inline constexpr uint8_t kTagIdentityMask = 0x3F;

// The header as Exchange writes it: WBXML 1.3, unknown public identifier,
// UTF-8 (IANA MIBenum 106), empty string table.
inline constexpr uint8_t kVersion13 = 0x03;
inline constexpr uint32_t kPublicIdUnknown = 0x01;
inline constexpr uint32_t kCharsetUtf8 = 106;
inline constexpr uint32_t kCharsetUsAscii = 3;
inline constexpr uint32_t kCharsetUnknown = 0;
inline constexpr char kExchangeHeader[] = {0x03, 0x01, 0x6A, 0x00};

// An mb_u_int32 takes at most 5 bytes: 7 payload bits each, 32 bits in all.
inline constexpr int kMaxMultiByteLength = 5;

enum class MultiByteError { kNone, kTruncated, kTooLong };

// Reads an mb_u_int32 at data[*pos]; advances *pos past it on success.
inline MultiByteError ReadMultiByte(absl::string_view data, size_t* pos,
                                    uint32_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < kMaxMultiByteLength; ++i) {
    if (*pos >= data.size()) return MultiByteError::kTruncated;
    uint8_t byte = static_cast<uint8_t>(data[(*pos)++]);
    result = (result << 7) | (byte & 0x7F);
    if ((byte & 0x80) == 0) {
      if (result > 0xFFFFFFFFu) return MultiByteError::kTooLong;
      *value = static_cast<uint32_t>(result);
      return MultiByteError::kNone;
    }
  }
  return MultiByteError::kTooLong;
}

inline void AppendMultiByte(uint32_t value, std::string& out) {
  char buffer[kMaxMultiByteLength];
  int n = kMaxMultiByteLength;
  buffer[--n] = static_cast<char>(value & 0x7F);
  value >>= 7;
  while (value != 0) {
    buffer[--n] = static_cast<char>(0x80 | (value & 0x7F));
    value >>= 7;
  }
  out.append(buffer + n, kMaxMultiByteLength - n);
}

}  // namespace eas::wbxml

#endif  // EAS_REFERENCE_WBXML_WBXML_FORMAT_H_
