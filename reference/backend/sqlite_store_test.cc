#include "reference/backend/sqlite_store.h"

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>
#include <string>

#include "gtest/gtest.h"
#include "reference/testing/temp_files.h"
#include "reference/backend/password_hash.h"

namespace eas::backend {
namespace {

std::string TempDb(const std::string& name) { return eas::testing::FreshTempPath(name + ".db"); }

TEST(PasswordHash, VerifiesOnlyTheRightPassword) {
  const std::string stored = HashPassword("secret", 1000);
  EXPECT_TRUE(VerifyPassword("secret", stored));
  EXPECT_FALSE(VerifyPassword("Secret", stored));
  EXPECT_FALSE(VerifyPassword("secret", "garbage"));
  EXPECT_NE(HashPassword("secret", 1000), HashPassword("secret", 1000));  // salted
}

TEST(SqliteStore, UsersAuthenticateCaseSensitively) {
  auto store = SqliteStore::Open(TempDb("users"));
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->AddUser("ox.io", "miguel", "secret", "Miguel", "miguel@ox.io").ok());
  EXPECT_EQ((*store)->AddUser("ox.io", "miguel", "x", "", "").status().code(),
            absl::StatusCode::kAlreadyExists);
  auto ok = (*store)->Authenticate("ox.io", "miguel", "secret");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->email, "miguel@ox.io");
  EXPECT_EQ(ok->key(), "ox.io/miguel");
  EXPECT_EQ((*store)->Authenticate("ox.io", "miguel", "SECRET").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*store)->Authenticate("ox.io", "Miguel", "secret").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ((*store)->Authenticate("other", "miguel", "secret").status().code(),
            absl::StatusCode::kUnauthenticated);
  // A new password takes effect at once, cache or not.
  ASSERT_TRUE((*store)->SetPassword("ox.io", "miguel", "new").ok());
  EXPECT_FALSE((*store)->Authenticate("ox.io", "miguel", "secret").ok());
  EXPECT_TRUE((*store)->Authenticate("ox.io", "miguel", "new").ok());
  EXPECT_EQ((*store)->SetPassword("ox.io", "nobody", "x").code(), absl::StatusCode::kNotFound);
}

TEST(SqliteStore, FoldersKeepOrderAndParents) {
  auto store = SqliteStore::Open(TempDb("folders"));
  ASSERT_TRUE(store.ok());
  auto a = (*store)->AddUser("ox.io", "ana", "pw", "Ana", "ana@ox.io");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*store)->AddFolder(*a, {"inbox", "0", "Inbox", kInbox}).ok());
  ASSERT_TRUE((*store)->AddFolder(*a, {"inbox/x", "inbox", "Projects", kUserMail}).ok());
  ASSERT_TRUE((*store)->AddFolder(*a, {"inbox/x/y", "inbox/x", "2026", kUserMail}).ok());
  EXPECT_EQ((*store)->AddFolder(*a, {"inbox", "0", "Again", kInbox}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ((*store)->AddFolder(*a, {"orphan", "nope", "O", kUserMail}).code(),
            absl::StatusCode::kFailedPrecondition);
  auto folders = (*store)->ListFolders(*a);
  ASSERT_TRUE(folders.ok());
  ASSERT_EQ(folders->size(), 3u);
  EXPECT_EQ((*folders)[1].display_name, "Projects");
  ASSERT_TRUE((*store)->UpdateFolder(*a, {"inbox/x", "inbox", "Projekte", kUserMail}).ok());
  ASSERT_TRUE((*store)->DeleteFolder(*a, "inbox/x").ok());  // and its child
  folders = (*store)->ListFolders(*a);
  ASSERT_EQ(folders->size(), 1u);
  EXPECT_EQ((*store)->DeleteFolder(*a, "inbox/x").code(), absl::StatusCode::kNotFound);
}

TEST(SqliteStore, PasswordChangedByAnotherProcessTakesEffectAtOnce) {
  const std::string path = TempDb("two_processes");
  auto server = SqliteStore::Open(path);
  auto admin = SqliteStore::Open(path);  // eas-admin's own connection
  ASSERT_TRUE(server.ok() && admin.ok());
  ASSERT_TRUE((*admin)->AddUser("ox.io", "lena", "pw1", "Lena", "lena@ox.io").ok());
  EXPECT_TRUE((*server)->Authenticate("ox.io", "lena", "pw1").ok());  // now cached
  ASSERT_TRUE((*admin)->SetPassword("ox.io", "lena", "pw2").ok());
  EXPECT_FALSE((*server)->Authenticate("ox.io", "lena", "pw1").ok());
  EXPECT_TRUE((*server)->Authenticate("ox.io", "lena", "pw2").ok());
}

TEST(SqliteStore, ItemChangesAreReadByCounter) {
  auto store = SqliteStore::Open(TempDb("items"));
  ASSERT_TRUE(store.ok());
  auto a = (*store)->AddUser("ox.io", "ana", "pw", "Ana", "ana@ox.io");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*store)->AddFolder(*a, {"contacts", "0", "Contacts", kContacts}).ok());
  ASSERT_TRUE((*store)->AddFolder(*a, {"inbox", "0", "Inbox", kInbox}).ok());
  const std::string xml = "<ApplicationData><contacts:FileAs>A</contacts:FileAs></ApplicationData>";
  auto first = (*store)->AddItem(*a, "contacts", "Contacts", xml);
  auto second = (*store)->AddItem(*a, "contacts", "Contacts", xml);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
  EXPECT_FALSE((*store)->AddItem(*a, "nope", "Contacts", xml).ok());
  EXPECT_FALSE((*store)->AddItem(*a, "contacts", "Contacts", "<NotApplicationData/>").ok());
  ASSERT_TRUE((*store)->AddItem(*a, "inbox", "Email", "<ApplicationData/>").ok());
  auto counter = (*store)->FolderChangeCounter(*a, "contacts");
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(*counter, 2);
  EXPECT_EQ((*store)->ChangesSince(*a, "contacts", 0)->size(), 2u);
  // Update and delete: only those rows come back after the counter.
  ASSERT_TRUE((*store)->UpdateItem(*a, *first, "<ApplicationData><contacts:FileAs>B</contacts:FileAs></ApplicationData>").ok());
  ASSERT_TRUE((*store)->DeleteItem(*a, *second).ok());
  auto changes = (*store)->ChangesSince(*a, "contacts", 2);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].server_id, *first);
  EXPECT_FALSE((*changes)[0].deleted);
  EXPECT_EQ((*changes)[1].server_id, *second);
  EXPECT_TRUE((*changes)[1].deleted);
  EXPECT_EQ((*store)->DeleteItem(*a, *second).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ((*store)->ChangesSince(*a, "contacts", 4)->size(), 0u);
}

TEST(SqliteStore, GalSearchByPrefix) {
  auto store = SqliteStore::Open(TempDb("gal"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->AddGalEntry("ox.io", {"lmeier", "Lena Meier", "Lena", "Meier", "lena.meier@ox.io"}).ok());
  ASSERT_TRUE((*store)->AddGalEntry("ox.io", {"lmu", "Lars Müller", "Lars", "Müller", "lars@ox.io"}).ok());
  ASSERT_TRUE((*store)->AddGalEntry("other", {"lx", "Lena X", "Lena", "X", "lx@other"}).ok());
  auto found = (*store)->SearchGal("ox.io", "le", 10);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].alias, "lmeier");
  EXPECT_EQ((*store)->SearchGal("ox.io", "meier", 10)->size(), 1u);  // last name
  EXPECT_EQ((*store)->SearchGal("ox.io", "L", 10)->size(), 2u);
  EXPECT_EQ((*store)->SearchGal("ox.io", "L", 1)->size(), 1u);
  EXPECT_EQ((*store)->SearchGal("ox.io", "%", 10)->size(), 0u);  // no wildcards
}

TEST(SqliteStore, TransactionsFromManyThreadsDoNotInterleave) {
  auto store = SqliteStore::Open(TempDb("threads"));
  ASSERT_TRUE(store.ok());
  auto a = (*store)->AddUser("ox.io", "t", "pw", "T", "t@ox.io");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*store)->AddFolder(*a, {"inbox", "0", "Inbox", kInbox}).ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        if (!(*store)->AddItem(*a, "inbox", "Email", "<ApplicationData/>").ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*(*store)->FolderChangeCounter(*a, "inbox"), 400);
  EXPECT_EQ((*store)->ChangesSince(*a, "inbox", 0)->size(), 400u);
}

TEST(SqliteStore, SurvivesReopen) {
  const std::string path = TempDb("reopen");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->AddUser("defaultcontext", "juan", "secret", "Juan", "juan@example.com").ok());
  }
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->Authenticate("defaultcontext", "juan", "secret").ok());
}

}  // namespace
}  // namespace eas::backend
