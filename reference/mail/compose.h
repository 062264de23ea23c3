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

// Fills in what phones leave out: From (the account), Date and Message-ID.
// Headers the phone wrote are kept. InvalidArgument for bytes that are no
// message.
absl::StatusOr<std::string> CompleteHeaders(absl::string_view raw, const std::string& from,
                                            int64_t now, const std::string& id_domain);

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
