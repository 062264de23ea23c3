#include "reference/storage/sqlite.h"

#include <sys/stat.h>

#include <utility>

#include "absl/container/node_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace eas::storage {
namespace {

// Cached statements per connection; SQL built at run time beyond this many
// distinct texts is finalized after use instead.
constexpr size_t kStatementCacheSize = 256;

// What this thread holds of each open database: writer statements and
// transactions, and the reader its read statements use.
struct Holds {
  int writer = 0;
  int reader = -1;
  int reader_count = 0;
};
// node_hash_map: references into it stay valid while other entries come and go.
thread_local absl::node_hash_map<const Database*, Holds> tls_holds;

absl::Status ErrorOf(sqlite3* db, absl::string_view what) {
  return SqliteStatus(sqlite3_extended_errcode(db), what, sqlite3_errmsg(db));
}

bool IsRead(absl::string_view sql) {
  sql = absl::StripLeadingAsciiWhitespace(sql);
  // (Not WITH: a common table expression may lead a DELETE.)
  return absl::StartsWithIgnoreCase(sql, "SELECT");
}

}  // namespace

namespace {
thread_local WriteFaultScope* innermost_scope = nullptr;
thread_local int losable_depth = 0;
}  // namespace

WriteFaultScope::WriteFaultScope() : outer_(innermost_scope) { innermost_scope = this; }
WriteFaultScope::~WriteFaultScope() { innermost_scope = outer_; }

void WriteFaultScope::Note(const absl::Status& status) {
  if (innermost_scope == nullptr || losable_depth > 0 || !absl::IsUnavailable(status)) return;
  if (innermost_scope->first_.ok()) innermost_scope->first_ = status;
}

LosableWrites::LosableWrites() { ++losable_depth; }
LosableWrites::~LosableWrites() { --losable_depth; }

absl::Status SqliteStatus(int code, absl::string_view what, absl::string_view message) {
  const std::string text = absl::StrCat("sqlite: ", what, ": ", message);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return absl::UnavailableError(text);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(text);
    case SQLITE_NOMEM:
      return absl::ResourceExhaustedError(text);
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return absl::FailedPreconditionError(text);
    default:
      return absl::InternalError(text);
  }
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache) sqlite3_finalize(stmt);
  if (db != nullptr) sqlite3_close_v2(db);
}

Statement::Statement(Database* owner, Connection* connection, sqlite3_stmt* stmt, std::string sql,
                     std::unique_lock<std::recursive_mutex> lock, bool writer)
    : owner_(owner), connection_(connection), stmt_(stmt), sql_(std::move(sql)), lock_(std::move(lock)),
      writer_(writer) {}

Statement::Statement(Statement&& other) noexcept
    : owner_(other.owner_), connection_(other.connection_), stmt_(other.stmt_), sql_(std::move(other.sql_)),
      bind_error_(std::move(other.bind_error_)), lock_(std::move(other.lock_)), writer_(other.writer_) {
  other.stmt_ = nullptr;
  other.owner_ = nullptr;
}

Statement::~Statement() {
  if (owner_ == nullptr) return;  // moved from
  Database::ReturnToCache(*connection_, sql_, stmt_);
  if (writer_) {
    owner_->WriterHeld(-1);
  } else if (--owner_->ReaderHoldsOfThisThread() == 0) {
    owner_->ReaderOfThisThread() = -1;
  }
  lock_ = {};
  if (auto it = tls_holds.find(owner_); it != tls_holds.end() && it->second.writer == 0 &&
                                        it->second.reader_count == 0) {
    tls_holds.erase(it);
  }
}

Statement& Statement::Bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = ErrorOf(connection_->db, "bind");
  }
  return *this;
}

Statement& Statement::Bind(int index, absl::string_view value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT) !=
          SQLITE_OK &&
      bind_error_.ok()) {
    bind_error_ = ErrorOf(connection_->db, "bind");
  }
  return *this;
}

Statement& Statement::BindNull(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK && bind_error_.ok()) {
    bind_error_ = ErrorOf(connection_->db, "bind");
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
    default: {
      absl::Status error = ErrorOf(connection_->db, sql_);
      if (writer_) WriteFaultScope::Note(error);
      return error;
    }
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
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

// --- Database -------------------------------------------------------------------

void Database::WriterHeld(int delta) { tls_holds[this].writer += delta; }

int Database::WriterHolds() const {
  auto it = tls_holds.find(this);
  return it == tls_holds.end() ? 0 : it->second.writer;
}

int& Database::ReaderOfThisThread() { return tls_holds[this].reader; }
int& Database::ReaderHoldsOfThisThread() { return tls_holds[this].reader_count; }

sqlite3_stmt* Database::TakeCached(Connection& c, const std::string& sql) {
  auto it = c.cache.find(sql);
  if (it == c.cache.end()) return nullptr;
  sqlite3_stmt* stmt = it->second;
  c.cache.erase(it);
  return stmt;
}

void Database::ReturnToCache(Connection& c, const std::string& sql, sqlite3_stmt* stmt) {
  if (stmt == nullptr) return;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  // The same SQL in use twice at once (nested) leaves a spare; keep one.
  if (c.cache.size() >= kStatementCacheSize || !c.cache.emplace(sql, stmt).second) sqlite3_finalize(stmt);
}

absl::Status Database::Configure(sqlite3* db, bool reader) {
  sqlite3_busy_timeout(db, 5000);
  // WAL: readers do not block the writer; NORMAL sync is durable across
  // process crashes (a power cut may lose the last transactions, never
  // corrupt the file).
  const char* pragmas = reader ? "PRAGMA foreign_keys=ON;"
                               : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
  char* error = nullptr;
  if (sqlite3_exec(db, pragmas, nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status s = SqliteStatus(sqlite3_extended_errcode(db), path_, error ? error : "cannot configure");
    sqlite3_free(error);
    return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, absl::string_view schema) {
  Schema s;
  s.migrations.push_back([text = std::string(schema)](Database& db) { return db.Execute(text); });
  return Open(path, s, 0);
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path, const Schema& schema,
                                                         int readers) {
  struct stat info;
  const bool existed = stat(path.c_str(), &info) == 0;
  if (existed && S_ISREG(info.st_mode) && info.st_size == 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is empty (0 bytes): it was truncated or is not ours; restore it from a backup, or remove it to "
              "start with no data"));
  }
  std::unique_ptr<Database> db(new Database());
  db->path_ = path;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db->writer_.db, flags, nullptr) != SQLITE_OK) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot open ", path, ": ", db->writer_.db ? sqlite3_errmsg(db->writer_.db) : "out of memory",
        " (check that the directory exists and is writable by this user)"));
  }
  if (auto s = db->Configure(db->writer_.db, false); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), " (is ", path, " an SQLite database?)"));
  }
  if (auto s = db->Migrate(path, schema); !s.ok()) return s;
  for (int i = 0; i < readers; ++i) {
    auto reader = std::make_unique<Connection>();
    if (sqlite3_open_v2(path.c_str(), &reader->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr) !=
        SQLITE_OK) {
      return absl::FailedPreconditionError(absl::StrCat("cannot open ", path, " for reading"));
    }
    if (auto s = db->Configure(reader->db, true); !s.ok()) return s;
    db->readers_.push_back(std::move(reader));
  }
  return db;
}

absl::Status Database::IntegrityCheck() {
  auto stmt = Prepare("PRAGMA integrity_check");
  if (!stmt.ok()) return stmt.status();
  std::string found;
  if (auto s = stmt->ForEachRow([&] {
        const std::string line = stmt->Text(0);
        if (line != "ok" && found.size() < 2000) absl::StrAppend(&found, found.empty() ? "" : "; ", line);
      });
      !s.ok()) {
    return s;
  }
  if (!found.empty()) return absl::DataLossError(absl::StrCat(path_, ": ", found));
  return absl::OkStatus();
}

int Database::UserVersion() {
  auto stmt = Prepare("PRAGMA user_version");
  if (!stmt.ok()) return -1;
  auto row = stmt->Step();
  return row.ok() && *row ? static_cast<int>(stmt->Int(0)) : -1;
}

absl::Status Database::Migrate(const std::string& path, const Schema& schema) {
  auto read_int = [&](const char* sql) -> absl::StatusOr<int64_t> {
    auto stmt = Prepare(sql);
    if (!stmt.ok()) return stmt.status();
    auto row = stmt->Step();
    if (!row.ok()) return row.status();
    return *row ? stmt->Int(0) : 0;
  };
  {
    auto check = Prepare("PRAGMA quick_check");
    absl::StatusOr<bool> row = check.ok() ? check->Step() : absl::StatusOr<bool>(check.status());
    if (!row.ok()) {
      return absl::Status(row.status().code(),
                          absl::StrCat(path, " cannot be read: ", row.status().message(),
                                       " (restore it from a backup, or move it away to start with no data)"));
    }
    if (*row && check->Text(0) != "ok") {
      return absl::DataLossError(absl::StrCat(path, " is damaged (", check->Text(0),
                                              "); restore it from a backup"));
    }
  }
  auto version = read_int("PRAGMA user_version");
  if (!version.ok()) return version.status();
  auto application = read_int("PRAGMA application_id");
  if (!application.ok()) return application.status();
  const int newest = static_cast<int>(schema.migrations.size());
  if (*version > newest) {
    return absl::FailedPreconditionError(absl::StrCat(path, " is at schema version ", *version,
                                                      ", made by a newer eas-server (this one knows ", newest,
                                                      "): run that version, or restore a backup"));
  }
  if (schema.application_id != 0) {
    if (*application != 0 && *application != schema.application_id) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " belongs to another program or holds another kind of data (application id ",
                       *application, "); point --data-dir elsewhere"));
    }
    if (*application == 0) {
      auto tables = read_int("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
      if (!tables.ok()) return tables.status();
      if (*tables > 0 && !schema.marker_table.empty()) {
        auto stmt = Prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
        if (!stmt.ok()) return stmt.status();
        stmt->Bind(1, schema.marker_table);
        if (!stmt->Step().value_or(false) || stmt->Int(0) == 0) {
          return absl::FailedPreconditionError(absl::StrCat(
              path, " is an SQLite database of something else (no table ", schema.marker_table,
              "); point --data-dir elsewhere"));
        }
      }
      if (auto s = Execute(absl::StrCat("PRAGMA application_id = ", schema.application_id)); !s.ok()) return s;
    }
  }
  for (int v = static_cast<int>(*version); v < newest; ++v) {
    absl::Status s = Transaction([&]() -> absl::Status {
      if (auto step = schema.migrations[v](*this); !step.ok()) return step;
      return Execute(absl::StrCat("PRAGMA user_version = ", v + 1));
    });
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat(path, ": migrating to schema version ", v + 1, " failed: ",
                                                 s.message()));
    }
  }
  return absl::OkStatus();
}

Database::~Database() { readers_.clear(); }

absl::StatusOr<Statement> Database::Prepare(absl::string_view sql) {
  const std::string text(sql);
  Connection* connection = &writer_;
  bool writer = true;
  std::unique_lock<std::recursive_mutex> lock;
  if (!readers_.empty() && WriterHolds() == 0 && IsRead(sql)) {
    writer = false;
    int& mine = ReaderOfThisThread();
    if (mine >= 0) {
      connection = readers_[mine].get();  // this thread holds it already
      lock = std::unique_lock<std::recursive_mutex>(connection->mutex);
    } else {
      // A free reader if there is one; else wait for one. A thread holds at
      // most one reader and never waits for a reader while it holds the
      // writer, so no two threads wait for each other.
      const unsigned start = next_reader_.fetch_add(1);
      for (size_t i = 0; i < readers_.size() && !lock.owns_lock(); ++i) {
        const size_t k = (start + i) % readers_.size();
        lock = std::unique_lock<std::recursive_mutex>(readers_[k]->mutex, std::try_to_lock);
        if (lock.owns_lock()) mine = static_cast<int>(k);
      }
      if (!lock.owns_lock()) {
        mine = static_cast<int>(start % readers_.size());
        lock = std::unique_lock<std::recursive_mutex>(readers_[mine]->mutex);
      }
      connection = readers_[mine].get();
    }
    ++ReaderHoldsOfThisThread();
  } else {
    lock = std::unique_lock<std::recursive_mutex>(writer_.mutex);
    WriterHeld(+1);
  }
  sqlite3_stmt* stmt = TakeCached(*connection, text);
  if (stmt == nullptr &&
      sqlite3_prepare_v2(connection->db, text.data(), static_cast<int>(text.size()), &stmt, nullptr) != SQLITE_OK) {
    absl::Status s = ErrorOf(connection->db, sql);
    Statement undo(this, connection, nullptr, text, std::move(lock), writer);  // gives the hold back
    return s;
  }
  return Statement(this, connection, stmt, text, std::move(lock), writer);
}

absl::Status Database::Execute(absl::string_view sql) {
  std::lock_guard<std::recursive_mutex> lock(writer_.mutex);
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(writer_.db, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status s = SqliteStatus(sqlite3_extended_errcode(writer_.db), text, error ? error : "error");
    sqlite3_free(error);
    WriteFaultScope::Note(s);
    return s;
  }
  return absl::OkStatus();
}

}  // namespace eas::storage
