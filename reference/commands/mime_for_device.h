// The MIME of a mail item for a client that asks for it (MS-ASAIRS
// BodyPreference Type 4, MS-ASCMD MIMESupport): the message as stored, or,
// for mail the store keeps only as properties, one built from them
// (mail::MimeFromItem), never a plain-text fallback the client did not ask
// for.
#ifndef EAS_REFERENCE_COMMANDS_MIME_FOR_DEVICE_H_
#define EAS_REFERENCE_COMMANDS_MIME_FOR_DEVICE_H_

#include <optional>
#include <string>

#include "reference/backend/backend.h"
#include "reference/commands/command.h"

namespace eas::commands {

// nullopt when neither is possible (the failure is logged).
std::optional<std::string> MimeForDevice(CommandContext& ctx, const backend::ItemChange& item);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_MIME_FOR_DEVICE_H_
