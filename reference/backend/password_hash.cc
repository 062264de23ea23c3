#include "reference/backend/password_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace eas::backend {
namespace {

constexpr char kScheme[] = "pbkdf2-sha256";
constexpr int kSaltBytes = 16;
constexpr int kHashBytes = 32;

std::string Derive(absl::string_view password, absl::string_view salt, int iterations) {
  unsigned char out[kHashBytes];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), iterations, EVP_sha256(), kHashBytes, out);
  return std::string(reinterpret_cast<char*>(out), kHashBytes);
}

}  // namespace

std::string HashPassword(absl::string_view password, int iterations) {
  unsigned char salt[kSaltBytes];
  RAND_bytes(salt, kSaltBytes);
  const absl::string_view salt_view(reinterpret_cast<char*>(salt), kSaltBytes);
  return absl::StrCat(kScheme, "$", iterations, "$", absl::BytesToHexString(salt_view), "$",
                      absl::BytesToHexString(Derive(password, salt_view, iterations)));
}

bool VerifyPassword(absl::string_view password, absl::string_view stored) {
  std::vector<absl::string_view> parts = absl::StrSplit(stored, '$');
  int iterations = 0;
  if (parts.size() != 4 || parts[0] != kScheme || !absl::SimpleAtoi(parts[1], &iterations) ||
      iterations <= 0) {
    return false;
  }
  const std::string salt = absl::HexStringToBytes(parts[2]);
  const std::string expected = absl::HexStringToBytes(parts[3]);
  if (expected.size() != kHashBytes) return false;
  const std::string actual = Derive(password, salt, iterations);
  return CRYPTO_memcmp(actual.data(), expected.data(), kHashBytes) == 0;
}

bool NeedsRehash(absl::string_view stored) {
  std::vector<absl::string_view> parts = absl::StrSplit(stored, '$');
  int iterations = 0;
  return parts.size() == 4 && absl::SimpleAtoi(parts[1], &iterations) && iterations < kPasswordIterations;
}

const std::string& DecoyHash() {
  static const std::string* decoy = new std::string(HashPassword("no account has this password"));
  return *decoy;
}

}  // namespace eas::backend
