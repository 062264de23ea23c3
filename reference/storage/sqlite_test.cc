// The SQLite layer: ordered migrations and their bookkeeping, refusal of
// files that are not ours, result codes as canonical codes, reads beside a
// writer, and the statement cache.
#include "reference/storage/sqlite.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "reference/testing/temp_files.h"

namespace eas::storage {
namespace {

std::string TempPath(const std::string& name) { return eas::testing::FreshTempPath(name); }

Schema TwoSteps(std::vector<int>* ran) {
  Schema s;
  s.application_id = 0x54455354;
  s.marker_table = "things";
  s.migrations.push_back([ran](Database& db) {
    ran->push_back(1);
    return db.Execute("CREATE TABLE IF NOT EXISTS things(id INTEGER PRIMARY KEY, name TEXT)");
  });
  s.migrations.push_back([ran](Database& db) {
    ran->push_back(2);
    return db.Execute("ALTER TABLE things ADD COLUMN color TEXT");
  });
  return s;
}

TEST(Migrations, RunInOrderOnceAndAreRecorded) {
  const std::string path = TempPath("migrate.db");
  std::vector<int> ran;
  {
    auto db = Database::Open(path, TwoSteps(&ran));
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ((*db)->UserVersion(), 2);
  }
  EXPECT_EQ(ran, (std::vector<int>{1, 2}));
  ran.clear();
  auto again = Database::Open(path, TwoSteps(&ran));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(ran.empty()) << "a migration ran twice";
  EXPECT_TRUE((*again)->Execute("INSERT INTO things(name, color) VALUES('a', 'red')").ok());
}

TEST(Migrations, AFailedStepLeavesTheVersionBefore) {
  const std::string path = TempPath("failing.db");
  std::vector<int> ran;
  Schema s = TwoSteps(&ran);
  s.migrations.push_back([](Database& db) -> absl::Status {
    if (auto e = db.Execute("CREATE TABLE half(x)"); !e.ok()) return e;
    return absl::InternalError("step 3 breaks halfway");
  });
  auto db = Database::Open(path, s);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("schema version 3"), absl::string_view::npos) << db.status();
  ran.clear();
  auto before = Database::Open(path, TwoSteps(&ran));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ((*before)->UserVersion(), 2);
  auto half = (*before)->Prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'");
  ASSERT_TRUE(half.ok());
  ASSERT_TRUE(half->Step().value_or(false));
  EXPECT_EQ(half->Int(0), 0) << "the failed step's table was kept: it did not run in a transaction";
}

TEST(Open, RefusesAFileOfANewerServer) {
  const std::string path = TempPath("newer.db");
  std::vector<int> ran;
  { ASSERT_TRUE(Database::Open(path, TwoSteps(&ran)).ok()); }
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 9", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  auto db = Database::Open(path, TwoSteps(&ran));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(db.status().message().find("newer eas-server"), absl::string_view::npos) << db.status();
}

TEST(Open, RefusesAnEmptyFileInsteadOfStartingOver) {
  const std::string path = TempPath("empty.db");
  { std::ofstream touch(path); }
  std::vector<int> ran;
  auto db = Database::Open(path, TwoSteps(&ran));
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("is empty"), absl::string_view::npos) << db.status();
  EXPECT_TRUE(ran.empty());
}

TEST(Open, RefusesAnotherProgramsDatabase) {
  const std::string path = TempPath("foreign.db");
  {
    auto other = Database::Open(path, "CREATE TABLE invoices(id INTEGER)");
    ASSERT_TRUE(other.ok());
  }
  std::vector<int> ran;
  auto db = Database::Open(path, TwoSteps(&ran));
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.status().message().find("no table things"), absl::string_view::npos) << db.status();
  EXPECT_TRUE(ran.empty());
}

TEST(Open, RefusesAFileThatIsNotSqliteNamingIt) {
  const std::string path = TempPath("garbage.db");
  {
    std::ofstream out(path);
    out << std::string(8192, 'x');
  }
  std::vector<int> ran;
  auto db = Database::Open(path, TwoSteps(&ran));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
  EXPECT_NE(db.status().message().find(path), absl::string_view::npos) << db.status();
}

TEST(Status, SqliteCodesBecomeCanonicalCodes) {
  EXPECT_EQ(SqliteStatus(SQLITE_BUSY, "x", "busy").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_IOERR_WRITE, "x", "io").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_FULL, "x", "full").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(SqliteStatus(SQLITE_CORRUPT, "x", "bad").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SqliteStatus(SQLITE_NOTADB, "x", "bad").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(SqliteStatus(SQLITE_READONLY, "x", "ro").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(SqliteStatus(SQLITE_CONSTRAINT_UNIQUE, "x", "dup").code(), absl::StatusCode::kInternal);
}

TEST(Readers, AReadDoesNotWaitForAnOpenTransaction) {
  const std::string path = TempPath("readers.db");
  std::vector<int> ran;
  auto opened = Database::Open(path, TwoSteps(&ran));
  ASSERT_TRUE(opened.ok());
  Database& db = **opened;
  ASSERT_TRUE(db.Execute("INSERT INTO things(name) VALUES('before')").ok());
  absl::Notification in_transaction, read_done;
  std::thread writer([&] {
    EXPECT_TRUE(db.Transaction([&]() -> absl::Status {
                    if (auto s = db.Execute("INSERT INTO things(name) VALUES('during')"); !s.ok()) return s;
                    // Inside the transaction this thread reads its own write.
                    auto own = db.Prepare("SELECT count(*) FROM things");
                    EXPECT_TRUE(own.ok() && own->Step().value_or(false) && own->Int(0) == 2);
                    in_transaction.Notify();
                    EXPECT_TRUE(read_done.WaitForNotificationWithTimeout(absl::Seconds(10)))
                        << "the reader waited for the writer's transaction";
                    return absl::OkStatus();
                  }).ok());
  });
  in_transaction.WaitForNotification();
  {
    // Another thread, meanwhile: a reader connection, the committed state.
    auto count = db.Prepare("SELECT count(*) FROM things");
    ASSERT_TRUE(count.ok()) << count.status();
    ASSERT_TRUE(count->Step().value_or(false));
    EXPECT_EQ(count->Int(0), 1);
  }
  read_done.Notify();
  writer.join();
  auto after = db.Prepare("SELECT count(*) FROM things");
  ASSERT_TRUE(after.ok() && after->Step().value_or(false));
  EXPECT_EQ(after->Int(0), 2) << "a read after the commit sees it";
}

TEST(Readers, ManyThreadsReadAndWriteWithoutLosingAnything) {
  const std::string path = TempPath("threads.db");
  std::vector<int> ran;
  auto opened = Database::Open(path, TwoSteps(&ran));
  ASSERT_TRUE(opened.ok());
  Database& db = **opened;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        auto add = db.Prepare("INSERT INTO things(name) VALUES(?)");
        ASSERT_TRUE(add.ok());
        add->Bind(1, absl::StrCat(t, "-", i));
        ASSERT_TRUE(add->Run().ok());
        add = absl::InternalError("released");
        // Nested reads on one thread share its reader.
        auto outer = db.Prepare("SELECT name FROM things WHERE name = ?");
        ASSERT_TRUE(outer.ok());
        outer->Bind(1, absl::StrCat(t, "-", i));
        ASSERT_TRUE(outer->Step().value_or(false)) << "a committed row was not seen by the next read";
        auto inner = db.Prepare("SELECT count(*) FROM things");
        ASSERT_TRUE(inner.ok() && inner->Step().value_or(false));
      }
    });
  }
  for (auto& t : threads) t.join();
  auto count = db.Prepare("SELECT count(*) FROM things");
  ASSERT_TRUE(count.ok() && count->Step().value_or(false));
  EXPECT_EQ(count->Int(0), 800);
}

TEST(Statements, APreparedStatementIsReusedAndComesBackClean) {
  const std::string path = TempPath("cache.db");
  std::vector<int> ran;
  auto opened = Database::Open(path, TwoSteps(&ran));
  ASSERT_TRUE(opened.ok());
  Database& db = **opened;
  ASSERT_TRUE(db.Execute("INSERT INTO things(name) VALUES('a'); INSERT INTO things(name) VALUES('b')").ok());
  for (const char* name : {"a", "b", "a"}) {
    auto find = db.Prepare("SELECT count(*) FROM things WHERE name = ?");
    ASSERT_TRUE(find.ok());
    find->Bind(1, name);
    ASSERT_TRUE(find->Step().value_or(false));
    EXPECT_EQ(find->Int(0), 1) << name;
  }
  // A cached statement left mid-iteration comes back reset.
  {
    auto all = db.Prepare("SELECT name FROM things ORDER BY name");
    ASSERT_TRUE(all.ok() && all->Step().value_or(false));
  }
  auto all = db.Prepare("SELECT name FROM things ORDER BY name");
  ASSERT_TRUE(all.ok() && all->Step().value_or(false));
  EXPECT_EQ(all->Text(0), "a");
  // No binding is left over from the last use: an unbound parameter is NULL.
  auto unbound = db.Prepare("SELECT count(*) FROM things WHERE name = ?");
  ASSERT_TRUE(unbound.ok() && unbound->Step().value_or(false));
  EXPECT_EQ(unbound->Int(0), 0);
}

TEST(WriteFaults, AFullFileIsNotedInTheScopeReadsAreNotAndLosableWritesAreNot) {
  const std::string path = TempPath("full.db");
  std::vector<int> ran;
  auto opened = Database::Open(path, TwoSteps(&ran));
  ASSERT_TRUE(opened.ok());
  Database& db = **opened;
  ASSERT_TRUE(db.Execute("INSERT INTO things(name) VALUES('kept')").ok());
  // The file may not grow: what a full disk does to every write that needs
  // a new page (SQLITE_FULL).
  auto pages = db.Prepare("PRAGMA page_count");
  ASSERT_TRUE(pages.ok() && pages->Step().value_or(false));
  const int64_t now = pages->Int(0);
  pages = absl::InternalError("done");
  ASSERT_TRUE(db.Execute(absl::StrCat("PRAGMA max_page_count = ", now)).ok());
  const std::string big = std::string(64 * 1024, 'x');
  auto insert_big = [&] {
    return db.Transaction([&] {
      auto stmt = db.Prepare("INSERT INTO things(name) VALUES(?)");
      if (!stmt.ok()) return stmt.status();
      stmt->Bind(1, big);
      return stmt->Run();
    });
  };
  {
    WriteFaultScope scope;
    auto read = db.Prepare("SELECT count(*) FROM things");
    ASSERT_TRUE(read.ok() && read->Step().value_or(false));
    EXPECT_EQ(read->Int(0), 1);
    read = absl::InternalError("done");
    EXPECT_FALSE(scope.faulted());  // reads go on
    absl::Status failed = insert_big();
    EXPECT_TRUE(absl::IsUnavailable(failed)) << failed;
    EXPECT_TRUE(scope.faulted());
    EXPECT_TRUE(absl::IsUnavailable(scope.first()));
  }
  {
    WriteFaultScope scope;
    {
      LosableWrites losable;
      EXPECT_FALSE(insert_big().ok());
    }
    EXPECT_FALSE(scope.faulted());
    // A failure that is not the file's (a constraint) is the request's own.
    EXPECT_FALSE(db.Execute("INSERT INTO things(id, name) VALUES(1, 'a'); INSERT INTO things(id, name) VALUES(1, 'b')").ok());
    EXPECT_FALSE(scope.faulted());
  }
  // Without a scope a fault is only returned.
  EXPECT_FALSE(insert_big().ok());
}

}  // namespace
}  // namespace eas::storage
