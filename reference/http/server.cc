#include "reference/http/server.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace eas::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

constexpr size_t kHeaderLimit = 64 * 1024;
constexpr auto kDrainTime = std::chrono::seconds(10);
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr size_t kDrainLimit = 256u << 20;

// A request's header must arrive within this (slowloris), and an idle
// keep-alive connection waits this long for its next request; the body
// then has its own, longer time.
constexpr auto kHeaderTimeout = std::chrono::seconds(60);
constexpr auto kBodyTimeout = std::chrono::minutes(5);
// Bodies above this wait for the credentials to be checked first.
constexpr uint64_t kCheckCredentialsAbove = 64 * 1024;

// Connections open, in all and per remote address (issue 15: one client
// held 19,900 connections). Guarded by its mutex; Session releases its place.
struct ConnectionCount {
  explicit ConnectionCount(size_t max_total, size_t max_per_address)
      : max_total(max_total), max_per_address(max_per_address) {}
  bool Admit(const std::string& address) {
    absl::MutexLock lock(&mutex);
    if (open >= max_total) return false;
    size_t& mine = per_address[address];
    if (mine >= max_per_address) {
      if (mine == 0) per_address.erase(address);
      return false;
    }
    ++mine;
    ++open;
    return true;
  }
  void Release(const std::string& address) {
    absl::MutexLock lock(&mutex);
    --open;
    auto it = per_address.find(address);
    if (it != per_address.end() && --it->second == 0) per_address.erase(it);
  }
  size_t Open() {
    absl::MutexLock lock(&mutex);
    return open;
  }
  const size_t max_total, max_per_address;
  absl::Mutex mutex;
  size_t open ABSL_GUARDED_BY(mutex) = 0;
  absl::flat_hash_map<std::string, size_t> per_address ABSL_GUARDED_BY(mutex);
};

template <bool kTls>
class Session : public std::enable_shared_from_this<Session<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

  // `peer` has a place in `count` already (Admit); the session gives it back.
  template <typename... Args>
  Session(const Handler& handler, const ServerOptions& options, ConnectionCount& count, std::string peer,
          tcp::socket socket, Args&&... args)
      : stream_(std::move(socket), std::forward<Args>(args)...),
        handler_(handler),
        options_(options),
        count_(count),
        max_body_(options.max_body_bytes),
        peer_(std::move(peer)) {}

  ~Session() { count_.Release(peer_); }

  void Start() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->Read();
                              });
    } else {
      Read();
    }
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(max_body_);
    beast::get_lowest_layer(stream_).expires_after(kHeaderTimeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t) {
                               self->OnHeader(ec);
                             });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnRead(ec);
    beast::get_lowest_layer(stream_).expires_after(kBodyTimeout);
    const auto length = parser_->content_length();
    if (options_.check_credentials && length && *length > kCheckCredentialsAbove && *length <= max_body_) {
      // Who it is first, the large body after (on a worker: the check may
      // hash a password or ask the groupware).
      options_.check_credentials(
          std::string(parser_->get()[bhttp::field::authorization]), peer_,
          [self = this->shared_from_this()](bool ok) {
            net::post(self->stream_.get_executor(), [self, ok] {
              if (ok) return self->AfterHeader();
              HttpResponse r;
              r.status = 401;
              r.body = "authentication required\n";
              r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"ActiveSync\"");
              r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
              self->Respond(r, /*keep_alive=*/false, /*version=*/11);  // the body is never read
            });
          });
      return;
    }
    AfterHeader();
  }

  void AfterHeader() {
    // RFC 9110 10.1.1: a client that waits for 100 Continue gets it before
    // it sends the body (if the body is too large it gets 413 instead).
    const auto& header = parser_->get();
    if (beast::iequals(header[bhttp::field::expect], "100-continue") &&
        (!parser_->content_length() || *parser_->content_length() <= max_body_)) {
      continue_.emplace(bhttp::status::continue_, header.version());
      bhttp::async_write(stream_, *continue_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
        self->continue_.reset();
        if (ec) return self->Close();
        self->ReadBody();
      });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  // A request the parser refused: 400, or 431 for headers over the limit
  // (RFC 6585), then the connection closes.
  void Refuse(int status, const char* text) {
    HttpResponse r;
    r.status = status;
    r.body = text;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    Respond(r, /*keep_alive=*/false, /*version=*/11);
  }

  void OnRead(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      // A body over the limit gets 413 and the connection closes. The rest of
      // the body is read and dropped first (Drain), or the client, still
      // sending, would see a reset instead of our answer.
      HttpResponse r;
      r.status = 413;
      r.body = "request body too large\n";
      draining_ = true;
      Respond(r, /*keep_alive=*/false, /*version=*/11);
      return;
    }
    if (ec == bhttp::error::header_limit) return Refuse(431, "request header fields too large\n");
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      return Refuse(400, "malformed HTTP request\n");
    }
    if (ec) return Close();
    auto request = parser_->release();
    HttpRequest in;
    in.method = std::string(request.method_string());
    in.target = std::string(request.target());
    for (const auto& field : request) {
      in.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    in.body = std::move(request.body());
    in.peer = peer_;
    // The handler runs on a worker; this thread goes back to moving bytes.
    // While the answer is pending (a parked Ping may wait an hour) the
    // connection keeps as little as it can and has no read pending.
    const bool keep_alive = request.keep_alive();
    const unsigned version = request.version();
    parser_.reset();
    buffer_.shrink_to_fit();
    handler_(std::move(in), [self = this->shared_from_this(), keep_alive, version](HttpResponse r) {
      net::post(self->stream_.get_executor(), [self, r = std::move(r), keep_alive, version]() {
        self->Respond(r, keep_alive, version);
      });
    });
  }

  void Respond(const HttpResponse& r, bool keep_alive, unsigned version) {
    response_ = {};
    response_.version(version);
    response_.result(static_cast<unsigned>(r.status));
    for (const auto& [name, value] : r.headers) response_.set(name, value);
    response_.set(bhttp::field::server, "eas-reference");
    response_.body() = r.body;
    response_.keep_alive(keep_alive);
    response_.prepare_payload();
    Write();
  }

  void Write() {
    // The read's deadline may have passed while a Ping was parked; the
    // write gets its own.
    beast::get_lowest_layer(stream_).expires_after(kWriteTimeout);
    bhttp::async_write(stream_, response_,
                       [self = this->shared_from_this()](beast::error_code ec, size_t) {
                         if (!ec && self->draining_) return self->Drain(0);
                         if (ec || !self->response_.keep_alive()) return self->Close();
                         self->Read();
                       });
  }

  // Reads and drops what the client still sends (up to a limit and for at
  // most kDrainTime), then closes.
  void Drain(size_t drained) {
    if (drained == 0) {
      beast::get_lowest_layer(stream_).expires_after(kDrainTime);
      scratch_ = std::make_unique<std::array<char, 16384>>();
    }
    if (drained > kDrainLimit) return Close();
    stream_.async_read_some(
        net::buffer(*scratch_), [self = this->shared_from_this(), drained](beast::error_code ec, size_t n) {
          if (ec) return self->Close();
          self->Drain(drained + n);
        });
  }

  void Close() {
    if constexpr (kTls) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().close(ignored);
      });
    } else {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
  }

  Stream stream_;
  bool draining_ = false;
  std::unique_ptr<std::array<char, 16384>> scratch_;  // only while draining
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;  // while 100 Continue is written
  const Handler& handler_;
  const ServerOptions& options_;
  ConnectionCount& count_;
  size_t max_body_;
  std::string peer_;
};

}  // namespace

absl::StatusOr<Endpoint> ParseEndpoint(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return absl::InvalidArgumentError("expected HOST:PORT, got " + text);
  Endpoint e;
  e.host = text.substr(0, colon);
  if (e.host.size() >= 2 && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  if (e.host.empty()) e.host = "0.0.0.0";
  if (!absl::SimpleAtoi(text.substr(colon + 1), &e.port) || e.port < 0 || e.port > 65535) {
    return absl::InvalidArgumentError("bad port in " + text);
  }
  return e;
}

struct Server::Impl {
  Impl(Handler h, ServerOptions o)
      : handler(std::move(h)), options(std::move(o)), tls_context(ssl::context::tls_server) {}

  void Accept(tcp::acceptor& acceptor, bool tls) {
    acceptor.async_accept(net::make_strand(io), [this, &acceptor, tls](beast::error_code ec,
                                                                      tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {
        // Out of file descriptors (EMFILE) or the like: try again shortly,
        // not at once (issue 15: the accept loop spun at 81% CPU).
        auto timer = std::make_shared<net::steady_timer>(io, std::chrono::milliseconds(100));
        timer->async_wait([this, &acceptor, tls, timer](beast::error_code) { Accept(acceptor, tls); });
        return;
      }
      socket.set_option(tcp::no_delay(true), ec);
      boost::system::error_code peer_ec;
      const auto remote = socket.remote_endpoint(peer_ec);
      const std::string peer = peer_ec ? std::string() : remote.address().to_string();
      if (!count.Admit(peer)) {
        // Over the caps: closed at once, before TLS or any read.
        socket.close(ec);
      } else if (tls) {
        std::make_shared<Session<true>>(handler, options, count, peer, std::move(socket), tls_context)->Start();
      } else {
        std::make_shared<Session<false>>(handler, options, count, peer, std::move(socket))->Start();
      }
      Accept(acceptor, tls);
    });
  }

  Handler handler;
  ServerOptions options;
  ConnectionCount count{options.max_connections, options.max_connections_per_address};
  net::io_context io;
  ssl::context tls_context;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<int> ports;
  std::vector<std::thread> threads;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
};

namespace {

ServerOptions WithCredentialCheck(Dispatcher& dispatcher, ServerOptions options) {
  options.check_credentials = [&dispatcher](std::string authorization, std::string peer,
                                            std::function<void(bool)> done) {
    dispatcher.CheckCredentials(std::move(authorization), std::move(peer), std::move(done));
  };
  return options;
}

}  // namespace

Server::Server(Dispatcher& dispatcher, ServerOptions options)
    : Server([&dispatcher](HttpRequest r, Responder respond) { dispatcher.Submit(std::move(r), std::move(respond)); },
             WithCredentialCheck(dispatcher, std::move(options))) {}

Server::Server(Handler handler, ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(handler), std::move(options))) {}

size_t Server::open_connections() const { return impl_->count.Open(); }

Server::~Server() {
  Stop();
  Wait();
}

absl::Status Server::Start() {
  Impl& s = *impl_;
  if (!s.options.tls.empty()) {
    boost::system::error_code ec;
    s.tls_context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                              SSL_OP_NO_COMPRESSION);
    SSL_CTX* ctx = s.tls_context.native_handle();
    // Forward secrecy and AEAD: ECDHE with AES-GCM or ChaCha20-Poly1305 in
    // TLS 1.2 (TLS 1.3's own suites are all of that kind). No static RSA,
    // no CBC-SHA1 (issue 15), unless legacy phones need them.
    const char* modern = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                         "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
    const std::string legacy = std::string(modern) + ":ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:@SECLEVEL=0";
    SSL_CTX_set_min_proto_version(ctx, s.options.tls_legacy ? TLS1_VERSION : TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(ctx, s.options.tls_legacy ? legacy.c_str() : modern) != 1) {
      return absl::InternalError("TLS: the cipher suites were refused");
    }
    s.tls_context.use_certificate_chain_file(s.options.cert_file, ec);
    if (!ec) s.tls_context.use_private_key_file(s.options.key_file, ssl::context::pem, ec);
    if (ec) return absl::InvalidArgumentError("TLS certificate or key: " + ec.message());
  }
  auto bind = [&](const Endpoint& e, bool tls) -> absl::Status {
    boost::system::error_code ec;
    auto address = net::ip::make_address(e.host, ec);
    if (ec) return absl::InvalidArgumentError("bad address " + e.host);
    auto acceptor = std::make_unique<tcp::acceptor>(s.io);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(e.port));
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
    if (ec) return absl::UnavailableError(absl::StrCat("cannot listen on ", e.host, ":", e.port, ": ", ec.message()));
    s.ports.push_back(acceptor->local_endpoint().port());
    s.Accept(*acceptor, tls);
    s.acceptors.push_back(std::move(acceptor));
    return absl::OkStatus();
  };
  for (const auto& e : s.options.plain) {
    if (auto st = bind(e, false); !st.ok()) return st;
  }
  for (const auto& e : s.options.tls) {
    if (auto st = bind(e, true); !st.ok()) return st;
  }
  s.work.emplace(s.io.get_executor());
  for (int i = 0; i < std::max(1, s.options.threads); ++i) {
    s.threads.emplace_back([&s] { s.io.run(); });
  }
  return absl::OkStatus();
}

std::vector<int> Server::BoundPorts() const { return impl_->ports; }

void Server::Stop() {
  impl_->work.reset();
  impl_->io.stop();
}

void Server::Wait() {
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace eas::http
