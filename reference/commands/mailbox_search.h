// A search through the items of a mailbox, shared by Search (Store
// Mailbox, MS-ASCMD 2.2.1.16) and Find (2.2.1.2): which folders, which
// items match, newest first, within a work bound.
#ifndef EAS_REFERENCE_COMMANDS_MAILBOX_SEARCH_H_
#define EAS_REFERENCE_COMMANDS_MAILBOX_SEARCH_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "pugixml.hpp"
#include "reference/commands/command.h"

namespace eas::commands {

struct MailboxQuery {
  std::string item_class = "Email";  // airsync:Class: Email, Calendar, Contacts, Tasks
  std::vector<std::string> words;    // lower case; each must occur in some text of the item
  // Property restrictions (Find's KQL "subject:budget"): the stored
  // element and a lower-case word that must occur in it.
  std::vector<std::pair<std::string, std::string>> restrictions;
  std::string collection_id;  // "" for every folder of the class
  bool deep = false;          // the collection's subfolders too
  std::string after, before;  // DateReceived bounds (ISO text compares)
};

// A Range "m-n" of Search and Find (MS-ASCMD 2.2.3.142.1, 2.2.3.143.1):
// zero-based, first <= last <= max_last; without one, 0-default_last;
// nullopt when malformed.
struct ResultRange {
  int first = 0;
  int last = 0;
};
std::optional<ResultRange> ParseResultRange(pugi::xml_node range, int default_last, int max_last);

// A match: what sorts it and finds it again, never its data.
struct MailboxHit {
  std::string received, folder, server_id;
};

// Adds the words of `text` to `q`: plain words, and `from:`, `to:`, `cc:`,
// `subject:`, `body:` restrictions when `restrictions` (MS-ASCMD 2.2.3.80.1).
void AddFreeText(const std::string& text, bool restrictions, MailboxQuery& q);

// The folder types that hold items of a class.
bool HoldsClass(int type, const std::string& item_class);

// The matches, newest first. NotFound: the collection is not in the
// hierarchy (FolderSync required); DeadlineExceeded: the search read more
// than ctx.search_max_items items or ran past 10 s (or the client's
// deadline share); other errors are the store's.
absl::StatusOr<std::vector<MailboxHit>> SearchMailbox(CommandContext& ctx, const MailboxQuery& q);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_MAILBOX_SEARCH_H_
