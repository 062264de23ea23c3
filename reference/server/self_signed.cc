#include "reference/server/self_signed.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"

namespace eas::server {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;

absl::Status Fail(const std::string& what) {
  return absl::InternalError("self-signed certificate: " + what);
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  const bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

}  // namespace

absl::Status EnsureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                         const std::string& host_name) {
  if (std::filesystem::exists(cert_path) && std::filesystem::exists(key_path)) {
    return absl::OkStatus();
  }
  Key key(EVP_RSA_gen(2048));
  if (!key) return Fail("cannot generate an RSA key");
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof(serial));
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("EAS reference server"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(host_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (!AddExtension(cert.get(), NID_subject_alt_name,
                    absl::StrCat("DNS:", host_name, ",DNS:localhost,IP:127.0.0.1")) ||
      !AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "serverAuth")) {
    return Fail("cannot add extensions");
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) return Fail("cannot sign");

  const mode_t old_mask = umask(077);
  FILE* key_file = std::fopen(key_path.c_str(), "w");
  umask(old_mask);
  if (key_file == nullptr) return Fail("cannot write " + key_path);
  const bool key_ok = PEM_write_PrivateKey(key_file, key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  std::fclose(key_file);
  // An existing file keeps its mode through fopen: the key is 0600 whatever
  // it was (issue 15).
  chmod(key_path.c_str(), 0600);
  FILE* cert_file = std::fopen(cert_path.c_str(), "w");
  if (cert_file == nullptr) return Fail("cannot write " + cert_path);
  const bool cert_ok = PEM_write_X509(cert_file, cert.get()) == 1;
  std::fclose(cert_file);
  if (!key_ok || !cert_ok) return Fail("cannot write PEM");
  return absl::OkStatus();
}

}  // namespace eas::server
