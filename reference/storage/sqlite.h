// A thin RAII layer over SQLite: one writer connection and a small pool of
// reader connections on one file in WAL mode, a statement cache per
// connection, typed binds and columns, transactions, and ordered schema
// migrations recorded in PRAGMA user_version. Errors are absl::Status with
// SQLite's result code mapped to a canonical code (busy or out of disk:
// Unavailable; a damaged file: DataLoss) and SQLite's message.
#ifndef EAS_REFERENCE_STORAGE_SQLITE_H_
#define EAS_REFERENCE_STORAGE_SQLITE_H_

#include <sqlite3.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eas::storage {

// SQLite's result code of `db` as a Status: SQLITE_BUSY/LOCKED/FULL/IOERR
// Unavailable (try again later), SQLITE_CORRUPT/NOTADB DataLoss,
// SQLITE_NOMEM ResourceExhausted, SQLITE_READONLY/CANTOPEN
// FailedPrecondition, anything else Internal.
absl::Status SqliteStatus(int code, absl::string_view what, absl::string_view message);

class Database;

// Watches the writes of the request running on this thread: a write the
// file could not take (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY past the busy
// timeout: Unavailable) is noted in the innermost scope. The Dispatcher
// opens one around each handler and answers such a request 503 with
// Retry-After (MS-ASHTTP 3.2.5.1) whatever status the handler chose: the
// disk is full or the file locked, not the request wrong, and the phone
// resends it later (its sync state stays resendable). Reads are not
// affected: a full disk fails writes only.
class WriteFaultScope {
 public:
  WriteFaultScope();
  ~WriteFaultScope();
  WriteFaultScope(const WriteFaultScope&) = delete;
  WriteFaultScope& operator=(const WriteFaultScope&) = delete;
  bool faulted() const { return !first_.ok(); }
  const absl::Status& first() const { return first_; }
  // Notes `status` in this thread's innermost scope, if it is a write fault.
  static void Note(const absl::Status& status);

 private:
  WriteFaultScope* outer_;
  absl::Status first_;
};

// Inside it, this thread's failed writes are not noted: a write its caller
// may lose (a device's last-seen time).
class LosableWrites {
 public:
  LosableWrites();
  ~LosableWrites();
  LosableWrites(const LosableWrites&) = delete;
  LosableWrites& operator=(const LosableWrites&) = delete;
};

// One SQLite connection. A thread holds its (recursive) lock for as long as
// a statement of it lives; statements not in use wait in its cache.
struct Connection {
  sqlite3* db = nullptr;
  std::recursive_mutex mutex;
  // SQL text -> a prepared statement not in use (guarded by mutex).
  absl::flat_hash_map<std::string, sqlite3_stmt*> cache;
  ~Connection();
};

// A prepared statement. It holds its connection's lock for as long as it
// lives (statements are short-lived locals), so statements and transactions
// of different threads never interleave on one connection.
class Statement {
 public:
  Statement(Database* owner, Connection* connection, sqlite3_stmt* stmt, std::string sql,
            std::unique_lock<std::recursive_mutex> lock, bool writer);
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds are 1-based, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, absl::string_view value);
  Statement& BindNull(int index);

  // Runs one step: true if a row is ready, false when done.
  absl::StatusOr<bool> Step();
  // Runs to completion, ignoring rows.
  absl::Status Run();
  // Runs to completion, calling `row` for each row (read it with Int/Text).
  absl::Status ForEachRow(const std::function<void()>& row);

  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }
  std::string Text(int column) const;
  bool IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  // After a write: the rows it changed, the rowid it inserted.
  int Changes() const { return sqlite3_changes(connection_->db); }
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(connection_->db); }

 private:
  Database* owner_;
  Connection* connection_;
  sqlite3_stmt* stmt_;
  std::string sql_;
  absl::Status bind_error_;
  std::unique_lock<std::recursive_mutex> lock_;
  bool writer_;
};

// A database's shape: what it is (refused if the file holds another kind)
// and the steps that bring it from one version to the next.
struct Schema {
  // Written to PRAGMA application_id of a new file; a file with another id
  // is refused.
  int32_t application_id = 0;
  // A table every database of this kind has, for files made before the
  // application id was written: such a file is recognised by it.
  std::string marker_table;
  // migrations[i] brings user_version i to i + 1, each in a transaction of
  // its own. Step 1 is the first schema (written with IF NOT EXISTS, so it
  // also adopts a file made before versions were recorded).
  std::vector<std::function<absl::Status(Database&)>> migrations;
};

class Database {
 public:
  // Opens the file, creating it if it does not exist, in WAL mode with
  // foreign keys on and a busy timeout, and migrates it to the newest
  // version. Refuses (with what to do) an empty or foreign file, one made by
  // a newer server, and one that fails SQLite's quick check.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path, const Schema& schema,
                                                        int readers = 4);
  // The same for a schema of one idempotent DDL text (tests, small tools).
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path, absl::string_view schema);
  ~Database();

  // A read (SELECT) goes to a reader connection unless this thread is
  // inside a transaction or holds a writer statement; everything else to
  // the writer.
  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  absl::Status Execute(absl::string_view sql);  // one or more statements on the writer, no rows

  int UserVersion();
  // PRAGMA integrity_check, the whole file: OK, or DataLoss with what it
  // found (eas-admin check).
  absl::Status IntegrityCheck();
  // Takes the write lock and lets go (BEGIN IMMEDIATE; COMMIT): fails when
  // the file cannot be written (read-only, gone, locked for good).
  absl::Status CheckWritable() {
    return Transaction([] { return absl::OkStatus(); });
  }

  // BEGIN IMMEDIATE ... COMMIT; rolled back if `body` fails. Other threads'
  // writes wait for it (the writer's lock is held throughout); reads inside
  // it see its own changes. A transaction inside another (same thread) is a
  // savepoint of the outer one.
  template <typename Body>
  absl::Status Transaction(Body&& body) {
    std::lock_guard<std::recursive_mutex> hold(writer_.mutex);
    WriterHeld(+1);
    const bool nested = depth_ > 0;
    absl::Status result = Execute(nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE");
    if (result.ok()) {
      ++depth_;
      result = body();
      --depth_;
      if (!result.ok()) {
        Execute(nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK").IgnoreError();
      } else {
        result = Execute(nested ? "RELEASE nested" : "COMMIT");
      }
    }
    WriterHeld(-1);
    return result;
  }

 private:
  friend class Statement;
  Database() = default;
  absl::Status Configure(sqlite3* db, bool reader);
  absl::Status Migrate(const std::string& path, const Schema& schema);
  // This thread's hold on the writer (statements alive, transactions).
  void WriterHeld(int delta);
  int WriterHolds() const;
  // The reader this thread holds a statement of, or -1; and the count.
  int& ReaderOfThisThread();
  int& ReaderHoldsOfThisThread();
  static sqlite3_stmt* TakeCached(Connection& c, const std::string& sql);
  static void ReturnToCache(Connection& c, const std::string& sql, sqlite3_stmt* stmt);

  std::string path_;
  Connection writer_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::atomic<unsigned> next_reader_{0};
  int depth_ = 0;  // open transactions (guarded by writer_.mutex)
};

}  // namespace eas::storage

#endif  // EAS_REFERENCE_STORAGE_SQLITE_H_
