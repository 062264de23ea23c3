#include "reference/storage/sqlite.h"

#include "absl/strings/str_cat.h"

namespace eas::storage {
namespace {

absl::Status SqliteError(sqlite3* db, absl::string_view what) {
  return absl::InternalError(absl::StrCat("sqlite: ", what, ": ", sqlite3_errmsg(db)));
}

}  // namespace

Statement& Statement::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = SqliteError(db_, "bind");
  }
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK &&
      bind_error_.ok()) {
    bind_error_ = SqliteError(db_, "bind");
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = SqliteError(db_, "bind");
  }
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  if (!bind_error_.ok()) return bind_error_;
  switch (sqlite3_step(stmt_)) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      return SqliteError(db_, sqlite3_sql(stmt_));
  }
}

absl::Status Statement::Run() {
  for (;;) {
    auto row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

absl::Status Statement::ForEachRow(const std::function<void()>& row) {
  for (;;) {
    auto ready = Step();
    if (!ready.ok()) return ready.status();
    if (!*ready) return absl::OkStatus();
    row();
  }
}

std::string Statement::Text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         absl::string_view schema) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    absl::Status s = absl::InternalError(
        absl::StrCat("sqlite: cannot open ", path, ": ", raw ? sqlite3_errmsg(raw) : "out of memory"));
    sqlite3_close(raw);
    return s;
  }
  std::unique_ptr<Database> db(new Database(raw));
  sqlite3_busy_timeout(raw, 5000);
  // WAL: readers do not block the writer; NORMAL sync is durable across
  // process crashes (a power cut may lose the last transactions, never
  // corrupt the file).
  if (auto s = db->Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                           "PRAGMA foreign_keys=ON;");
      !s.ok()) {
    return s;
  }
  if (auto s = db->Execute(schema); !s.ok()) return s;
  return db;
}

Database::~Database() { sqlite3_close_v2(db_); }

absl::StatusOr<Statement> Database::Prepare(absl::string_view sql) {
  std::unique_lock<std::recursive_mutex> lock(mutex_);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
      SQLITE_OK) {
    return SqliteError(db_, sql);
  }
  return Statement(db_, stmt, std::move(lock));
}

absl::Status Database::Execute(absl::string_view sql) {
  std::lock_guard<std::recursive_mutex> lock(mutex_);
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status s = absl::InternalError(absl::StrCat("sqlite: ", error ? error : "error", ": ", text));
    sqlite3_free(error);
    return s;
  }
  return absl::OkStatus();
}

}  // namespace eas::storage
