// ValidateCert (MS-ASCMD 2.2.1.21): S/MIME certificates a phone received,
// checked with OpenSSL against the system's trusted roots and the chain the
// phone sends. Revocation lists are not fetched: a request that asks for
// CheckCRL gets 16 (revocation status not validated) for an otherwise good
// certificate rather than a claim that it is not revoked.
#ifndef EAS_REFERENCE_COMMANDS_VALIDATE_CERT_H_
#define EAS_REFERENCE_COMMANDS_VALIDATE_CERT_H_

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult ValidateCert(CommandContext& ctx);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_VALIDATE_CERT_H_
