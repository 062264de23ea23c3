#include "reference/commands/meeting_response.h"
#include "reference/commands/request_limits.h"

#include <optional>

#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/commands/mail_delivery.h"
#include "reference/eas/application_data_builder.h"
#include "reference/eas/eas_time.h"
#include "reference/eas/status_codes.h"
#include "reference/log/log.h"
#include "reference/mail/compose.h"
#include "reference/mail/icalendar.h"
#include "reference/mail/mime_message.h"

namespace eas::commands {
namespace {

namespace st = eas::status::meeting_response;

// The meeting a calendar item stands for, as an invitation.
std::optional<mail::Invitation> FromCalendarItem(const std::string& data) {
  pugi::xml_document doc;
  if (!doc.load_string(data.c_str())) return std::nullopt;
  pugi::xml_node d = doc.first_child();
  mail::Invitation inv;
  inv.method = "REQUEST";
  inv.uid = d.child("calendar:UID").text().get();
  inv.summary = d.child("calendar:Subject").text().get();
  inv.location = d.child("calendar:Location").text().get();
  inv.organizer_email = d.child("calendar:OrganizerEmail").text().get();
  inv.organizer_name = d.child("calendar:OrganizerName").text().get();
  inv.all_day = std::string(d.child("calendar:AllDayEvent").text().get()) == "1";
  auto start = ParseEasTime(d.child("calendar:StartTime").text().get());
  auto end = ParseEasTime(d.child("calendar:EndTime").text().get());
  if (inv.uid.empty() || !start || !end) return std::nullopt;
  inv.start = *start;
  inv.end = *end;
  return inv;
}

// MS-ASCAL BusyStatus and ResponseType for UserResponse 1/2/3.
const char* BusyStatus(int response) { return response == 1 ? "2" : "1"; }
const char* ResponseType(int response) { return response == 1 ? "3" : response == 2 ? "2" : "4"; }

std::string CalendarItem(const mail::Invitation& inv, int response, int64_t now) {
  ApplicationDataBuilder d;
  d.Ns("calendar", "Calendar:").Ns("airsyncbase", "AirSyncBase:");
  d.Add("calendar:Timezone", mail::TimezoneOf(inv));
  d.Add("calendar:DtStamp", CompactUtc(now));
  d.Add("calendar:StartTime", CompactUtc(inv.start));
  d.Add("calendar:EndTime", CompactUtc(inv.end));
  d.Add("calendar:Subject", inv.summary);
  d.Add("calendar:UID", inv.uid);
  if (!inv.organizer_name.empty()) d.Add("calendar:OrganizerName", inv.organizer_name);
  d.Add("calendar:OrganizerEmail", inv.organizer_email);
  if (!inv.location.empty()) d.Add("calendar:Location", inv.location);
  d.Add("calendar:Sensitivity", "0");
  d.Add("calendar:BusyStatus", BusyStatus(response));
  d.Add("calendar:AllDayEvent", inv.all_day ? "1" : "0");
  d.Add("calendar:MeetingStatus", "3");  // a meeting received from someone else
  if (!inv.description.empty()) d.Body(inv.description);
  d.Add("calendar:ResponseRequested", "1");
  d.Add("calendar:ResponseType", ResponseType(response));
  return d.Xml();
}

// Sets (or adds) the response fields on a stored calendar item.
std::string WithResponse(const std::string& data, int response) {
  pugi::xml_document doc;
  doc.load_string(data.c_str());
  pugi::xml_node d = doc.first_child();
  for (auto [name, value] : {std::pair<const char*, const char*>{"calendar:BusyStatus", BusyStatus(response)},
                             {"calendar:ResponseType", ResponseType(response)},
                             {"calendar:MeetingStatus", "3"}}) {
    pugi::xml_node n = d.child(name);
    if (!n) n = d.append_child(name);
    n.text().set(value);
  }
  std::ostringstream out;
  doc.print(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

std::string ReplyMime(CommandContext& ctx, const mail::Invitation& inv, int response) {
  static const char* kVerbs[] = {"", "Accepted", "Tentative", "Declined"};
  const std::string ical = mail::BuildReply(inv, ctx.account.email, ctx.account.display_name, response, ctx.now);
  const std::string boundary = absl::StrCat("=_reply_", ctx.now);
  return absl::StrCat(
      // What comes from the invitation is made header-safe: a SUMMARY with
      // a line break must not add a header (issue 15: "\nBcc: ...").
      "From: ", mail::Mailbox(ctx.account.display_name, ctx.account.email), "\r\n",
      "To: ", mail::Mailbox(inv.organizer_name, inv.organizer_email),
      "\r\nSubject: ", kVerbs[response], ": ", mail::HeaderText(inv.summary), "\r\nMIME-Version: 1.0\r\n",
      "Content-Type: multipart/alternative; boundary=\"", boundary, "\"\r\n\r\n--", boundary,
      "\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", ctx.account.display_name, " answered: ",
      kVerbs[response], "\r\n--", boundary, "\r\nContent-Type: text/calendar; charset=utf-8; method=REPLY\r\n\r\n",
      ical, "--", boundary, "--\r\n");
}

// The calendar item with the meeting's UID, if the user has one.
std::string FindByUid(CommandContext& ctx, const std::string& calendar, const std::string& uid) {
  auto items = ctx.backend->ChangesSince(ctx.account, calendar, 0);
  if (!items.ok()) return "";
  const std::string needle = "<calendar:UID>" + uid + "</calendar:UID>";
  for (const auto& item : *items) {
    if (!item.deleted && item.data.find(needle) != std::string::npos) return item.server_id;
  }
  return "";
}

struct Outcome {
  int status = st::kSuccess;
  std::string calendar_id;
};

Outcome Respond(CommandContext& ctx, pugi::xml_node request) {
  int response = 0;
  const std::string request_id = request.child("RequestId").text().get();
  const std::string collection = request.child("CollectionId").text().get();
  if (!absl::SimpleAtoi(request.child("UserResponse").text().get(), &response) || response < 1 || response > 3 ||
      request_id.empty()) {
    return Outcome{st::kInvalidMeetingRequest, ""};
  }
  auto item = ctx.backend->GetItem(ctx.account, request_id);
  if (!item.ok()) {
    return Outcome{item.status().code() == absl::StatusCode::kNotFound ? st::kInvalidMeetingRequest
                                                                        : st::kServerError, ""};
  }
  if (!collection.empty() && item->folder_id != collection) return Outcome{st::kInvalidMeetingRequest, ""};
  const std::string calendar = FolderOfType(ctx, ctx.account, backend::kCalendar);
  if (calendar.empty()) return Outcome{st::kMailboxError, ""};

  std::optional<mail::Invitation> inv;
  std::string calendar_id;
  if (item->item_class == "Calendar") {
    inv = FromCalendarItem(item->data);
    calendar_id = request_id;
  } else if (item->item_class == "Email") {
    auto mime = ctx.backend->GetMime(ctx.account, request_id);
    if (!mime.ok()) return Outcome{st::kInvalidMeetingRequest, ""};
    auto message = mail::ParseMessage(*mime);
    if (!message.ok() || message->calendar_method != "REQUEST") return Outcome{st::kInvalidMeetingRequest, ""};
    auto parsed = mail::ParseInvitation(message->calendar);
    if (parsed.ok()) inv = *parsed;
    if (inv) calendar_id = FindByUid(ctx, calendar, inv->uid);
  }
  if (!inv) return Outcome{st::kInvalidMeetingRequest, ""};

  Outcome out;
  if (response == 3) {
    if (!calendar_id.empty() && !ctx.backend->DeleteItem(ctx.account, calendar_id).ok()) return Outcome{st::kServerError, ""};
  } else if (!calendar_id.empty()) {
    auto current = ctx.backend->GetItem(ctx.account, calendar_id);
    if (!current.ok() || !ctx.backend->UpdateItem(ctx.account, calendar_id, WithResponse(current->data, response)).ok()) {
      return Outcome{st::kServerError, ""};
    }
    out.calendar_id = calendar_id;
  } else {
    auto added = ctx.backend->AddItem(ctx.account, calendar, "Calendar", CalendarItem(*inv, response, ctx.now));
    if (!added.ok()) return Outcome{st::kServerError, ""};
    out.calendar_id = *added;
  }
  if (item->item_class == "Email") {
    // The answered invitation leaves the Inbox (into Deleted Items).
    const std::string trash = FolderOfType(ctx, ctx.account, backend::kDeletedItems);
    if (!trash.empty()) {
      log::IfError(ctx.backend->MoveItem(ctx.account, request_id, trash).status(),
                   "MeetingResponse: moving the invitation to Deleted Items");
    }
  }
  // From 16.0 the client says whether the organizer hears back.
  const bool send = ctx.version < ProtocolVersion::k16_0 || request.child("SendResponse");
  if (send && !inv->organizer_email.empty() && inv->organizer_email != ctx.account.email) {
    // The calendar is answered already; a reply that cannot go out (an
    // outside organizer and no relay) does not undo that.
    DeliverMail(ctx, ReplyMime(ctx, *inv, response), /*save_in_sent=*/true);
  }
  return out;
}

}  // namespace

CommandResult MeetingResponse(CommandContext& ctx) {
  CommandResult result;
  pugi::xml_node root = StartResponse(result, "MeetingResponse", "MeetingResponse:");
  pugi::xml_node requests = ctx.request->child("MeetingResponse");
  if (limits::CountChildren(requests, {"Request"}, limits::kMeetingResponseRequests) >
      limits::kMeetingResponseRequests) {
    // MS-ASCMD 3.1.5.10: one Result says so, nothing is answered.
    AddText(root.append_child("Result"), "Status", absl::StrCat(status::common::kInvalidXml));
    return result;
  }
  for (pugi::xml_node request : requests.children("Request")) {
    pugi::xml_node r = root.append_child("Result");
    AddText(r, "RequestId", request.child("RequestId").text().get());
    const Outcome outcome = Respond(ctx, request);
    AddText(r, "Status", absl::StrCat(outcome.status));
    if (!outcome.calendar_id.empty()) AddText(r, "CalendarId", outcome.calendar_id);
  }
  return result;
}

}  // namespace eas::commands
