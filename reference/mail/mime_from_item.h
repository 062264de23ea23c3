// A message as MIME, built from a stored mail item (its ApplicationData) for
// a client that asks for MIME (BodyPreference Type 4, MIMESupport) when the
// store keeps no MIME of it: mail added as EAS properties (the demo's, a
// groupware that hands over fields). Headers from the item's From, To, Cc,
// Reply-To, Subject and DateReceived; the body its stored text or HTML; the
// header values encoded by GMime (RFC 2047) and free of line breaks.
#ifndef EAS_REFERENCE_MAIL_MIME_FROM_ITEM_H_
#define EAS_REFERENCE_MAIL_MIME_FROM_ITEM_H_

#include <string>

#include "absl/status/statusor.h"

namespace eas::mail {

// `stored_item`: the item's <ApplicationData> as the store keeps it.
absl::StatusOr<std::string> MimeFromItem(const std::string& stored_item);

}  // namespace eas::mail

#endif  // EAS_REFERENCE_MAIL_MIME_FROM_ITEM_H_
