// The one seam to groupware (docs/architecture.md): accounts, folders, and
// (as the sync issues land) items, GAL, mail. Implementations: the embedded
// SQLite store (sqlite_store.h), the OX connector (to come).
#ifndef EAS_REFERENCE_BACKEND_BACKEND_H_
#define EAS_REFERENCE_BACKEND_BACKEND_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace eas::backend {

struct Account {
  int64_t id = 0;
  std::string context;  // "ox.io"
  std::string login;    // "miguel"
  std::string display_name;
  std::string email;
  // "context/login": the key device state is filed under.
  std::string key() const { return context + "/" + login; }
};

// EAS folder types (MS-ASCMD 2.2.3.186.3).
enum FolderType : int {
  kUserGeneric = 1,
  kInbox = 2,
  kDrafts = 3,
  kDeletedItems = 4,
  kSentItems = 5,
  kOutbox = 6,
  kTasks = 7,
  kCalendar = 8,
  kContacts = 9,
  kNotes = 10,
  kJournal = 11,
  kUserMail = 12,
  kUserCalendar = 13,
  kUserContacts = 14,
  kUserTasks = 15,
  kUserJournal = 16,
  kUserNotes = 17,
  kUnknown = 18,
  kRecipientCache = 19,
};

struct Folder {
  std::string server_id;
  std::string parent_id;  // "0" for the top level
  std::string display_name;
  int type = kUserGeneric;
  bool operator==(const Folder& o) const {
    return server_id == o.server_id && parent_id == o.parent_id &&
           display_name == o.display_name && type == o.type;
  }
};

// One item as the store keeps it (sqlite_store.h, Items).
struct ItemChange {
  std::string server_id;
  std::string item_class;  // Email, Contacts, Calendar, Tasks
  std::string data;        // ApplicationData XML; empty for a delete
  int64_t mod_seq = 0;
  bool deleted = false;
  std::string folder_id = "";  // GetItem fills it in
};

// One person of the global address list (the GAL page of MS-ASWBXML).
struct GalEntry {
  std::string alias = "";
  std::string display_name = "";
  std::string first_name = "";
  std::string last_name = "";
  std::string email = "";
  std::string phone = "";
  std::string mobile_phone = "";
  std::string office = "";
  std::string title = "";
  std::string company = "";
};

// One attachment of a stored message (ItemOperations, GetAttachment).
struct Attachment {
  std::string name;
  std::string content_type;
  std::string data;
};

// Out-of-office settings (MS-ASCMD 2.2.3.119 Oof).
struct OofSettings {
  int state = 0;  // 0 disabled, 1 global, 2 time-based
  int64_t start_time = 0, end_time = 0;  // Unix seconds (state 2)
  std::string internal_message;          // to the sender's own organization
  bool external_known_enabled = false;   // to known external senders
  std::string external_known_message;
  bool external_unknown_enabled = false;
  std::string external_unknown_message;
  std::string body_type = "Text";  // "Text" or "HTML"
};

// One busy span of a calendar, Unix seconds, with its MS-ASCAL BusyStatus
// (0 free, 1 tentative, 2 busy, 3 out of office).
struct BusySpan {
  int64_t start = 0, end = 0;
  int status = 2;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Unauthenticated for a wrong password or unknown account (the caller must
  // not tell them apart); other errors mean the backend failed.
  virtual absl::StatusOr<Account> Authenticate(const std::string& context,
                                               const std::string& login,
                                               const std::string& password) = 0;

  // Every folder of the account the phone may see, parents before children.
  virtual absl::StatusOr<std::vector<Folder>> ListFolders(const Account& account) = 0;

  // Items. Data is the AirSync ApplicationData element as XML (see
  // sqlite_store.h). NotFound for an unknown folder or item.
  virtual absl::StatusOr<std::string> AddItem(const Account& account, const std::string& folder_id,
                                              const std::string& item_class,
                                              const std::string& application_data_xml) = 0;
  // AddItem done at most once per `once_key` (a device's ClientId at its
  // sync key): a call with a key seen before returns the first call's
  // ServerId and adds nothing, whatever happened in between (the process
  // killed, the groupware failing after it took the item, a resend). The
  // key is recorded with the item: in the same transaction on the embedded
  // store, as soon as OX accepts the item on the OX connector.
  virtual absl::StatusOr<std::string> AddItemOnce(const Account& account, const std::string& folder_id,
                                                  const std::string& item_class,
                                                  const std::string& application_data_xml,
                                                  const std::string& once_key) = 0;
  virtual absl::Status UpdateItem(const Account& account, const std::string& server_id,
                                  const std::string& application_data_xml) = 0;
  virtual absl::Status DeleteItem(const Account& account, const std::string& server_id) = 0;
  virtual absl::StatusOr<ItemChange> GetItem(const Account& account, const std::string& server_id) = 0;
  // A number that grows with every change in the folder.
  virtual absl::StatusOr<int64_t> FolderChangeCounter(const Account& account,
                                                      const std::string& folder_id) = 0;
  // Items (and tombstones) changed after `counter`, oldest change first.
  virtual absl::StatusOr<std::vector<ItemChange>> ChangesSince(const Account& account,
                                                               const std::string& folder_id,
                                                               int64_t counter) = 0;
  // True when the groupware holds changes of the folder that ChangesSince
  // did not bring yet (a refresh that stopped early): Sync says
  // MoreAvailable so the device comes back at once.
  virtual bool MoreToCome(const Account& /*account*/, const std::string& /*folder_id*/) { return false; }
  // Moves a live item; returns its server id in the destination. NotFound
  // for an unknown item or folder.
  virtual absl::StatusOr<std::string> MoveItem(const Account& account, const std::string& server_id,
                                               const std::string& destination_folder_id) = 0;
  // Deletes every item of the folder (and, if asked, its subfolders).
  virtual absl::Status EmptyFolder(const Account& account, const std::string& folder_id,
                                   bool delete_subfolders) = 0;

  // Folders the phone manages (FolderCreate/Update/Delete). CreateFolder
  // returns the new server id; AlreadyExists for a name taken under the
  // parent, NotFound for an unknown parent or folder.
  virtual absl::StatusOr<std::string> CreateFolder(const Account& account, const std::string& parent_id,
                                                   const std::string& display_name, int type) = 0;
  virtual absl::Status RenameFolder(const Account& account, const std::string& server_id,
                                    const std::string& parent_id, const std::string& display_name) = 0;
  virtual absl::Status RemoveFolder(const Account& account, const std::string& server_id) = 0;

  // Mail. AddMail stores a message (raw MIME) as an Email item; GetMime
  // gives an item's MIME back (NotFound for items without MIME);
  // GetAttachment reads an attachment by the FileReference the item lists.
  virtual absl::StatusOr<std::string> AddMail(const Account& account, const std::string& folder_id,
                                              const std::string& mime, bool read, int64_t received) = 0;
  virtual absl::StatusOr<std::string> GetMime(const Account& account, const std::string& server_id) = 0;
  virtual absl::StatusOr<Attachment> GetAttachment(const Account& account,
                                                   const std::string& file_reference) = 0;
  // The account of `context` that receives mail for `email`
  // (case-insensitive), for delivery inside the store and free/busy;
  // NotFound when the address is not one of that context's. Contexts are
  // tenants: no lookup ever finds another context's account.
  virtual absl::StatusOr<Account> FindAccountByEmail(const std::string& context, const std::string& email) = 0;

  // The global address list of the account's context: entries whose names,
  // alias or address start with `query`, by display name.
  virtual absl::StatusOr<std::vector<GalEntry>> SearchGal(const Account& account,
                                                          const std::string& query, int limit) = 0;

  virtual absl::StatusOr<OofSettings> GetOof(const Account& account) = 0;
  virtual absl::Status SetOof(const Account& account, const OofSettings& settings) = 0;

  // The busy times of the person with address `email` between `start` and
  // `end` (Unix seconds), as the groupware tells `asker`; NotFound when it
  // does not know the address. Unimplemented: the server reads the
  // person's calendars itself (commands/resolve_recipients.cc), as on the
  // embedded store.
  virtual absl::StatusOr<std::vector<BusySpan>> FreeBusy(const Account& /*asker*/, const std::string& /*email*/,
                                                         int64_t /*start*/, int64_t /*end*/) {
    return absl::UnimplementedError("the server reads the calendars itself");
  }

  // Hands a message to the groupware to send (a groupware that delivers
  // mail itself, like OX). Unimplemented: the server delivers it
  // (commands/mail_delivery.cc), as on the embedded store.
  virtual absl::Status SubmitMail(const Account& /*account*/, const std::string& /*mime*/,
                                  bool /*save_in_sent*/) {
    return absl::UnimplementedError("the server delivers mail itself");
  }
};

}  // namespace eas::backend

#endif  // EAS_REFERENCE_BACKEND_BACKEND_H_
