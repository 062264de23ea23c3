#include "reference/mail/smtp_relay.h"

#include <boost/asio.hpp>
#include <chrono>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/log/log.h"

namespace eas::mail {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// One SMTP conversation; every step bounded by the timeout.
class Session {
 public:
  Session(absl::Duration timeout) : socket_(io_), timeout_(absl::ToChronoMilliseconds(timeout)) {}

  absl::Status Connect(const std::string& host, int port) {
    boost::system::error_code error = asio::error::would_block;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(host, std::to_string(port), error);
    if (error) return absl::UnavailableError(absl::StrCat("cannot resolve ", host, ": ", error.message()));
    error = asio::error::would_block;
    asio::async_connect(socket_, endpoints, [&](const boost::system::error_code& e, const tcp::endpoint&) { error = e; });
    if (!Run(error)) return absl::DeadlineExceededError("SMTP connect timed out");
    if (error) return absl::UnavailableError(absl::StrCat("cannot connect to ", host, ": ", error.message()));
    return absl::OkStatus();
  }

  // Reads one reply (all its lines) and checks its code's first digit.
  absl::Status Expect(char first_digit, const std::string& what) {
    std::string reply;
    for (;;) {
      boost::system::error_code error = asio::error::would_block;
      size_t length = 0;
      asio::async_read_until(socket_, asio::dynamic_buffer(buffer_), "\r\n",
                             [&](const boost::system::error_code& e, size_t n) {
                               error = e;
                               length = n;
                             });
      if (!Run(error)) return absl::DeadlineExceededError("SMTP reply timed out after " + what);
      if (error) return absl::UnavailableError("SMTP connection lost after " + what);
      std::string line = buffer_.substr(0, length);
      buffer_.erase(0, length);
      reply += line;
      // "250-..." continues, "250 ..." (or a bare code) ends the reply.
      if (line.size() < 4 || line[3] != '-') break;
    }
    if (reply.empty() || reply[0] != first_digit) {
      return absl::FailedPreconditionError(absl::StrCat("SMTP refused ", what, ": ", reply));
    }
    return absl::OkStatus();
  }

  absl::Status Write(const std::string& data) {
    boost::system::error_code error = asio::error::would_block;
    asio::async_write(socket_, asio::buffer(data), [&](const boost::system::error_code& e, size_t) { error = e; });
    if (!Run(error)) return absl::DeadlineExceededError("SMTP write timed out");
    if (error) return absl::UnavailableError("SMTP write failed: " + error.message());
    return absl::OkStatus();
  }

  absl::Status Command(const std::string& line, char first_digit) {
    if (auto s = Write(line + "\r\n"); !s.ok()) return s;
    return Expect(first_digit, line.substr(0, line.find(':')));
  }

 private:
  // Runs the io_context until the operation completes or the timeout passes.
  bool Run(const boost::system::error_code& error) {
    io_.restart();
    io_.run_for(timeout_);
    if (error == asio::error::would_block) {
      socket_.close();
      io_.restart();
      io_.run();  // lets the cancelled operation finish
      return false;
    }
    return true;
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
};

}  // namespace

SmtpRelay::SmtpRelay(std::string host, int port, std::string helo_name, absl::Duration timeout)
    : host_(std::move(host)), port_(port), helo_name_(std::move(helo_name)), timeout_(timeout) {}

std::string DotStuffed(const std::string& message) {
  std::string out;
  out.reserve(message.size() + message.size() / 50 + 8);
  bool line_start = true;
  for (size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (line_start && c == '.') out += '.';
    if (c == '\n') {
      if (out.empty() || out.back() != '\r') out += '\r';
      out += '\n';
      line_start = true;
      continue;
    }
    if (c == '\r' && (i + 1 >= message.size() || message[i + 1] != '\n')) {
      out += "\r\n";  // a bare CR ends a line too
      line_start = true;
      continue;
    }
    out += c;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

absl::Status SmtpRelay::Send(const std::string& envelope_from, const std::vector<std::string>& recipients,
                             const std::string& message) {
  Session smtp(timeout_);
  if (auto s = smtp.Connect(host_, port_); !s.ok()) return s;
  if (auto s = smtp.Expect('2', "the greeting"); !s.ok()) return s;
  if (auto s = smtp.Command("EHLO " + helo_name_, '2'); !s.ok()) {
    // Very old MTAs know only HELO.
    if (auto h = smtp.Command("HELO " + helo_name_, '2'); !h.ok()) return h;
  }
  if (auto s = smtp.Command("MAIL FROM:<" + envelope_from + ">", '2'); !s.ok()) return s;
  for (const auto& r : recipients) {
    if (auto s = smtp.Command("RCPT TO:<" + r + ">", '2'); !s.ok()) return s;
  }
  if (auto s = smtp.Command("DATA", '3'); !s.ok()) return s;
  if (auto s = smtp.Write(DotStuffed(message)); !s.ok()) return s;
  if (auto s = smtp.Expect('2', "the message"); !s.ok()) return s;
  log::IfError(smtp.Command("QUIT", '2'), "SMTP: QUIT after the message was taken");  // delivered already
  return absl::OkStatus();
}

}  // namespace eas::mail
