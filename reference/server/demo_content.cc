#include "reference/server/demo_content.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "pugixml.hpp"
#include "reference/eas/application_data_builder.h"
#include "reference/calendar/timezone_blob.h"

namespace eas::server {


namespace {

constexpr const char* kFirstNames[] = {"Lena", "Jonas", "Sofia", "Malik", "Ines",
                                       "Tomás", "Yuki", "Priya", "Erik", "Amara"};
constexpr const char* kLastNames[] = {"Meier", "Okafor", "Santos", "Kowalski", "Nguyen", "Bauer"};
constexpr const char* kTitles[] = {"Consultant", "Engineer", "Account Manager", "Designer",
                                   "Support Lead", "Controller"};

using Data = ApplicationDataBuilder;

std::string Contact(int i) {
  const std::string first = kFirstNames[i % 10], last = kLastNames[i % 6];
  Data d;
  d.Ns("contacts", "Contacts:").Ns("airsyncbase", "AirSyncBase:");
  d.Add("contacts:FileAs", last + ", " + first);
  d.Add("contacts:FirstName", first);
  d.Add("contacts:LastName", last);
  d.Add("contacts:CompanyName", i % 2 ? "Open-Xchange AG" : "Example Kunden GmbH");
  d.Add("contacts:JobTitle", kTitles[i % 6]);
  d.Add("contacts:Email1Address", absl::AsciiStrToLower(absl::StrCat(first, ".", last, "@example.com")));
  d.Add("contacts:BusinessPhoneNumber", absl::StrFormat("+49 221 555 %04d", 100 + i));
  d.Add("contacts:MobilePhoneNumber", absl::StrFormat("+49 170 555 %04d", 200 + i));
  d.Add("contacts:BusinessAddressCity", i % 3 ? "Köln" : "Olpe");
  if (i % 3 == 0) d.Add("contacts:Birthday", absl::StrFormat("19%02d-0%d-1%dT00:00:00.000Z", 70 + i, 1 + i % 9, i % 9));
  pugi::xml_node categories = d.Node("contacts:Categories");
  d.Add("contacts:Category", i % 2 ? "Colleagues" : "Customers", categories);
  d.Body(absl::StrCat("Met at the ", 2020 + i % 6, " partner day."));
  return d.Xml();
}

void FillCalendar(Data& d, const std::string& subject, const std::string& zone,
                  const std::string& start, const std::string& end, const std::string& organizer_name,
                  const std::string& organizer_email, bool all_day = false) {
  d.Ns("calendar", "Calendar:").Ns("airsyncbase", "AirSyncBase:");
  // The zone's rule of the event's year, from the IANA database.
  d.Add("calendar:Timezone", calendar::IanaTimezoneBlob(zone, std::stoi(start.substr(0, 4))));
  d.Add("calendar:DtStamp", "20261101T090000Z");
  d.Add("calendar:StartTime", start);
  d.Add("calendar:EndTime", end);
  d.Add("calendar:Subject", subject);
  d.Add("calendar:UID", absl::StrCat("demo-", subject.size(), "-", start));
  d.Add("calendar:OrganizerName", organizer_name);
  d.Add("calendar:OrganizerEmail", organizer_email);
  d.Add("calendar:Sensitivity", "0");
  d.Add("calendar:BusyStatus", "2");
  d.Add("calendar:AllDayEvent", all_day ? "1" : "0");
  d.Add("calendar:Reminder", "15");
  d.Add("calendar:MeetingStatus", "0");
}

std::string Event(const std::string& subject, const std::string& zone, const std::string& start,
                  const std::string& end, const std::string& organizer_name,
                  const std::string& organizer_email, bool all_day = false) {
  Data d;
  FillCalendar(d, subject, zone, start, end, organizer_name, organizer_email, all_day);
  return d.Xml();
}

std::vector<std::string> Appointments(const std::string& name, const std::string& email) {
  std::vector<std::string> out;
  {
    // Weekly on Mondays 09:00 Berlin (08:00Z in winter), 20 times; the
    // 2026-12-07 meeting moved to 10:00, the 2026-12-21 one cancelled.
    Data d;
    FillCalendar(d, "Team weekly", "Europe/Berlin", "20261130T080000Z", "20261130T083000Z", name, email);
    d.Add("calendar:Location", "Room Rhein");
    pugi::xml_node r = d.Node("calendar:Recurrence");
    d.Add("calendar:Type", "1", r);
    d.Add("calendar:Interval", "1", r);
    d.Add("calendar:DayOfWeek", "2", r);
    d.Add("calendar:Occurrences", "20", r);
    pugi::xml_node exceptions = d.Node("calendar:Exceptions");
    pugi::xml_node moved = d.Node("calendar:Exception", exceptions);
    d.Add("calendar:ExceptionStartTime", "20261207T080000Z", moved);
    d.Add("calendar:StartTime", "20261207T090000Z", moved);
    d.Add("calendar:EndTime", "20261207T093000Z", moved);
    d.Add("calendar:Subject", "Team weekly (moved)", moved);
    pugi::xml_node deleted = d.Node("calendar:Exception", exceptions);
    d.Add("calendar:Deleted", "1", deleted);
    d.Add("calendar:ExceptionStartTime", "20261221T080000Z", deleted);
    pugi::xml_node attendees = d.Node("calendar:Attendees");
    pugi::xml_node a = d.Node("calendar:Attendee", attendees);
    d.Add("calendar:Email", "ana@ox.io", a);
    d.Add("calendar:Name", "Ana Souza", a);
    d.Add("calendar:AttendeeStatus", "3", a);
    d.Add("calendar:AttendeeType", "1", a);
    out.push_back(d.Xml());
  }
  // All day on 24 December in Berlin: midnight to midnight local time.
  out.push_back(Event("Christmas Eve", "Europe/Berlin", "20261223T230000Z", "20261224T230000Z", name,
                      email, /*all_day=*/true));
  out.push_back(Event("Customer workshop Köln", "Europe/Berlin", "20261203T130000Z",
                      "20261203T160000Z", name, email));
  out.push_back(Event("Call with the New York office", "America/New_York", "20261204T150000Z",
                      "20261204T160000Z", name, email));
  return out;
}

std::vector<std::string> Tasks() {
  std::vector<std::string> out;
  struct T {
    const char* subject;
    const char* due;
    bool complete;
    bool reminder;
    bool weekly;
  };
  for (const T& t : {T{"Prepare the Q4 report", "2026-12-11T00:00:00.000Z", false, true, false},
                     T{"Renew the TLS certificate", "2026-12-01T00:00:00.000Z", true, false, false},
                     T{"Review expense claims", "2026-11-30T00:00:00.000Z", false, false, true},
                     T{"Book the team dinner", "2026-12-15T00:00:00.000Z", false, true, false}}) {
    Data d;
    d.Ns("tasks", "Tasks:").Ns("airsyncbase", "AirSyncBase:");
    d.Add("tasks:Subject", t.subject);
    d.Add("tasks:Importance", "1");
    d.Add("tasks:UtcStartDate", "2026-11-20T00:00:00.000Z");
    d.Add("tasks:StartDate", "2026-11-20T00:00:00.000Z");
    d.Add("tasks:UtcDueDate", t.due);
    d.Add("tasks:DueDate", t.due);
    d.Add("tasks:Complete", t.complete ? "1" : "0");
    if (t.complete) d.Add("tasks:DateCompleted", "2026-11-19T10:00:00.000Z");
    d.Add("tasks:Sensitivity", "0");
    d.Add("tasks:ReminderSet", t.reminder ? "1" : "0");
    if (t.reminder) d.Add("tasks:ReminderTime", "2026-12-10T08:00:00.000Z");
    if (t.weekly) {
      pugi::xml_node r = d.Node("tasks:Recurrence");
      d.Add("tasks:Type", "1", r);
      d.Add("tasks:Start", "2026-11-20T00:00:00.000Z", r);
      d.Add("tasks:Interval", "1", r);
      d.Add("tasks:DayOfWeek", "32", r);  // Friday
    }
    out.push_back(d.Xml());
  }
  return out;
}

std::string Mail(const std::string& from, const std::string& to, const std::string& subject,
                 const std::string& received, bool read, const std::string& text) {
  Data d;
  d.Ns("email", "Email:").Ns("airsyncbase", "AirSyncBase:");
  d.Add("email:To", to);
  d.Add("email:From", from);
  d.Add("email:Subject", subject);
  d.Add("email:DateReceived", received);
  d.Add("email:DisplayTo", to.substr(0, to.find('<')));
  d.Add("email:ThreadTopic", subject);
  d.Add("email:Importance", "1");
  d.Add("email:Read", read ? "1" : "0");
  d.Body(text);
  d.Add("email:MessageClass", "IPM.Note");
  d.Add("email:InternetCPID", "65001");
  d.Add("airsyncbase:NativeBodyType", "1");
  return d.Xml();
}

}  // namespace

namespace {

// A message with a small PDF attached (ItemOperations and GetAttachment have
// something to fetch).
std::string FiguresMail(const std::string& me) {
  return absl::StrCat(
      "From: \"Ana Souza\" <ana@ox.io>\r\nTo: ", me, "\r\nSubject: Q3 figures\r\n",
      "Date: Fri, 20 Nov 2026 09:30:00 +0000\r\nMessage-ID: <q3-figures@ox.io>\r\nMIME-Version: 1.0\r\n",
      "Content-Type: multipart/mixed; boundary=\"=_demo_q3\"\r\n\r\n",
      "--=_demo_q3\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
      "Hi,\r\nthe Q3 figures are attached.\r\nAna\r\n",
      "--=_demo_q3\r\nContent-Type: application/pdf; name=\"q3-figures.pdf\"\r\n",
      "Content-Disposition: attachment; filename=\"q3-figures.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
      // "%PDF-1.4\n% demo attachment\n%%EOF\n"
      "JVBERi0xLjQKJSBkZW1vIGF0dGFjaG1lbnQKJSVFT0YK\r\n--=_demo_q3--\r\n");
}

// A meeting invitation (MeetingResponse has something to answer).
std::string InvitationMail(const std::string& me, const std::string& my_email) {
  return absl::StrCat(
      "From: \"Ana Souza\" <ana@ox.io>\r\nTo: ", me, "\r\nSubject: Design review\r\n",
      "Date: Mon, 23 Nov 2026 08:00:00 +0000\r\nMessage-ID: <design-review@ox.io>\r\nMIME-Version: 1.0\r\n",
      "Content-Type: multipart/alternative; boundary=\"=_demo_invite\"\r\n\r\n",
      "--=_demo_invite\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
      "Let's review the new design.\r\n",
      "--=_demo_invite\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n",
      "BEGIN:VCALENDAR\r\nPRODID:-//eas-reference demo//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n",
      "BEGIN:VEVENT\r\nUID:demo-design-review@ox.io\r\nDTSTAMP:20261123T080000Z\r\n",
      "DTSTART;TZID=Europe/Berlin:20261203T140000\r\nDTEND;TZID=Europe/Berlin:20261203T150000\r\n",
      "SUMMARY:Design review\r\nLOCATION:Room Elbe\r\nORGANIZER;CN=\"Ana Souza\":mailto:ana@ox.io\r\n",
      "ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:", my_email, "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
      "--=_demo_invite--\r\n");
}

}  // namespace

std::vector<DemoItem> DemoItems(const std::string& owner_name, const std::string& owner_email) {
  std::vector<DemoItem> items;
  for (int i = 0; i < 10; ++i) items.push_back({"contacts", "Contacts", Contact(i)});
  items.push_back({"contacts/customers", "Contacts", Contact(10)});
  items.push_back({"contacts/customers", "Contacts", Contact(11)});
  for (const auto& xml : Appointments(owner_name, owner_email)) items.push_back({"calendar", "Calendar", xml});
  items.push_back({"calendar/team", "Calendar",
                   Event("Release planning", "Europe/Berlin", "20261209T090000Z", "20261209T110000Z",
                         owner_name, owner_email)});
  for (const auto& xml : Tasks()) items.push_back({"tasks", "Tasks", xml});
  const std::string me = absl::StrCat("\"", owner_name, "\" <", owner_email, ">");
  const std::string ana = "\"Ana Souza\" <ana@ox.io>";
  const std::string boss = "\"Lena Meier\" <lena.meier@example.com>";
  for (int i = 0; i < 8; ++i) {
    items.push_back({"inbox", "Email",
                     Mail(i % 2 ? ana : boss, me, absl::StrCat("Status update #", i + 1),
                          absl::StrFormat("2026-11-%02dT0%d:15:00.000Z", 10 + i, i % 9), i < 4,
                          absl::StrCat("Hello,\r\nhere is update ", i + 1, ".\r\nRegards\r\n"))});
  }
  for (int i = 0; i < 3; ++i) {
    items.push_back({"sent", "Email",
                     Mail(me, ana, absl::StrCat("Re: Status update #", i + 1),
                          absl::StrFormat("2026-11-%02dT12:00:00.000Z", 11 + i), true, "Thanks!\r\n")});
  }
  items.push_back({"inbox/projects", "Email",
                   Mail(boss, me, "Project Rhein kickoff", "2026-11-18T07:30:00.000Z", false,
                        "Kickoff is on Monday.\r\n")});
  items.push_back({"inbox/projects", "Email",
                   Mail(ana, me, "Project Rhein: minutes", "2026-11-19T16:00:00.000Z", true,
                        "Minutes attached inline:\r\n- scope agreed\r\n- next steps\r\n")});
  items.push_back({"inbox", "Email", "", FiguresMail(me), 1795685400});
  if (owner_email != "ana@ox.io") items.push_back({"inbox", "Email", "", InvitationMail(me, owner_email), 1795939200});
  items.push_back({"inbox/newsletters", "Email",
                   Mail("\"OX Newsletter\" <news@open-xchange.com>", me, "November newsletter",
                        "2026-11-15T06:00:00.000Z", false, "What's new this month.\r\n")});
  return items;
}

std::vector<backend::GalEntry> DemoGal(const std::string& mail_domain) {
  std::vector<backend::GalEntry> gal;
  for (int l = 0; l < 6; ++l) {
    for (int f = 0; f < 10; ++f) {
      const std::string first = kFirstNames[f], last = kLastNames[l];
      const std::string alias = absl::AsciiStrToLower(absl::StrCat(first.substr(0, 1), last, l * 10 + f));
      gal.push_back({alias, first + " " + last, first, last,
                     absl::StrCat(alias, "@", mail_domain),
                     absl::StrFormat("+49 2761 8385-%03d", l * 10 + f),
                     absl::StrFormat("+49 171 555 %04d", l * 10 + f),
                     absl::StrCat("Building ", 1 + l, ", room ", 100 + f), kTitles[(l + f) % 6],
                     "Open-Xchange AG"});
    }
  }
  return gal;
}

}  // namespace eas::server
