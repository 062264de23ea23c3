// Password storage: PBKDF2-HMAC-SHA256 with a random 16-byte salt (OpenSSL),
// encoded as "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>".
#ifndef EAS_REFERENCE_BACKEND_PASSWORD_HASH_H_
#define EAS_REFERENCE_BACKEND_PASSWORD_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace eas::backend {

inline constexpr int kPasswordIterations = 20000;

std::string HashPassword(absl::string_view password, int iterations = kPasswordIterations);

// Constant-time comparison against a stored hash; false if it is malformed.
bool VerifyPassword(absl::string_view password, absl::string_view stored);

}  // namespace eas::backend

#endif  // EAS_REFERENCE_BACKEND_PASSWORD_HASH_H_
