// A thin RAII layer over SQLite: a connection in WAL mode, prepared
// statements with typed binds and columns, transactions. Errors are
// absl::Status carrying SQLite's message.
#ifndef EAS_REFERENCE_STORAGE_SQLITE_H_
#define EAS_REFERENCE_STORAGE_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eas::storage {

// A prepared statement. It holds its connection's lock for as long as it
// lives (statements are short-lived locals), so statements and transactions
// of different threads never interleave on the shared connection.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::unique_lock<std::recursive_mutex> lock)
      : db_(db), stmt_(stmt), lock_(std::move(lock)) {}
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), bind_error_(other.bind_error_), lock_(std::move(other.lock_)) {
    other.stmt_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

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

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  absl::Status bind_error_;
  std::unique_lock<std::recursive_mutex> lock_;
};

class Database {
 public:
  // Opens (creating if needed) the file, in WAL mode with foreign keys on
  // and a busy timeout, and runs `schema` (idempotent DDL).
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        absl::string_view schema);
  ~Database();

  absl::StatusOr<Statement> Prepare(absl::string_view sql);
  absl::Status Execute(absl::string_view sql);  // one or more statements, no rows
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }

  // BEGIN IMMEDIATE ... COMMIT; rolled back if `body` fails. Other threads
  // wait for it (the connection's lock is held throughout). A transaction
  // inside another (same thread) is a savepoint of the outer one.
  template <typename Body>
  absl::Status Transaction(Body&& body) {
    std::lock_guard<std::recursive_mutex> hold(mutex_);
    const bool nested = depth_ > 0;
    if (auto s = Execute(nested ? "SAVEPOINT nested" : "BEGIN IMMEDIATE"); !s.ok()) return s;
    ++depth_;
    absl::Status result = body();
    --depth_;
    if (!result.ok()) {
      Execute(nested ? "ROLLBACK TO nested; RELEASE nested" : "ROLLBACK").IgnoreError();
      return result;
    }
    return Execute(nested ? "RELEASE nested" : "COMMIT");
  }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::recursive_mutex mutex_;
  int depth_ = 0;  // open transactions on this thread (guarded by mutex_)
};

}  // namespace eas::storage

#endif  // EAS_REFERENCE_STORAGE_SQLITE_H_
