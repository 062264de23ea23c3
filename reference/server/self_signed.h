// A self-signed TLS certificate for first start without --cert/--key: RSA
// 2048 (old phones know no elliptic curves), SHA-256, ten years, the host's
// name and localhost as subject alternative names.
#ifndef EAS_REFERENCE_SERVER_SELF_SIGNED_H_
#define EAS_REFERENCE_SERVER_SELF_SIGNED_H_

#include <string>

#include "absl/status/status.h"

namespace eas::server {

// Writes `cert_path` and `key_path` (PEM, key mode 0600) unless both exist.
absl::Status EnsureSelfSignedCertificate(const std::string& cert_path, const std::string& key_path,
                                         const std::string& host_name);

}  // namespace eas::server

#endif  // EAS_REFERENCE_SERVER_SELF_SIGNED_H_
