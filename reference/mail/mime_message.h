// A mail message as the server needs it: parsed from the raw MIME a phone
// sends (SendMail, SmartReply, SmartForward) or the store keeps, with GMime
// (Debian's libgmime-3.0) doing the MIME work.
#ifndef EAS_REFERENCE_MAIL_MIME_MESSAGE_H_
#define EAS_REFERENCE_MAIL_MIME_MESSAGE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eas::mail {

struct MailAttachment {
  std::string file_name;     // never empty: "attachment-N" when the part has none
  std::string content_type;  // "application/pdf"
  std::string content_id;    // without the angle brackets
  bool is_inline = false;
  std::string data;          // decoded bytes
};

struct MailMessage {
  // Address headers as display strings ("Ana Souza" <ana@ox.io>, ...).
  std::string from, to, cc, reply_to;
  // Every addressee of To, Cc and Bcc, bare addresses, in order, no repeats.
  std::vector<std::string> recipients;
  std::string from_address;  // the bare address of From
  std::string subject;
  std::string message_id, in_reply_to, references;
  int64_t date = 0;  // Unix seconds; 0 when the message has no Date
  std::string importance;  // "0" low, "1" normal, "2" high (MS-ASEMAIL Importance)
  std::string text_body;   // UTF-8; the first text/plain part that is no attachment
  std::string html_body;   // UTF-8; the first text/html part that is no attachment
  std::string calendar;    // a text/calendar part (meeting mail), if any
  std::string calendar_method;  // its METHOD parameter: REQUEST, REPLY, CANCEL
  std::vector<MailAttachment> attachments;  // includes attached messages (.eml)
};

// Parses raw MIME leniently, as phones write it: LF or CRLF line ends,
// recipients separated by ';', odd boundaries. InvalidArgument when the
// bytes are no message at all (no header block).
absl::StatusOr<MailMessage> ParseMessage(absl::string_view raw);

// The bare addresses in an address header value, ';' or ',' separated.
std::vector<std::string> ParseAddresses(absl::string_view header_value);

}  // namespace eas::mail

#endif  // EAS_REFERENCE_MAIL_MIME_MESSAGE_H_
