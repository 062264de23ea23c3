#include "reference/mail/mail_item.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "openssl/sha.h"
#include "reference/eas/application_data_builder.h"
#include "reference/eas/eas_time.h"
#include "reference/mail/icalendar.h"

namespace eas::mail {
namespace {

// MS-ASEMAIL 2.2.2.49 MessageClass by the iTIP method of a calendar part.
std::string MessageClass(const MailMessage& m) {
  if (m.calendar.empty()) return "IPM.Note";
  if (m.calendar_method == "REQUEST") return "IPM.Schedule.Meeting.Request";
  if (m.calendar_method == "CANCEL") return "IPM.Schedule.Meeting.Canceled";
  if (m.calendar_method == "REPLY") {
    if (m.subject.rfind("Accepted:", 0) == 0) return "IPM.Schedule.Meeting.Resp.Pos";
    if (m.subject.rfind("Declined:", 0) == 0) return "IPM.Schedule.Meeting.Resp.Neg";
    return "IPM.Schedule.Meeting.Resp.Tent";
  }
  return "IPM.Note";
}

// DisplayTo: the names (or addresses) of the To recipients, ';' separated.
std::string DisplayTo(const std::string& to) {
  std::string out;
  for (absl::string_view part : absl::StrSplit(to, ", ")) {
    const size_t angle = part.find('<');
    absl::string_view name = angle == absl::string_view::npos ? part : part.substr(0, angle);
    while (!name.empty() && (name.back() == ' ' || name.back() == '"')) name.remove_suffix(1);
    while (!name.empty() && name.front() == '"') name.remove_prefix(1);
    if (name.empty()) name = part;
    if (!out.empty()) out += "; ";
    out += std::string(name);
  }
  return out;
}

// A thread: the subject without reply and forward prefixes.
std::string ThreadKey(std::string subject) {
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (const char* prefix : {"re:", "fw:", "fwd:", "aw:", "wg:", "sv:", "vs:"}) {
      if (absl::StartsWithIgnoreCase(absl::StripLeadingAsciiWhitespace(subject), prefix)) {
        subject = std::string(absl::StripLeadingAsciiWhitespace(subject)).substr(std::string(prefix).size());
        stripped = true;
      }
    }
  }
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(subject));
}

// MS-ASEMAIL 2.2.2.48 MeetingRequest, from the invitation's VEVENT.
void AddMeetingRequest(ApplicationDataBuilder& d, const MailMessage& m) {
  auto inv = ParseInvitation(m.calendar);
  if (!inv.ok()) return;
  pugi::xml_node r = d.Node("email:MeetingRequest");
  d.Add("email:AllDayEvent", inv->all_day ? "1" : "0", r);
  d.Add("email:StartTime", EasDate(inv->start), r);
  d.Add("email:DtStamp", EasDate(m.date), r);
  d.Add("email:EndTime", EasDate(inv->end), r);
  d.Add("email:InstanceType", "0", r);
  if (!inv->location.empty()) d.Add("email:Location", inv->location, r);
  d.Add("email:Organizer", inv->organizer_email, r);
  d.Add("email:ResponseRequested", "1", r);
  d.Add("email:Sensitivity", "0", r);
  d.Add("email:BusyStatus", "2", r);
  d.Add("email:TimeZone", TimezoneOf(*inv), r);
  d.Add("email:GlobalObjId", GlobalObjId(inv->uid), r);
}

}  // namespace

std::string ConversationId(const std::string& subject) {
  const std::string key = ThreadKey(subject);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), 16);
}

std::string FileReference(int64_t mime_id, size_t index) { return absl::StrCat(mime_id, ":", index); }

std::optional<std::pair<int64_t, size_t>> ParseFileReference(absl::string_view reference) {
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(reference, absl::MaxSplits(':', 1));
  int64_t id = 0;
  size_t index = 0;
  if (!absl::SimpleAtoi(parts.first, &id) || !absl::SimpleAtoi(parts.second, &index) || id <= 0) {
    return std::nullopt;
  }
  return std::make_pair(id, index);
}

std::string EasDate(int64_t unix_seconds) { return IsoUtc(unix_seconds); }

std::string ToApplicationData(const MailMessage& m, int64_t mime_id, int64_t received, bool read) {
  ApplicationDataBuilder d;
  d.Ns("email", "Email:").Ns("airsyncbase", "AirSyncBase:");
  if (!m.to.empty()) d.Add("email:To", m.to);
  if (!m.cc.empty()) d.Add("email:Cc", m.cc);
  if (!m.from.empty()) d.Add("email:From", m.from);
  d.Add("email:Subject", m.subject);
  if (!m.reply_to.empty()) d.Add("email:ReplyTo", m.reply_to);
  d.Add("email:DateReceived", EasDate(received));
  d.Add("email:DisplayTo", DisplayTo(m.to));
  d.Add("email:ThreadTopic", m.subject);
  d.Add("email:Importance", m.importance.empty() ? "1" : m.importance);
  d.Add("email:Read", read ? "1" : "0");
  if (!m.attachments.empty()) {
    pugi::xml_node list = d.Node("airsyncbase:Attachments");
    for (size_t i = 0; i < m.attachments.size(); ++i) {
      const MailAttachment& a = m.attachments[i];
      pugi::xml_node node = d.Node("airsyncbase:Attachment", list);
      d.Add("airsyncbase:DisplayName", a.file_name, node);
      d.Add("airsyncbase:FileReference", FileReference(mime_id, i), node);
      // 1: normal attachment; 5: an embedded message (MS-ASAIRS 2.2.2.31).
      d.Add("airsyncbase:Method", a.content_type == "message/rfc822" ? "5" : "1", node);
      d.Add("airsyncbase:EstimatedDataSize", absl::StrCat(a.data.size()), node);
      if (!a.content_id.empty()) d.Add("airsyncbase:ContentId", a.content_id, node);
      if (a.is_inline) d.Add("airsyncbase:IsInline", "1", node);
    }
  }
  const bool html = !m.html_body.empty();
  d.Body(html ? m.html_body : m.text_body, html ? 2 : 1);
  if (m.calendar_method == "REQUEST") AddMeetingRequest(d, m);
  d.Add("email:MessageClass", MessageClass(m));
  d.Add("email:InternetCPID", "65001");
  d.Add("airsyncbase:NativeBodyType", html ? "2" : "1");
  // 14.0+: the conversation, for ItemOperations Move (MS-ASEMAIL 2.2.2.16).
  d.root().append_attribute("xmlns:email2") = "Email2:";
  pugi::xml_node conversation = d.Node("email2:ConversationId");
  conversation.append_attribute("opaque") = "base64";
  conversation.text().set(absl::Base64Escape(ConversationId(m.subject)).c_str());
  return d.Xml();
}

}  // namespace eas::mail
