#include "reference/commands/validate_cert.h"
#include "reference/commands/request_limits.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "reference/eas/status_codes.h"
#include "reference/wbxml/dom.h"

namespace eas::commands {
namespace {

namespace st = eas::status::validate_cert;

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using Cert = std::unique_ptr<X509, X509Free>;

// Certificates travel base64 encoded (MS-ASCMD 2.2.3.19.1); a decoder may
// also hand them over as opaque bytes.
Cert ReadCert(pugi::xml_node node) {
  auto content = wbxml::ContentBytes(node);
  if (!content.ok()) return nullptr;
  std::string der;
  if (wbxml::IsOpaque(node) || !absl::Base64Unescape(*content, &der)) der = *content;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  return Cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

int StatusOfVerifyError(int error) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID: return st::kExpired;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: return st::kSignatureNotValidated;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_CERT_UNTRUSTED: return st::kUntrustedSource;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG: return st::kChainNotCreated;
    case X509_V_ERR_INVALID_PURPOSE: return st::kNotValidForSigning;
    case X509_V_ERR_CERT_REVOKED: return st::kRevoked;
    case X509_V_ERR_INVALID_CA: return st::kUsedIncorrectlyInChain;
    default: return st::kUnknownError;
  }
}

int Validate(X509* cert, const std::vector<Cert>& chain, bool check_crl, int64_t now) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_set_default_paths(store);
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  for (const auto& c : chain) sk_X509_push(untrusted, c.get());
  X509_STORE_CTX* verify = X509_STORE_CTX_new();
  int status = st::kUnknownError;
  if (X509_STORE_CTX_init(verify, store, cert, untrusted) == 1) {
    X509_STORE_CTX_set_time(verify, 0, static_cast<time_t>(now));
    X509_STORE_CTX_set_purpose(verify, X509_PURPOSE_SMIME_SIGN);
    status = X509_verify_cert(verify) == 1 ? st::kSuccess : StatusOfVerifyError(X509_STORE_CTX_get_error(verify));
  }
  X509_STORE_CTX_free(verify);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  if (status == st::kSuccess && check_crl) status = st::kRevocationStatusUnknown;
  return status;
}

}  // namespace

CommandResult ValidateCert(CommandContext& ctx) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "ValidateCert", "ValidateCert:");
  pugi::xml_node request = ctx.request->child("ValidateCert");
  pugi::xml_node certificates = request.child("Certificates");
  if (!request || !certificates.child("Certificate") ||
      limits::CountChildren(certificates, {"Certificate"}, limits::kValidateCertCertificates) >
          limits::kValidateCertCertificates) {  // MS-ASCMD 3.1.5.10
    AddText(root, "Status", absl::StrCat(st::kProtocolError));
    return result;
  }
  std::vector<Cert> chain;
  for (pugi::xml_node c : request.child("CertificateChain").children("Certificate")) {
    if (Cert cert = ReadCert(c)) chain.push_back(std::move(cert));
  }
  const bool check_crl = std::string(request.child("CheckCRL").text().get()) == "1";
  AddText(root, "Status", absl::StrCat(st::kSuccess));
  for (pugi::xml_node c : certificates.children("Certificate")) {
    Cert cert = ReadCert(c);
    pugi::xml_node out = root.append_child("Certificate");
    AddText(out, "Status", absl::StrCat(cert ? Validate(cert.get(), chain, check_crl, ctx.now) : st::kProtocolError));
  }
  return result;
}

}  // namespace eas::commands
