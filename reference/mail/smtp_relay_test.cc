#include "reference/mail/smtp_relay.h"

#include <boost/asio.hpp>
#include <string>
#include <thread>

#include "gtest/gtest.h"

namespace eas::mail {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A scripted SMTP peer on 127.0.0.1: answers each command with the next
// reply and records what it was sent.
class FakeMta {
 public:
  explicit FakeMta(std::vector<std::string> replies) : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::thread([this, replies] {
      tcp::socket s(io_);
      acceptor_.accept(s);
      asio::write(s, asio::buffer(std::string("220 fake ESMTP\r\n")));
      std::string buffer;
      bool in_data = false;
      size_t next = 0;
      boost::system::error_code e;
      while (next < replies.size()) {
        const size_t n = asio::read_until(s, asio::dynamic_buffer(buffer), in_data ? "\r\n.\r\n" : "\r\n", e);
        if (e) break;
        const std::string chunk = buffer.substr(0, n);
        buffer.erase(0, n);
        transcript_ += chunk;
        in_data = chunk == "DATA\r\n" && replies[next][0] == '3';
        asio::write(s, asio::buffer(replies[next++]), e);
      }
    });
  }
  ~FakeMta() { thread_.join(); }
  int port() const { return acceptor_.local_endpoint().port(); }
  const std::string& transcript() const { return transcript_; }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::string transcript_;
};

TEST(SmtpRelay, SpeaksTheDialogueWithDotStuffing) {
  std::string transcript;
  {
    FakeMta mta({"250-fake\r\n250 8BITMIME\r\n", "250 ok\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n",
                 "250 queued\r\n", "221 bye\r\n"});
    SmtpRelay relay("127.0.0.1", mta.port(), "eas.example");
    absl::Status s = relay.Send("miguel@ox.io", {"a@example.net", "b@example.net"},
                                "Subject: x\n\n.hidden line\nend");
    EXPECT_TRUE(s.ok()) << s;
    transcript = mta.transcript();
  }
  EXPECT_NE(transcript.find("EHLO eas.example\r\n"), std::string::npos);
  EXPECT_NE(transcript.find("MAIL FROM:<miguel@ox.io>\r\nRCPT TO:<a@example.net>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"),
            std::string::npos);
  EXPECT_NE(transcript.find("Subject: x\r\n\r\n..hidden line\r\nend\r\n.\r\n"), std::string::npos);
}

TEST(SmtpRelay, ARefusedRecipientFailsTheSend) {
  FakeMta mta({"250 fake\r\n", "250 ok\r\n", "550 no such user\r\n", "221 bye\r\n"});
  SmtpRelay relay("127.0.0.1", mta.port(), "eas.example");
  absl::Status s = relay.Send("miguel@ox.io", {"nobody@example.net"}, "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("550"), std::string::npos);
}

TEST(SmtpRelay, ASilentServerTimesOut) {
  asio::io_context io;
  tcp::acceptor quiet(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));  // never greets
  SmtpRelay relay("127.0.0.1", quiet.local_endpoint().port(), "eas.example", absl::Milliseconds(300));
  EXPECT_EQ(relay.Send("a@b", {"c@d"}, "x").code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(SmtpRelay, NoServerIsUnavailable) {
  tcp::endpoint unused;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    unused = a.local_endpoint();
  }
  SmtpRelay relay("127.0.0.1", unused.port(), "eas.example", absl::Seconds(2));
  EXPECT_FALSE(relay.Send("a@b", {"c@d"}, "x").ok());
}

TEST(DotStuffed, NormalizesLineEnds) {
  EXPECT_EQ(DotStuffed("a\nb\r\n.c\rd"), "a\r\nb\r\n..c\r\nd\r\n.\r\n");
  EXPECT_EQ(DotStuffed(""), ".\r\n");
}

}  // namespace
}  // namespace eas::mail
