// The request size limits of MS-ASCMD 3.1.5.10 ("Limiting Size of Command
// Requests"): servers SHOULD impose them and answer the table's status when
// a request goes past one. The values are the table's defaults (servers MAY
// choose others within its minimum and maximum); Microsoft's requirement IDs
// name the limit and the status.
#ifndef EAS_REFERENCE_COMMANDS_REQUEST_LIMITS_H_
#define EAS_REFERENCE_COMMANDS_REQUEST_LIMITS_H_

#include <cstring>
#include <initializer_list>

#include "pugixml.hpp"

namespace eas::commands::limits {

// GetItemEstimate: Collection elements (R5646); past it, Status 103 (R5647).
inline constexpr int kGetItemEstimateCollections = 1000;
// ItemOperations: EmptyFolderContents + Fetch + Move (R7489); Status 11 (R7490).
inline constexpr int kItemOperations = 100;
// MeetingResponse: Request elements (R5649); Status 103 (R5650).
inline constexpr int kMeetingResponseRequests = 100;
// MoveItems: Move elements (R5652); Status 103 (R5653).
inline constexpr int kMoveItemsMoves = 1000;
// ResolveRecipients: To elements (R5655); Status 5 (R5656), in
// resolve_recipients.cc with the length bound of the To element.
inline constexpr int kResolveRecipientsTo = 100;
// Sync: Add + Change + Delete + Fetch over the whole request (R5658);
// Status 4 (R5659).
inline constexpr int kSyncCommands = 200;
// Sync: Collection elements; past it, Status 15 with Limit (MS-ASCMD
// 2.2.3.97). The table has no row for it; this is GetItemEstimate's.
inline constexpr int kSyncCollections = 1000;
// ValidateCert: Certificate elements (R5661); Status 2 (R5662).
inline constexpr int kValidateCertCertificates = 100;

// The number of children of `parent` named one of `names`, counting no
// further than `stop_after` (a hostile request may hold millions).
inline int CountChildren(pugi::xml_node parent, std::initializer_list<const char*> names, int stop_after) {
  int n = 0;
  for (pugi::xml_node c = parent.first_child(); c && n <= stop_after; c = c.next_sibling()) {
    for (const char* name : names) {
      if (std::strcmp(c.name(), name) == 0) {
        ++n;
        break;
      }
    }
  }
  return n;
}

}  // namespace eas::commands::limits

#endif  // EAS_REFERENCE_COMMANDS_REQUEST_LIMITS_H_
