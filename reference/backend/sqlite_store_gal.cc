// SqliteStore: the global address list (sqlite_store.h).
#include "reference/backend/sqlite_store.h"

namespace eas::backend {

absl::Status SqliteStore::AddGalEntry(const std::string& context, const GalEntry& e) {
  auto stmt = db_->Prepare(
      "INSERT OR REPLACE INTO gal(context, alias, display_name, first_name, last_name, email, "
      "phone, mobile_phone, office, title, company) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, context).Bind(2, e.alias).Bind(3, e.display_name).Bind(4, e.first_name)
      .Bind(5, e.last_name).Bind(6, e.email).Bind(7, e.phone).Bind(8, e.mobile_phone)
      .Bind(9, e.office).Bind(10, e.title).Bind(11, e.company);
  return stmt->Run();
}

absl::StatusOr<std::vector<GalEntry>> SqliteStore::SearchGal(const std::string& context,
                                                             const std::string& query, int limit) {
  // LIKE is case-insensitive for ASCII in SQLite; '%' and '_' in the query
  // are escaped so they match themselves.
  std::string pattern;
  for (char c : query) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern += '%';
  auto stmt = db_->Prepare(
      "SELECT alias, display_name, first_name, last_name, email, phone, mobile_phone, office, "
      "title, company FROM gal WHERE context = ?1 AND (display_name LIKE ?2 ESCAPE '\\' OR "
      "first_name LIKE ?2 ESCAPE '\\' OR last_name LIKE ?2 ESCAPE '\\' OR alias LIKE ?2 ESCAPE "
      "'\\' OR email LIKE ?2 ESCAPE '\\') ORDER BY display_name LIMIT ?3");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, context).Bind(2, pattern).Bind(3, limit);
  std::vector<GalEntry> entries;
  if (auto s = stmt->ForEachRow([&] {
        entries.push_back({stmt->Text(0), stmt->Text(1), stmt->Text(2), stmt->Text(3), stmt->Text(4),
                           stmt->Text(5), stmt->Text(6), stmt->Text(7), stmt->Text(8), stmt->Text(9)});
      });
      !s.ok()) {
    return s;
  }
  return entries;
}

}  // namespace eas::backend
