// Small RAII helpers around GMime/GObject for the mail module (internal).
#ifndef EAS_REFERENCE_MAIL_GMIME_SUPPORT_H_
#define EAS_REFERENCE_MAIL_GMIME_SUPPORT_H_

#include <gmime/gmime.h>

#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace eas::mail::internal {

// g_mime_init once per process (thread-safe).
void EnsureGMime();

// Owns one GObject reference.
template <typename T>
class GRef {
 public:
  GRef() = default;
  explicit GRef(T* p) : p_(p) {}
  GRef(const GRef&) = delete;
  GRef& operator=(const GRef&) = delete;
  GRef(GRef&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
  GRef& operator=(GRef&& other) noexcept {
    std::swap(p_, other.p_);
    return *this;
  }
  ~GRef() {
    if (p_ != nullptr) g_object_unref(p_);
  }
  T* get() const { return p_; }
  explicit operator bool() const { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

// The message in `raw`, or null when GMime finds none.
GRef<GMimeMessage> ParseGMimeMessage(absl::string_view raw);

// The options every parse uses: lenient addresses and parameters.
GMimeParserOptions* LenientOptions();

// Serializes an object with CRLF line ends.
std::string ToCrlfString(GMimeObject* object);

// The decoded content of a leaf part.
std::string PartBytes(GMimePart* part);

}  // namespace eas::mail::internal

#endif  // EAS_REFERENCE_MAIL_GMIME_SUPPORT_H_
