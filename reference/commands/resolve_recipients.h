// ResolveRecipients (MS-ASCMD 2.2.1.15): names and addresses the user typed,
// resolved against the global address list and the user's contacts; from
// 14.0 with free/busy (MergedFreeBusy) for local people. Certificates are
// answered as not available (no S/MIME directory here).
#ifndef EAS_REFERENCE_COMMANDS_RESOLVE_RECIPIENTS_H_
#define EAS_REFERENCE_COMMANDS_RESOLVE_RECIPIENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "reference/commands/command.h"

namespace eas::commands {

CommandResult ResolveRecipients(CommandContext& ctx);

using backend::BusySpan;

// MS-ASCMD 2.2.3.99 MergedFreeBusy: one digit per 30 minutes from `start`
// to `end`, the busiest span touching it (4 where nothing is known is the
// caller's business).
std::string MergedFreeBusy(const std::vector<BusySpan>& spans, int64_t start, int64_t end);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_RESOLVE_RECIPIENTS_H_
