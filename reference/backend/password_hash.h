// Password storage: PBKDF2-HMAC-SHA256 with a random 16-byte salt (OpenSSL),
// encoded as "pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>".
#ifndef EAS_REFERENCE_BACKEND_PASSWORD_HASH_H_
#define EAS_REFERENCE_BACKEND_PASSWORD_HASH_H_

#include <string>

#include "absl/strings/string_view.h"

namespace eas::backend {

// OWASP's 2021 figure for PBKDF2-HMAC-SHA256 (about 60 ms here); hashes of
// a lower cost are made anew at the next successful login (NeedsRehash).
inline constexpr int kPasswordIterations = 310000;

std::string HashPassword(absl::string_view password, int iterations = kPasswordIterations);

// Constant-time comparison against a stored hash; false if it is malformed.
bool VerifyPassword(absl::string_view password, absl::string_view stored);

// Whether `stored` was made with fewer iterations than kPasswordIterations.
bool NeedsRehash(absl::string_view stored);

// A hash of kPasswordIterations of no one's password, made once: checking
// against it costs an unknown account what a known one costs.
const std::string& DecoyHash();

}  // namespace eas::backend

#endif  // EAS_REFERENCE_BACKEND_PASSWORD_HASH_H_
