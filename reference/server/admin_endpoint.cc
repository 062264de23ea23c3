#include "reference/server/admin_endpoint.h"

#include <atomic>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "reference/log/log.h"
#include "reference/metrics/metrics.h"

namespace eas::server {
namespace {

http::HttpResponse Text(int status, std::string body, const char* type = "text/plain; charset=utf-8") {
  http::HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", type);
  return r;
}

}  // namespace

http::Handler AdminEndpoint(std::function<absl::Status()> ready) {
  return [ready = std::move(ready)](http::HttpRequest request, http::Responder respond) {
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (request.method != "GET") return respond(Text(405, "GET only\n"));
    if (path == "/metrics") {
      return respond(Text(200, metrics::Registry::Default().Exposition(), "text/plain; version=0.0.4"));
    }
    if (path == "/healthz") return respond(Text(200, "ok\n"));
    if (path == "/readyz") {
      // Off the network thread: the check waits on SQLite and OX. At most
      // two at once, so a client polling it cannot pile up threads.
      static std::atomic<int> in_flight{0};
      if (in_flight.fetch_add(1) >= 2) {
        in_flight.fetch_sub(1);
        return respond(Text(503, "a readiness check is under way; try again\n"));
      }
      std::thread([ready, respond = std::move(respond)] {
        const absl::Status s = ready();
        if (!s.ok()) log::Error("readiness check", s);
        respond(s.ok() ? Text(200, "ready\n") : Text(503, absl::StrCat("not ready: ", s.message(), "\n")));
        in_flight.fetch_sub(1);
      }).detach();
      return;
    }
    respond(Text(404, "not here: /metrics, /healthz, /readyz\n"));
  };
}

}  // namespace eas::server
