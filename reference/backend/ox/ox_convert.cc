#include "reference/backend/ox/ox_convert.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "pugixml.hpp"
#include "reference/calendar/timezone_blob.h"
#include "reference/eas/application_data_builder.h"
#include "reference/eas/eas_time.h"

namespace eas::backend::ox {
namespace {

using Json = nlohmann::json;

enum class Kind { kText, kCompactTime, kIsoDate, kBool, kInt };

// One EAS property and the OX field it maps to.
struct Mapping {
  int column;
  const char* ox;
  const char* eas;  // prefixed name in the stored form
  Kind kind;
};

constexpr Mapping kContact[] = {
    {599, "file_as", "contacts:FileAs", Kind::kText},
    {501, "first_name", "contacts:FirstName", Kind::kText},
    {502, "last_name", "contacts:LastName", Kind::kText},
    {503, "second_name", "contacts:MiddleName", Kind::kText},
    {505, "title", "contacts:Title", Kind::kText},
    {504, "suffix", "contacts:Suffix", Kind::kText},
    {569, "company", "contacts:CompanyName", Kind::kText},
    {520, "position", "contacts:JobTitle", Kind::kText},
    {519, "department", "contacts:Department", Kind::kText},
    {555, "email1", "contacts:Email1Address", Kind::kText},
    {556, "email2", "contacts:Email2Address", Kind::kText},
    {557, "email3", "contacts:Email3Address", Kind::kText},
    {542, "telephone_business1", "contacts:BusinessPhoneNumber", Kind::kText},
    {543, "telephone_business2", "contacts:Business2PhoneNumber", Kind::kText},
    {548, "telephone_home1", "contacts:HomePhoneNumber", Kind::kText},
    {551, "cellular_telephone1", "contacts:MobilePhoneNumber", Kind::kText},
    {544, "fax_business", "contacts:BusinessFaxNumber", Kind::kText},
    {523, "street_business", "contacts:BusinessAddressStreet", Kind::kText},
    {526, "city_business", "contacts:BusinessAddressCity", Kind::kText},
    {525, "postal_code_business", "contacts:BusinessAddressPostalCode", Kind::kText},
    {528, "country_business", "contacts:BusinessAddressCountry", Kind::kText},
    {506, "street_home", "contacts:HomeAddressStreet", Kind::kText},
    {508, "city_home", "contacts:HomeAddressCity", Kind::kText},
    {507, "postal_code_home", "contacts:HomeAddressPostalCode", Kind::kText},
    {510, "country_home", "contacts:HomeAddressCountry", Kind::kText},
    {558, "url", "contacts:WebPage", Kind::kText},
    {511, "birthday", "contacts:Birthday", Kind::kIsoDate},
    {515, "nickname", "contacts2:NickName", Kind::kText},
};

constexpr Mapping kAppointment[] = {
    {200, "title", "calendar:Subject", Kind::kText},
    {201, "start_date", "calendar:StartTime", Kind::kCompactTime},
    {202, "end_date", "calendar:EndTime", Kind::kCompactTime},
    {400, "location", "calendar:Location", Kind::kText},
    {401, "full_time", "calendar:AllDayEvent", Kind::kBool},
    {223, "uid", "calendar:UID", Kind::kText},
    {224, "organizer", "calendar:OrganizerEmail", Kind::kText},
};

constexpr Mapping kTask[] = {
    {200, "title", "tasks:Subject", Kind::kText},
    {201, "start_date", "tasks:UtcStartDate", Kind::kIsoDate},
    {202, "end_date", "tasks:UtcDueDate", Kind::kIsoDate},
    {315, "date_completed", "tasks:DateCompleted", Kind::kIsoDate},
};

struct Table {
  const Mapping* begin;
  const Mapping* end;
};

Table TableOf(const std::string& module) {
  if (module == "contacts") return {std::begin(kContact), std::end(kContact)};
  if (module == "calendar") return {std::begin(kAppointment), std::end(kAppointment)};
  return {std::begin(kTask), std::end(kTask)};
}

// Every column of a module with its field name, in request order.
std::vector<std::pair<int, std::string>> ColumnList(const std::string& module) {
  std::vector<std::pair<int, std::string>> cols{
      {1, "id"}, {5, "last_modified"}, {20, "folder_id"}, {100, "categories"}};
  if (module == "contacts") {
    cols.push_back({500, "display_name"});
    cols.push_back({518, "note"});
  } else {
    cols.push_back({203, "note"});
  }
  if (module == "calendar") {
    for (auto [c, n] : std::initializer_list<std::pair<int, const char*>>{
             {204, "alarm"}, {209, "recurrence_type"}, {212, "days"}, {213, "day_in_month"}, {214, "month"},
             {215, "interval"}, {216, "until"}, {222, "occurrences"}, {402, "shown_as"}, {408, "timezone"}}) {
      cols.push_back({c, n});
    }
  }
  if (module == "tasks") {
    cols.push_back({300, "status"});
    cols.push_back({309, "priority"});
  }
  Table t = TableOf(module);
  for (const Mapping* m = t.begin; m != t.end; ++m) cols.push_back({m->column, m->ox});
  return cols;
}

// OX times are milliseconds; EAS forms have whole seconds.
std::string CompactUtc(int64_t ms) { return eas::CompactUtc(ms / 1000); }
std::string IsoUtc(int64_t ms) { return eas::IsoUtc(ms / 1000); }

bool ParseEasTime(const std::string& text, int64_t& ms) {
  auto seconds = eas::ParseEasTime(text);
  if (seconds) ms = *seconds * 1000;
  return seconds.has_value();
}

int64_t AsInt(const Json& v) {
  if (v.is_number()) return v.get<int64_t>();
  int64_t n = 0;
  if (v.is_string()) absl::SimpleAtoi(v.get<std::string>(), &n);
  return n;
}

bool Present(const Json& o, const char* key) { return o.contains(key) && !o[key].is_null(); }

// OX shown_as <-> MS-ASCAL BusyStatus.
int BusyStatusOf(int shown_as) { return shown_as == 2 ? 1 : shown_as == 3 ? 3 : shown_as == 4 ? 0 : 2; }
int ShownAsOf(int busy) { return busy == 1 ? 2 : busy == 3 ? 3 : busy == 0 ? 4 : 1; }

void AddBody(ApplicationDataBuilder& d, const Json& o) {
  if (Present(o, "note") && !o["note"].get<std::string>().empty()) d.Body(o["note"].get<std::string>());
}

void AddCategories(ApplicationDataBuilder& d, const Json& o, const char* page) {
  if (!Present(o, "categories") || o["categories"].get<std::string>().empty()) return;
  pugi::xml_node list = d.Node(absl::StrCat(page, ":Categories"));
  for (absl::string_view c : absl::StrSplit(o["categories"].get<std::string>(), ',', absl::SkipWhitespace())) {
    d.Add(absl::StrCat(page, ":Category"), std::string(absl::StripAsciiWhitespace(c)), list);
  }
}

void AddRecurrence(ApplicationDataBuilder& d, const Json& o) {
  const int type = Present(o, "recurrence_type") ? static_cast<int>(AsInt(o["recurrence_type"])) : 0;
  if (type == 0) return;
  pugi::xml_node r = d.Node("calendar:Recurrence");
  // OX 1 daily, 2 weekly, 3 monthly, 4 yearly -> MS-ASCAL 0, 1, 2 (or 3 by
  // weekday), 5 (or 6 by weekday).
  const bool by_weekday = Present(o, "days") && type >= 3;
  const int eas_type = type == 1 ? 0 : type == 2 ? 1 : type == 3 ? (by_weekday ? 3 : 2) : (by_weekday ? 6 : 5);
  d.Add("calendar:Type", absl::StrCat(eas_type), r);
  if (Present(o, "occurrences")) d.Add("calendar:Occurrences", absl::StrCat(AsInt(o["occurrences"])), r);
  d.Add("calendar:Interval", absl::StrCat(Present(o, "interval") ? AsInt(o["interval"]) : 1), r);
  if (Present(o, "until")) d.Add("calendar:Until", CompactUtc(AsInt(o["until"])), r);
  if (Present(o, "days") && type != 1) d.Add("calendar:DayOfWeek", absl::StrCat(AsInt(o["days"])), r);
  if (Present(o, "day_in_month")) {
    d.Add(by_weekday ? "calendar:WeekOfMonth" : "calendar:DayOfMonth", absl::StrCat(AsInt(o["day_in_month"])), r);
  }
  if (Present(o, "month")) d.Add("calendar:MonthOfYear", absl::StrCat(AsInt(o["month"]) + 1), r);
}

}  // namespace

std::string ModuleOfClass(const std::string& item_class) {
  if (item_class == "Contacts") return "contacts";
  if (item_class == "Calendar") return "calendar";
  if (item_class == "Tasks") return "tasks";
  return "mail";
}

std::string ClassOfModule(const std::string& module) {
  if (module == "contacts") return "Contacts";
  if (module == "calendar") return "Calendar";
  if (module == "tasks") return "Tasks";
  return "Email";
}

std::string Columns(const std::string& module) {
  std::vector<std::string> ids;
  for (const auto& [c, n] : ColumnList(module)) ids.push_back(absl::StrCat(c));
  return absl::StrJoin(ids, ",");
}

Json RowToObject(const std::string& module, const Json& row) {
  Json o = Json::object();
  const auto cols = ColumnList(module);
  for (size_t i = 0; i < cols.size() && i < row.size(); ++i) {
    if (!row[i].is_null()) o[cols[i].second] = row[i];
  }
  if (o.contains("id") && o["id"].is_number()) o["id"] = std::to_string(o["id"].get<int64_t>());
  if (o.contains("folder_id") && o["folder_id"].is_number()) o["folder_id"] = std::to_string(o["folder_id"].get<int64_t>());
  return o;
}

std::string ToApplicationData(const std::string& module, const Json& o) {
  ApplicationDataBuilder d;
  const char* page = module == "contacts" ? "contacts" : module == "calendar" ? "calendar" : "tasks";
  d.Ns(page, module == "contacts" ? "Contacts:" : module == "calendar" ? "Calendar:" : "Tasks:");
  d.Ns("airsyncbase", "AirSyncBase:");
  if (module == "contacts") d.Ns("contacts2", "Contacts2:");
  if (module == "calendar") {
    // The appointment's zone (OX column 408, an IANA name) with the rule of
    // the year it starts in; UTC when OX names none.
    const std::string zone = Present(o, "timezone") ? o["timezone"].get<std::string>() : "";
    const int year = Present(o, "start_date")
                         ? static_cast<int>(absl::ToCivilYear(absl::FromUnixMillis(AsInt(o["start_date"])),
                                                              absl::UTCTimeZone()).year())
                         : 2026;
    d.Add("calendar:Timezone", zone.empty() ? calendar::UtcTimezoneBlob() : calendar::IanaTimezoneBlob(zone, year));
    if (Present(o, "last_modified")) d.Add("calendar:DtStamp", CompactUtc(AsInt(o["last_modified"])));
  }
  Table t = TableOf(module);
  for (const Mapping* m = t.begin; m != t.end; ++m) {
    if (!Present(o, m->ox)) continue;
    const Json& v = o[m->ox];
    switch (m->kind) {
      case Kind::kText:
        if (v.is_string() && !v.get<std::string>().empty()) d.Add(m->eas, v.get<std::string>());
        break;
      case Kind::kCompactTime: d.Add(m->eas, CompactUtc(AsInt(v))); break;
      case Kind::kIsoDate: d.Add(m->eas, IsoUtc(AsInt(v))); break;
      case Kind::kBool: d.Add(m->eas, v.is_boolean() && v.get<bool>() ? "1" : "0"); break;
      case Kind::kInt: d.Add(m->eas, absl::StrCat(AsInt(v))); break;
    }
  }
  if (module == "contacts" && !Present(o, "file_as") && Present(o, "display_name")) {
    d.Add("contacts:FileAs", o["display_name"].get<std::string>());
  }
  if (module == "calendar") {
    if (Present(o, "organizer")) d.Add("calendar:OrganizerName", o["organizer"].get<std::string>());
    d.Add("calendar:Sensitivity", "0");
    d.Add("calendar:BusyStatus", absl::StrCat(BusyStatusOf(Present(o, "shown_as") ? AsInt(o["shown_as"]) : 1)));
    if (Present(o, "alarm") && AsInt(o["alarm"]) >= 0) d.Add("calendar:Reminder", absl::StrCat(AsInt(o["alarm"])));
    d.Add("calendar:MeetingStatus", "0");
    AddRecurrence(d, o);
  }
  if (module == "tasks") {
    const bool done = Present(o, "status") && AsInt(o["status"]) == 3;
    d.Add("tasks:Complete", done ? "1" : "0");
    if (Present(o, "end_date")) d.Add("tasks:DueDate", IsoUtc(AsInt(o["end_date"])));
    if (Present(o, "start_date")) d.Add("tasks:StartDate", IsoUtc(AsInt(o["start_date"])));
    d.Add("tasks:Importance", absl::StrCat(Present(o, "priority") ? std::max<int64_t>(0, AsInt(o["priority"]) - 1) : 1));
    d.Add("tasks:Sensitivity", "0");
    d.Add("tasks:ReminderSet", "0");
  }
  AddBody(d, o);
  AddCategories(d, o, page);
  return d.Xml();
}

absl::StatusOr<Json> FromApplicationData(const std::string& module, const std::string& xml) {
  pugi::xml_document doc;
  if (!doc.load_string(xml.c_str())) return absl::InvalidArgumentError("item does not parse");
  pugi::xml_node d = doc.first_child();
  Json o = Json::object();
  Table t = TableOf(module);
  for (const Mapping* m = t.begin; m != t.end; ++m) {
    pugi::xml_node n = d.child(m->eas);
    if (!n) continue;
    const std::string text = n.text().get();
    int64_t ms = 0;
    switch (m->kind) {
      case Kind::kText: o[m->ox] = text; break;
      case Kind::kCompactTime:
      case Kind::kIsoDate:
        if (ParseEasTime(text, ms)) o[m->ox] = ms;
        break;
      case Kind::kBool: o[m->ox] = text == "1"; break;
      case Kind::kInt: {
        int64_t v = 0;
        if (absl::SimpleAtoi(text, &v)) o[m->ox] = v;
        break;
      }
    }
  }
  const std::string body = d.child("airsyncbase:Body").child("airsyncbase:Data").text().get();
  if (d.child("airsyncbase:Body")) o["note"] = body;
  const char* page = module == "contacts" ? "contacts" : module == "calendar" ? "calendar" : "tasks";
  if (pugi::xml_node list = d.child(absl::StrCat(page, ":Categories").c_str())) {
    std::vector<std::string> names;
    for (pugi::xml_node c : list.children()) names.push_back(c.text().get());
    o["categories"] = absl::StrJoin(names, ",");
  }
  if (module == "contacts") {
    if (o.contains("file_as")) o["display_name"] = o["file_as"];
  }
  if (module == "calendar") {
    int busy = 2;
    if (absl::SimpleAtoi(d.child("calendar:BusyStatus").text().get(), &busy)) o["shown_as"] = ShownAsOf(busy);
    int reminder = 0;
    if (absl::SimpleAtoi(d.child("calendar:Reminder").text().get(), &reminder)) o["alarm"] = reminder;
    if (pugi::xml_node r = d.child("calendar:Recurrence")) {
      int type = 0, interval = 1, n = 0;
      absl::SimpleAtoi(r.child("calendar:Type").text().get(), &type);
      absl::SimpleAtoi(r.child("calendar:Interval").text().get(), &interval);
      o["recurrence_type"] = type == 0 ? 1 : type == 1 ? 2 : (type == 2 || type == 3) ? 3 : 4;
      o["interval"] = interval;
      if (absl::SimpleAtoi(r.child("calendar:DayOfWeek").text().get(), &n)) o["days"] = n;
      if (absl::SimpleAtoi(r.child("calendar:DayOfMonth").text().get(), &n)) o["day_in_month"] = n;
      if (absl::SimpleAtoi(r.child("calendar:WeekOfMonth").text().get(), &n)) o["day_in_month"] = n;
      if (absl::SimpleAtoi(r.child("calendar:MonthOfYear").text().get(), &n)) o["month"] = n - 1;
      if (absl::SimpleAtoi(r.child("calendar:Occurrences").text().get(), &n)) o["occurrences"] = n;
      int64_t until = 0;
      if (ParseEasTime(r.child("calendar:Until").text().get(), until)) o["until"] = until;
    } else {
      o["recurrence_type"] = 0;
    }
  }
  if (module == "tasks") {
    if (pugi::xml_node c = d.child("tasks:Complete")) o["status"] = std::string(c.text().get()) == "1" ? 3 : 1;
    int importance = 1;
    if (absl::SimpleAtoi(d.child("tasks:Importance").text().get(), &importance)) o["priority"] = importance + 1;
    int64_t ms = 0;
    if (!o.contains("end_date") && ParseEasTime(d.child("tasks:DueDate").text().get(), ms)) o["end_date"] = ms;
    if (!o.contains("start_date") && ParseEasTime(d.child("tasks:StartDate").text().get(), ms)) o["start_date"] = ms;
  }
  return o;
}

}  // namespace eas::backend::ox
