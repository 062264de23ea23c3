// Outgoing mail: what the server adds to the MIME a phone sends before it
// delivers it (MS-ASCMD SendMail, SmartReply, SmartForward).
#ifndef EAS_REFERENCE_MAIL_COMPOSE_H_
#define EAS_REFERENCE_MAIL_COMPOSE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "reference/mail/mime_message.h"

namespace eas::mail {

// Fills in what phones leave out (Date, Message-ID) and makes the sender
// the account: `from` ("Name" <address>) replaces a From whose address is
// not `from`'s (a user never sends as someone else), and a Sender header
// naming anyone else goes. Other headers the phone wrote are kept.
// InvalidArgument for bytes that are no message.
absl::StatusOr<std::string> CompleteHeaders(absl::string_view raw, const std::string& from,
                                            int64_t now, const std::string& id_domain);

// Text from users or other mail (a display name, an invitation's SUMMARY)
// made safe for a header line we write: CR, LF and other control
// characters become spaces, so the text cannot start a header of its own.
std::string HeaderText(absl::string_view text);
// `"Name" <address>` with the name's quotes and backslashes escaped, or
// the bare address without a name; both through HeaderText.
std::string Mailbox(absl::string_view name, absl::string_view address);

// SmartReply/SmartForward without ReplaceMime: the original message's text is
// appended under an "Original Message" header block (to the plain and the
// HTML body), In-Reply-To/References are set on replies, and a forward
// carries the original's attachments.
absl::StatusOr<std::string> AddOriginal(absl::string_view raw, const MailMessage& original,
                                        bool forward);

// The message as recipients get it: without its Bcc header.
absl::StatusOr<std::string> WithoutBcc(absl::string_view raw);

}  // namespace eas::mail

#endif  // EAS_REFERENCE_MAIL_COMPOSE_H_
