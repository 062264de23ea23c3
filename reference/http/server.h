// The network front: HTTP/1.1 and HTTPS on Boost.Beast, keep-alive, the body
// size limit (413), and nothing else: every request goes to the Dispatcher.
#ifndef EAS_REFERENCE_HTTP_SERVER_H_
#define EAS_REFERENCE_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "reference/http/dispatcher.h"

namespace eas::http {

struct Endpoint {
  std::string host;
  int port = 0;
};

// "HOST:PORT", "[::1]:PORT" or ":PORT" (all addresses).
absl::StatusOr<Endpoint> ParseEndpoint(const std::string& text);

struct ServerOptions {
  std::vector<Endpoint> plain;
  std::vector<Endpoint> tls;
  std::string cert_file;  // PEM, for the TLS endpoints
  std::string key_file;
  int threads = 2;
  size_t max_body_bytes = 32 << 20;
  // TLS 1.2 and 1.3 with forward-secret AEAD suites only, unless
  // `tls_legacy`: then TLS 1.0 and 1.1 with ECDHE suites too, for phones
  // that have nothing newer (Windows Mobile 6, iOS before 5).
  bool tls_legacy = false;
  // Connections open at once, in all and from one address; more are closed
  // as they come.
  size_t max_connections = 50000;
  size_t max_connections_per_address = 1000;
  // Asked before a body larger than 64 KB is read: whether the request's
  // Authorization logs in (issue 15: 32 MB bodies were buffered before the
  // credentials were looked at). A refusal is answered 401 at once. The
  // Dispatcher's CheckCredentials when the server serves a Dispatcher.
  std::function<void(std::string authorization, std::string peer, std::function<void(bool)> done)>
      check_credentials;
};

// What the server does with a request: answers it through the responder,
// from any thread (the EAS Dispatcher's Submit, or the admin endpoint).
using Handler = std::function<void(HttpRequest, Responder)>;

class Server {
 public:
  Server(Dispatcher& dispatcher, ServerOptions options);
  Server(Handler handler, ServerOptions options);
  ~Server();

  // Binds every endpoint (port 0: any free port) and starts the threads.
  absl::Status Start();
  // The ports actually bound, plain then TLS, in the order given.
  std::vector<int> BoundPorts() const;
  // Connections open now.
  size_t open_connections() const;
  void Stop();
  void Wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace eas::http

#endif  // EAS_REFERENCE_HTTP_SERVER_H_
