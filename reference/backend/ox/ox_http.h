// A small HTTP/1.1 client for OX's HTTP API: pooled keep-alive connections
// (plain or TLS), every step bounded by a timeout, one retry when a pooled
// connection turns out to be closed by the server.
#ifndef EAS_REFERENCE_BACKEND_OX_OX_HTTP_H_
#define EAS_REFERENCE_BACKEND_OX_OX_HTTP_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace eas::backend::ox {

struct HttpReply {
  int status = 0;
  std::string body;
  std::vector<std::string> set_cookies;  // each Set-Cookie value
};

class OxHttp {
 public:
  // `base_url`: "http://host:port" or "https://host[:port]", optionally with
  // a path prefix ("https://ox.example.com/appsuite/api" style deployments).
  static absl::StatusOr<std::unique_ptr<OxHttp>> Create(const std::string& base_url, absl::Duration timeout,
                                                        size_t max_idle = 64);
  ~OxHttp();

  // `path_and_query` is appended to the base URL's path. Unavailable for
  // connection failures, DeadlineExceeded for timeouts.
  absl::StatusOr<HttpReply> Request(const std::string& method, const std::string& path_and_query,
                                    const std::string& body, const std::string& content_type,
                                    const std::string& cookie);

  class Connection;

 private:
  OxHttp() = default;
  std::unique_ptr<Connection> Take();
  void Give(std::unique_ptr<Connection> c);

  std::string host_, port_, prefix_;
  bool tls_ = false;
  absl::Duration timeout_;
  size_t max_idle_ = 8;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace eas::backend::ox

#endif  // EAS_REFERENCE_BACKEND_OX_OX_HTTP_H_
