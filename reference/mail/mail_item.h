// A parsed message as a stored Email item (MS-ASEMAIL, MS-ASAIRS): the
// ApplicationData the store keeps and Sync sends, with attachments listed
// by FileReference (fetched with ItemOperations or GetAttachment).
#ifndef EAS_REFERENCE_MAIL_MAIL_ITEM_H_
#define EAS_REFERENCE_MAIL_MAIL_ITEM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "reference/mail/mime_message.h"

namespace eas::mail {

// Attachment `index` of the message whose MIME the store keeps as `mime_id`:
// "<mime_id>:<index>". Stable when the item moves between folders.
std::string FileReference(int64_t mime_id, size_t index);
std::optional<std::pair<int64_t, size_t>> ParseFileReference(absl::string_view reference);

// email2:ConversationId: 16 bytes that messages of one thread (the same
// subject once Re:/Fw: prefixes are gone) share.
std::string ConversationId(const std::string& subject);

// "2026-11-24T08:00:00.000Z", the form of MS-ASEMAIL DateReceived.
std::string EasDate(int64_t unix_seconds);

// The <ApplicationData> of the message: Email page fields, airsyncbase:Body
// (HTML when the message has an HTML part, else plain text), the attachment
// list, MessageClass (meeting requests: IPM.Schedule.Meeting.Request).
std::string ToApplicationData(const MailMessage& message, int64_t mime_id, int64_t received,
                              bool read);

}  // namespace eas::mail

#endif  // EAS_REFERENCE_MAIL_MAIL_ITEM_H_
