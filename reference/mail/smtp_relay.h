// Relay over SMTP (RFC 5321) to the next hop named by --smtp=HOST:PORT: the
// site's MTA, which does the rest (DNS, queues, TLS to the world). Plain
// SMTP without AUTH, so the hop is expected on the host or a trusted network.
#ifndef EAS_REFERENCE_MAIL_SMTP_RELAY_H_
#define EAS_REFERENCE_MAIL_SMTP_RELAY_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "reference/mail/relay.h"

namespace eas::mail {

class SmtpRelay : public Relay {
 public:
  // `helo_name` is what EHLO says (the server's host name).
  SmtpRelay(std::string host, int port, std::string helo_name, absl::Duration timeout = absl::Seconds(30));
  absl::Status Send(const std::string& envelope_from, const std::vector<std::string>& recipients,
                    const std::string& message) override;

 private:
  std::string host_;
  int port_;
  std::string helo_name_;
  absl::Duration timeout_;
};

// The DATA form of a message: CRLF line ends, lines starting with '.'
// doubled (RFC 5321 4.5.2), ended by "<CRLF>.<CRLF>".
std::string DotStuffed(const std::string& message);

}  // namespace eas::mail

#endif  // EAS_REFERENCE_MAIL_SMTP_RELAY_H_
