// The demo's groupware content, as the items the embedded store keeps
// (AirSync ApplicationData, docs/wbxml.md) and GAL entries. Deterministic:
// the same every run.
#ifndef EAS_REFERENCE_SERVER_DEMO_CONTENT_H_
#define EAS_REFERENCE_SERVER_DEMO_CONTENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "reference/backend/backend.h"

namespace eas::server {

struct DemoItem {
  std::string folder_id;
  std::string item_class;
  std::string xml;        // <ApplicationData ...>; empty for a message given as MIME
  std::string mime = "";  // a message stored with its MIME (attachments, invitations)
  int64_t received = 0;
};

// For one user: contacts, appointments (a weekly series with a moved and a
// deleted occurrence, an all-day event, events in Europe/Berlin and
// America/New_York), tasks, and mail in Inbox, Sent Items and the two Inbox
// subfolders.
std::vector<DemoItem> DemoItems(const std::string& owner_name, const std::string& owner_email);

// At least 50 people for a context's global address list.
std::vector<backend::GalEntry> DemoGal(const std::string& mail_domain);

}  // namespace eas::server

#endif  // EAS_REFERENCE_SERVER_DEMO_CONTENT_H_
