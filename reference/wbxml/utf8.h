// UTF-8 validation for WBXML inline strings (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF).
#ifndef EAS_REFERENCE_WBXML_UTF8_H_
#define EAS_REFERENCE_WBXML_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

namespace eas::wbxml {

// Returns the offset of the first byte that is not part of valid UTF-8, or
// text.size() when all of it is valid.
size_t FindInvalidUtf8(absl::string_view text);

inline bool IsValidUtf8(absl::string_view text) {
  return FindInvalidUtf8(text) == text.size();
}

// Appends the UTF-8 form of a Unicode scalar value; false if it is not one.
bool AppendUtf8(uint32_t code_point, std::string& out);

}  // namespace eas::wbxml

#endif  // EAS_REFERENCE_WBXML_UTF8_H_
