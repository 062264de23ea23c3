// OX's HTTP API as the connector calls it: login with a session id and the
// secret cookie, sessions kept per account and renewed when OX says they
// expired, JSON in and out, OX error codes as absl::Status.
#ifndef EAS_REFERENCE_BACKEND_OX_OX_API_H_
#define EAS_REFERENCE_BACKEND_OX_OX_API_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "reference/backend/ox/ox_http.h"

namespace eas::backend::ox {

using Json = nlohmann::json;
using Params = std::map<std::string, std::string>;

// An OX error reply {"error", "code", ...} as a status: LGI-* Unauthenticated,
// *-not-found codes NotFound, FLD-0012 AlreadyExists, CON-0170 Aborted (the
// object changed meanwhile), anything else Unavailable when OX asks to try
// again later, FailedPrecondition otherwise.
absl::Status StatusOfOxError(const Json& reply);

class OxApi {
 public:
  explicit OxApi(std::unique_ptr<OxHttp> http) : http_(std::move(http)) {}

  // Whether OX answers HTTP at all (any status): for /readyz.
  absl::Status Reachable() { return http_->Request("GET", "/ajax/version", "", "", "").status(); }

  // Opens a session for `key` (the account) with OX's login name (for
  // example "miguel@ox.io"). Unauthenticated for wrong credentials.
  absl::Status Login(const std::string& key, const std::string& login_name, const std::string& password);

  // One call: /ajax/<module>?action=...&session=...; the reply object
  // ({"data", "timestamp"}). An expired session is renewed once.
  absl::StatusOr<Json> Call(const std::string& key, const std::string& method, const std::string& module,
                            const Params& params, const std::string& body = "",
                            const std::string& content_type = "application/json");

 private:
  struct Session {
    std::string login_name, password;
    std::string id, cookies;
  };
  absl::StatusOr<Session> Open(const std::string& login_name, const std::string& password);
  absl::StatusOr<Json> CallWith(const Session& s, const std::string& method, const std::string& module,
                                const Params& params, const std::string& body, const std::string& content_type);

  std::unique_ptr<OxHttp> http_;
  std::mutex mutex_;
  std::map<std::string, Session> sessions_;
};

// Percent-encodes a query or form value.
std::string UrlEncode(const std::string& value);

}  // namespace eas::backend::ox

#endif  // EAS_REFERENCE_BACKEND_OX_OX_API_H_
