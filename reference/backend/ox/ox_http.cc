#include "reference/backend/ox/ox_http.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace eas::backend::ox {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// One kept-alive connection with its own io_context, so that a synchronous
// caller can bound every step (connect, write, read) by a timeout.
class OxHttp::Connection {
 public:
  Connection(bool tls, std::chrono::milliseconds timeout)
      : ssl_ctx_(asio::ssl::context::tls_client), timeout_(timeout) {
    if (tls) {
      ssl_ctx_.set_default_verify_paths();
      ssl_ctx_.set_verify_mode(asio::ssl::verify_peer);
      tls_.emplace(io_, ssl_ctx_);
    } else {
      plain_.emplace(io_);
    }
  }

  absl::Status Connect(const std::string& host, const std::string& port) {
    boost::system::error_code error;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(host, port, error);
    if (error) return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": ", error.message()));
    error = asio::error::would_block;
    beast::get_lowest_layer(Lowest()).async_connect(
        endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) { error = e; });
    if (auto s = Run(error, "connect"); !s.ok()) return s;
    // Small requests on a kept-alive connection: no Nagle delay.
    boost::system::error_code ignored;
    beast::get_lowest_layer(Lowest()).socket().set_option(tcp::no_delay(true), ignored);
    if (tls_) {
      SSL_set_tlsext_host_name(tls_->native_handle(), host.c_str());
      tls_->set_verify_callback(asio::ssl::host_name_verification(host));
      error = asio::error::would_block;
      tls_->async_handshake(asio::ssl::stream_base::client, [&](const boost::system::error_code& e) { error = e; });
      if (auto s = Run(error, "TLS handshake"); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<http::response<http::string_body>> Exchange(http::request<http::string_body>& request) {
    return tls_ ? ExchangeOn(*tls_, request) : ExchangeOn(*plain_, request);
  }

 private:
  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  template <typename Stream>
  absl::StatusOr<http::response<http::string_body>> ExchangeOn(Stream& stream,
                                                               http::request<http::string_body>& request) {
    boost::system::error_code error = asio::error::would_block;
    http::async_write(stream, request, [&](const boost::system::error_code& e, size_t) { error = e; });
    if (auto s = Run(error, "write"); !s.ok()) return s;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256u << 20);
    error = asio::error::would_block;
    http::async_read(stream, buffer_, parser, [&](const boost::system::error_code& e, size_t) { error = e; });
    if (auto s = Run(error, "read"); !s.ok()) return s;
    return parser.release();
  }

  absl::Status Run(const boost::system::error_code& error, const char* step) {
    io_.restart();
    io_.run_for(timeout_);
    if (error == asio::error::would_block) {
      beast::get_lowest_layer(Lowest()).close();
      io_.restart();
      io_.run();
      return absl::DeadlineExceededError(absl::StrCat("OX did not answer in time (", step, ")"));
    }
    if (error) return absl::UnavailableError(absl::StrCat("OX connection failed (", step, "): ", error.message()));
    return absl::OkStatus();
  }

  asio::io_context io_;
  asio::ssl::context ssl_ctx_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
};

OxHttp::~OxHttp() = default;

absl::StatusOr<std::unique_ptr<OxHttp>> OxHttp::Create(const std::string& base_url, absl::Duration timeout,
                                                        size_t max_idle) {
  std::unique_ptr<OxHttp> client(new OxHttp());
  std::string rest;
  if (absl::StartsWith(base_url, "http://")) {
    rest = base_url.substr(7);
  } else if (absl::StartsWith(base_url, "https://")) {
    rest = base_url.substr(8);
    client->tls_ = true;
  } else {
    return absl::InvalidArgumentError("the OX URL must start with http:// or https://");
  }
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  client->prefix_ = slash == std::string::npos ? "" : rest.substr(slash);
  while (!client->prefix_.empty() && client->prefix_.back() == '/') client->prefix_.pop_back();
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    client->host_ = authority.substr(0, colon);
    client->port_ = authority.substr(colon + 1);
  } else {
    client->host_ = authority;
    client->port_ = client->tls_ ? "443" : "80";
  }
  if (client->host_.empty()) return absl::InvalidArgumentError("no host in the OX URL");
  client->timeout_ = timeout;
  client->max_idle_ = max_idle;
  return client;
}

std::unique_ptr<OxHttp::Connection> OxHttp::Take() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.empty()) return nullptr;
  auto c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void OxHttp::Give(std::unique_ptr<Connection> c) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(c));
}

absl::StatusOr<HttpReply> OxHttp::Request(const std::string& method, const std::string& path_and_query,
                                          const std::string& body, const std::string& content_type,
                                          const std::string& cookie) {
  http::request<http::string_body> request(http::string_to_verb(method), prefix_ + path_and_query, 11);
  request.set(http::field::host, host_);
  request.set(http::field::user_agent, "eas-reference-ox-connector");
  request.keep_alive(true);
  if (!cookie.empty()) request.set(http::field::cookie, cookie);
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  request.body() = body;
  request.prepare_payload();

  // A pooled connection may have been closed by OX meanwhile: then once
  // more on a fresh one (requests are retried only when nothing was read).
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Connection> c = attempt == 0 ? Take() : nullptr;
    const bool pooled = c != nullptr;
    if (!c) {
      c = std::make_unique<Connection>(tls_, absl::ToChronoMilliseconds(timeout_));
      if (auto s = c->Connect(host_, port_); !s.ok()) return s;
    }
    auto response = c->Exchange(request);
    if (!response.ok()) {
      if (pooled && response.status().code() == absl::StatusCode::kUnavailable) continue;
      return response.status();
    }
    HttpReply reply;
    reply.status = response->result_int();
    reply.body = std::move(response->body());
    for (const auto& field : *response) {
      if (field.name() == http::field::set_cookie) reply.set_cookies.emplace_back(field.value());
    }
    if (response->keep_alive()) Give(std::move(c));
    return reply;
  }
  return absl::UnavailableError("OX connection failed");
}

}  // namespace eas::backend::ox
