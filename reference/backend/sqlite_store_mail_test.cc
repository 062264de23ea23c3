// The store's mail, move, folder and out-of-office operations.
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <string>

#include "gtest/gtest.h"
#include "reference/backend/default_folders.h"
#include "reference/backend/sqlite_store.h"

namespace eas::backend {
namespace {

constexpr char kMessage[] =
    "From: ana@ox.io\r\nTo: miguel@ox.io\r\nSubject: Report\r\n"
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n"
    "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=r.pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERg==\r\n--b--\r\n";

class StoreMail : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* dir = std::getenv("TEST_TMPDIR");
    path_ = std::string(dir ? dir : "/tmp") + "/mail_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db";
    std::remove(path_.c_str());
    auto store = SqliteStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    auto account = store_->AddUser("ox.io", "miguel", "secret", "Miguel", "Miguel@OX.io");
    ASSERT_TRUE(account.ok());
    account_ = *account;
    ASSERT_TRUE(AddDefaultFolders(*store_, account_).ok());
  }
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
  Account account_;
};

TEST_F(StoreMail, MailKeepsItsMimeAndAttachmentsAcrossAMove) {
  auto id = store_->AddMail(account_, "inbox", kMessage, false, 1795500000);
  ASSERT_TRUE(id.ok()) << id.status();
  auto item = store_->GetItem(account_, *id);
  ASSERT_TRUE(item.ok());
  EXPECT_EQ(item->item_class, "Email");
  const size_t at = item->data.find("<airsyncbase:FileReference>");
  ASSERT_NE(at, std::string::npos);
  const size_t start = at + 27;
  const std::string reference = item->data.substr(start, item->data.find('<', start) - start);
  auto attachment = store_->GetAttachment(account_, reference);
  ASSERT_TRUE(attachment.ok()) << attachment.status();
  EXPECT_EQ(attachment->name, "r.pdf");
  EXPECT_EQ(attachment->data, "%PDF");

  auto moved = store_->MoveItem(account_, *id, "trash");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(store_->GetItem(account_, *id).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*store_->GetMime(account_, *moved), kMessage);
  EXPECT_TRUE(store_->GetAttachment(account_, reference).ok());
  // The source folder reports a tombstone, the destination an add.
  auto inbox = store_->ChangesSince(account_, "inbox", 0);
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_TRUE((*inbox)[0].deleted);
  EXPECT_EQ(store_->ChangesSince(account_, "trash", 0)->size(), 1u);
  EXPECT_EQ(store_->MoveItem(account_, *moved, "nowhere").status().code(), absl::StatusCode::kNotFound);
  // The failed move changed nothing.
  EXPECT_TRUE(store_->GetItem(account_, *moved).ok());
  EXPECT_EQ(store_->GetAttachment(account_, "999:0").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetAttachment(account_, reference + "9").status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(store_->AddMail(account_, "inbox", "", false, 0).ok());
}

TEST_F(StoreMail, AttachmentsOfAnotherAccountAreNotFound) {
  auto id = store_->AddMail(account_, "inbox", kMessage, false, 1795500000);
  ASSERT_TRUE(id.ok());
  auto other = store_->AddUser("ox.io", "ana", "pw", "Ana", "ana@ox.io");
  ASSERT_TRUE(other.ok());
  const std::string data = store_->GetItem(account_, *id)->data;
  const size_t start = data.find("<airsyncbase:FileReference>") + 27;
  EXPECT_EQ(store_->GetAttachment(*other, data.substr(start, data.find('<', start) - start)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreMail, FindsLocalRecipientsCaseInsensitively) {
  auto found = store_->FindAccountByEmail("ox.io", "miguel@ox.IO");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->login, "miguel");
  EXPECT_EQ(store_->FindAccountByEmail("ox.io", "nobody@ox.io").status().code(), absl::StatusCode::kNotFound);
  // Contexts are tenants: another context never finds miguel (issue 15).
  EXPECT_EQ(store_->FindAccountByEmail("defaultcontext", "miguel@ox.io").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreMail, EmptyFolderTombstonesItemsAndOptionallySubfolders) {
  ASSERT_TRUE(store_->AddMail(account_, "trash", kMessage, true, 1).ok());
  ASSERT_TRUE(store_->AddMail(account_, "trash", kMessage, true, 2).ok());
  auto sub = store_->CreateFolder(account_, "trash", "Old", kUserMail);
  ASSERT_TRUE(sub.ok());
  const int64_t before = *store_->FolderChangeCounter(account_, "trash");
  ASSERT_TRUE(store_->EmptyFolder(account_, "trash", /*delete_subfolders=*/false).ok());
  auto changes = store_->ChangesSince(account_, "trash", before);
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_TRUE((*changes)[0].deleted && (*changes)[1].deleted);
  EXPECT_TRUE(store_->FolderChangeCounter(account_, *sub).ok());
  ASSERT_TRUE(store_->EmptyFolder(account_, "trash", /*delete_subfolders=*/true).ok());
  EXPECT_EQ(store_->FolderChangeCounter(account_, *sub).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreMail, FolderCreateRenameRemove) {
  auto a = store_->CreateFolder(account_, "inbox", "Projects", kUserMail);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(store_->CreateFolder(account_, "inbox", "Projects", kUserMail).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->CreateFolder(account_, "nowhere", "X", kUserMail).status().code(),
            absl::StatusCode::kNotFound);
  auto b = store_->CreateFolder(account_, *a, "2026", kUserMail);
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  // Into itself or its own child: refused.
  EXPECT_EQ(store_->RenameFolder(account_, *a, *b, "Projects").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->RenameFolder(account_, *a, *a, "Projects").code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->RenameFolder(account_, *a, "0", "Archive").ok());
  EXPECT_EQ(store_->RenameFolder(account_, "nowhere", "0", "X").code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(store_->AddMail(account_, *b, kMessage, true, 1).ok());
  ASSERT_TRUE(store_->RemoveFolder(account_, *a).ok());
  auto folders = store_->ListFolders(account_);
  for (const auto& f : *folders) EXPECT_NE(f.server_id, *b);
  EXPECT_TRUE(store_->ChangesSince(account_, *b, 0)->empty());  // its items went with it
}

TEST_F(StoreMail, OofRoundTrips) {
  EXPECT_EQ(store_->GetOof(account_)->state, 0);
  OofSettings o;
  o.state = 2;
  o.start_time = 100;
  o.end_time = 200;
  o.internal_message = "Away";
  o.external_unknown_enabled = true;
  o.external_unknown_message = "Away (ext)";
  ASSERT_TRUE(store_->SetOof(account_, o).ok());
  auto read = store_->GetOof(account_);
  EXPECT_EQ(read->state, 2);
  EXPECT_EQ(read->end_time, 200);
  EXPECT_EQ(read->internal_message, "Away");
  EXPECT_TRUE(read->external_unknown_enabled);
  EXPECT_FALSE(read->external_known_enabled);
}

TEST_F(StoreMail, ReopeningAnOlderDataDirectoryMigratesIt) {
  store_.reset();
  auto again = SqliteStore::Open(path_);  // the migration runs a second time
  ASSERT_TRUE(again.ok()) << again.status();
}

}  // namespace
}  // namespace eas::backend

namespace eas::backend {
namespace {

TEST_F(StoreMail, ChangesByAnotherProcessReachTheListener) {
  std::mutex mutex;
  std::condition_variable told;
  std::vector<std::string> seen;
  store_->SetChangeListener([&](const std::string& account, const std::string& folder) {
    std::lock_guard<std::mutex> lock(mutex);
    seen.push_back(account + " " + folder);
    told.notify_all();
  });
  store_->WatchOtherWriters(absl::Milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the first look
  auto other = SqliteStore::Open(path_);  // another writer, as eas-admin is
  ASSERT_TRUE(other.ok());
  auto account = (*other)->FindUser("ox.io", "miguel");
  ASSERT_TRUE((*other)->AddMail(*account, "inbox", kMessage, false, 1).ok());
  std::unique_lock<std::mutex> lock(mutex);
  ASSERT_TRUE(told.wait_for(lock, std::chrono::seconds(5), [&] { return !seen.empty(); }));
  EXPECT_EQ(seen[0], "ox.io/miguel inbox");
}

}  // namespace
}  // namespace eas::backend
