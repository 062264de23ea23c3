// The operator's HTTP endpoint (--admin-listen, loopback by default):
//   GET /metrics  Prometheus text exposition (reference/metrics)
//   GET /healthz  200 while the process answers
//   GET /readyz   200 when the stores take writes and the groupware answers,
//                 else 503 with the reason
// Nothing else; no EAS traffic goes here.
#ifndef EAS_REFERENCE_SERVER_ADMIN_ENDPOINT_H_
#define EAS_REFERENCE_SERVER_ADMIN_ENDPOINT_H_

#include <functional>

#include "absl/status/status.h"
#include "reference/http/server.h"

namespace eas::server {

// `ready` is asked at every /readyz, on a thread of its own (it takes
// SQLite's write lock for a moment and, on OX, makes one HTTP round trip).
http::Handler AdminEndpoint(std::function<absl::Status()> ready);

}  // namespace eas::server

#endif  // EAS_REFERENCE_SERVER_ADMIN_ENDPOINT_H_
