#include "reference/mail/icalendar.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "reference/calendar/zone_names.h"
#include "reference/calendar/timezone_blob.h"
#include "reference/eas/eas_time.h"

namespace eas::mail {
namespace {

struct Property {
  std::string name;
  std::vector<std::pair<std::string, std::string>> params;
  std::string value;
  std::string Param(const std::string& key) const {
    for (const auto& [k, v] : params) {
      if (absl::EqualsIgnoreCase(k, key)) return v;
    }
    return "";
  }
};

// Content lines, unfolded (RFC 5545 3.1: a line end followed by a space or
// tab continues the line).
std::vector<std::string> Unfold(absl::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t') && !lines.empty()) {
      lines.back().append(raw.data() + 1, raw.size() - 1);
    } else {
      lines.emplace_back(raw);
    }
  }
  return lines;
}

Property ParseLine(const std::string& line) {
  Property p;
  // The value starts at the first ':' outside a quoted parameter value.
  bool quoted = false;
  size_t colon = std::string::npos;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] == ':' && !quoted) {
      colon = i;
      break;
    }
  }
  const std::string head = line.substr(0, colon);
  p.value = colon == std::string::npos ? "" : line.substr(colon + 1);
  std::vector<std::string> parts = absl::StrSplit(head, ';');
  p.name = absl::AsciiStrToUpper(parts[0]);
  for (size_t i = 1; i < parts.size(); ++i) {
    std::pair<std::string, std::string> kv = absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
    std::string v = kv.second;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    p.params.emplace_back(absl::AsciiStrToUpper(kv.first), v);
  }
  return p;
}

std::string Unescape(const std::string& text) {
  return absl::StrReplaceAll(text, {{"\\n", "\n"}, {"\\N", "\n"}, {"\\,", ","}, {"\\;", ";"}, {"\\\\", "\\"}});
}

std::string Escape(const std::string& text) {
  return absl::StrReplaceAll(text, {{"\\", "\\\\"}, {";", "\\;"}, {",", "\\,"}, {"\n", "\\n"}});
}

bool ParseTime(const Property& p, int64_t& out, bool& all_day) {
  absl::Time t;
  std::string error;
  const std::string& v = p.value;
  if (absl::EqualsIgnoreCase(p.Param("VALUE"), "DATE") || v.size() == 8) {
    all_day = true;
    if (!absl::ParseTime("%E4Y%m%d", v, absl::UTCTimeZone(), &t, &error)) return false;
  } else if (!v.empty() && v.back() == 'Z') {
    if (!absl::ParseTime("%E4Y%m%dT%H%M%SZ", v, absl::UTCTimeZone(), &t, &error)) return false;
  } else {
    absl::TimeZone zone = absl::UTCTimeZone();
    const std::string tzid = p.Param("TZID");
    // A TZID is a name, never a path (calendar/zone_names.h); unknown
    // names (Outlook's "W. Europe Standard Time") read as UTC.
    if (auto found = calendar::FindZone(tzid)) zone = *found;
    if (!absl::ParseTime("%E4Y%m%dT%H%M%S", v, zone, &t, &error)) return false;
  }
  out = absl::ToUnixSeconds(t);
  return true;
}

std::string MailtoAddress(const std::string& value) {
  if (absl::StartsWithIgnoreCase(value, "mailto:")) return value.substr(7);
  return value;
}

void Fold(std::string& out, const std::string& line) {
  // 75 octets per line, continuation lines start with a space; never split
  // a UTF-8 sequence.
  size_t at = 0;
  bool first = true;
  while (at < line.size()) {
    size_t take = std::min<size_t>(first ? 75 : 74, line.size() - at);
    while (at + take < line.size() && (static_cast<unsigned char>(line[at + take]) & 0xC0) == 0x80) --take;
    if (!first) out += ' ';
    out.append(line, at, take);
    out += "\r\n";
    at += take;
    first = false;
  }
}

}  // namespace

absl::StatusOr<Invitation> ParseInvitation(absl::string_view ical) {
  Invitation inv;
  bool in_event = false, seen_event = false, has_start = false;
  for (const std::string& line : Unfold(ical)) {
    if (line.empty()) continue;
    const Property p = ParseLine(line);
    if (p.name == "METHOD") inv.method = absl::AsciiStrToUpper(p.value);
    if (p.name == "BEGIN" && absl::EqualsIgnoreCase(p.value, "VEVENT")) {
      if (seen_event) break;  // the first event only (the master)
      in_event = seen_event = true;
      continue;
    }
    if (p.name == "END" && absl::EqualsIgnoreCase(p.value, "VEVENT")) {
      in_event = false;
      continue;
    }
    if (!in_event) continue;
    bool date_only = false;
    if (p.name == "UID") inv.uid = p.value;
    else if (p.name == "SUMMARY") inv.summary = Unescape(p.value);
    else if (p.name == "LOCATION") inv.location = Unescape(p.value);
    else if (p.name == "DESCRIPTION") inv.description = Unescape(p.value);
    else if (p.name == "SEQUENCE") absl::SimpleAtoi(p.value, &inv.sequence);
    else if (p.name == "ORGANIZER") {
      inv.organizer_email = MailtoAddress(p.value);
      inv.organizer_name = p.Param("CN");
    } else if (p.name == "DTSTART") {
      has_start = ParseTime(p, inv.start, date_only);
      inv.tzid = p.Param("TZID");
      inv.all_day = date_only;
    } else if (p.name == "DTEND") {
      ParseTime(p, inv.end, date_only);
    }
  }
  if (inv.uid.empty() || !has_start) return absl::InvalidArgumentError("no VEVENT with UID and DTSTART");
  if (inv.end <= inv.start) inv.end = inv.start + (inv.all_day ? 86400 : 3600);
  return inv;
}

std::string TimezoneOf(const Invitation& inv) {
  if (inv.tzid.empty()) return calendar::UtcTimezoneBlob();
  const int year = static_cast<int>(absl::ToCivilYear(absl::FromUnixSeconds(inv.start), absl::UTCTimeZone()).year());
  return calendar::IanaTimezoneBlob(inv.tzid, year);
}

const char* PartStat(int user_response) {
  switch (user_response) {
    case 1: return "ACCEPTED";
    case 2: return "TENTATIVE";
    default: return "DECLINED";
  }
}

std::string BuildReply(const Invitation& inv, const std::string& attendee_email,
                       const std::string& attendee_name, int user_response, int64_t now) {
  std::string out;
  for (const std::string& line : std::vector<std::string>{
           "BEGIN:VCALENDAR", "PRODID:-//eas-reference//EN", "VERSION:2.0", "METHOD:REPLY", "BEGIN:VEVENT",
           "UID:" + inv.uid, absl::StrCat("SEQUENCE:", inv.sequence), "DTSTAMP:" + CompactUtc(now),
           inv.all_day ? "DTSTART;VALUE=DATE:" + CompactUtc(inv.start).substr(0, 8)
                       : "DTSTART:" + CompactUtc(inv.start),
           inv.all_day ? "DTEND;VALUE=DATE:" + CompactUtc(inv.end).substr(0, 8) : "DTEND:" + CompactUtc(inv.end),
           "SUMMARY:" + Escape(inv.summary),
           "ORGANIZER" + (inv.organizer_name.empty() ? "" : ";CN=\"" + inv.organizer_name + "\"") +
               ":mailto:" + inv.organizer_email,
           absl::StrCat("ATTENDEE;PARTSTAT=", PartStat(user_response),
                        attendee_name.empty() ? "" : ";CN=\"" + attendee_name + "\"", ":mailto:", attendee_email),
           "END:VEVENT", "END:VCALENDAR"}) {
    Fold(out, line);
  }
  return out;
}

std::string GlobalObjId(const std::string& uid) {
  static constexpr unsigned char kClassId[16] = {0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00,
                                                 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0, 0x08};
  std::string bytes(reinterpret_cast<const char*>(kClassId), sizeof(kClassId));
  bytes.append(4, '\0');   // instance date: none (the whole series)
  bytes.append(8, '\0');   // creation time
  bytes.append(8, '\0');   // reserved
  std::string data = "vCal-Uid";
  data += std::string("\x01\x00\x00\x00", 4);
  data += uid;
  data.push_back('\0');
  const uint32_t size = static_cast<uint32_t>(data.size());
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<char>((size >> (8 * i)) & 0xFF));
  bytes += data;
  return absl::Base64Escape(bytes);
}

}  // namespace eas::mail
