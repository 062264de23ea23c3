#include "reference/mail/mime_message.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/mail/gmime_support.h"

namespace eas::mail {
namespace {

using internal::GRef;

// Windows Mobile and Nokia separate recipients with ';' (Outlook's habit);
// RFC 5322 uses ',' and reserves ';' for the end of a group. Outside quotes
// and angle brackets, and when no group ("name:") is open, ';' is a
// separator.
std::string NormalizeSeparators(absl::string_view value) {
  std::string out;
  bool quoted = false, in_group = false;
  int angle = 0;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\' && quoted && i + 1 < value.size()) {
      out += c;
      out += value[++i];
      continue;
    }
    if (c == '"') quoted = !quoted;
    if (!quoted) {
      if (c == '<') ++angle;
      if (c == '>' && angle > 0) --angle;
      if (c == ':' && angle == 0) in_group = true;
      if (c == ';' && angle == 0) {
        if (in_group) {
          in_group = false;
        } else {
          out += ',';
          continue;
        }
      }
    }
    out += c;
  }
  return out;
}

void CollectAddresses(InternetAddressList* list, std::vector<std::string>& out) {
  if (list == nullptr) return;
  for (int i = 0; i < internet_address_list_length(list); ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address));
      if (addr != nullptr && *addr != '\0') out.emplace_back(addr);
    } else if (INTERNET_ADDRESS_IS_GROUP(address)) {
      CollectAddresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), out);
    }
  }
}

GRef<InternetAddressList> ParseList(absl::string_view value) {
  internal::EnsureGMime();
  const std::string normalized = NormalizeSeparators(value);
  return GRef<InternetAddressList>(
      internet_address_list_parse(internal::LenientOptions(), normalized.c_str()));
}

// The display form of an address header, or "" when it is absent.
std::string DisplayHeader(GMimeObject* object, const char* name, std::vector<std::string>* collect) {
  const char* raw = g_mime_object_get_header(object, name);
  if (raw == nullptr) return "";
  GRef<InternetAddressList> list = ParseList(raw);
  if (!list) return "";
  if (collect != nullptr) CollectAddresses(list.get(), *collect);
  char* text = internet_address_list_to_string(list.get(), nullptr, FALSE);
  std::string out = text ? text : "";
  g_free(text);
  return out;
}

std::string Header(GMimeObject* object, const char* name) {
  const char* value = g_mime_object_get_header(object, name);
  return value ? std::string(absl::StripAsciiWhitespace(value)) : "";
}

// MS-ASEMAIL Importance from Importance: or X-Priority:.
std::string ImportanceOf(GMimeObject* object) {
  const std::string importance = absl::AsciiStrToLower(Header(object, "Importance"));
  if (importance == "high") return "2";
  if (importance == "low") return "0";
  const std::string priority = Header(object, "X-Priority");
  int level = 0;
  if (!priority.empty() && absl::SimpleAtoi(priority.substr(0, 1), &level)) {
    if (level <= 2) return "2";
    if (level >= 4) return "0";
  }
  return "1";
}

struct Walk {
  MailMessage* message;
  int unnamed = 0;
};

std::string ContentTypeOf(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  if (type == nullptr) return "application/octet-stream";
  char* mime = g_mime_content_type_get_mime_type(type);
  std::string out = absl::AsciiStrToLower(mime ? mime : "application/octet-stream");
  g_free(mime);
  return out;
}

std::string ContentId(GMimeObject* object) {
  const char* id = g_mime_object_get_content_id(object);
  return id ? id : "";
}

void VisitPart(GMimeObject* /*parent*/, GMimeObject* part, gpointer data) {
  Walk& walk = *static_cast<Walk*>(data);
  MailMessage& message = *walk.message;
  if (GMIME_IS_MESSAGE_PART(part)) {
    // A forwarded message travels as an attachment, named after its subject.
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));
    MailAttachment a;
    const char* subject = inner ? g_mime_message_get_subject(inner) : nullptr;
    a.file_name = absl::StrCat(subject && *subject ? subject : "message", ".eml");
    a.content_type = "message/rfc822";
    a.content_id = ContentId(part);
    if (inner != nullptr) a.data = internal::ToCrlfString(GMIME_OBJECT(inner));
    message.attachments.push_back(std::move(a));
    return;
  }
  if (!GMIME_IS_PART(part)) return;  // multiparts: their children come next
  GMimePart* leaf = GMIME_PART(part);
  const std::string type = ContentTypeOf(part);
  const bool attachment = g_mime_part_is_attachment(leaf);
  if (!attachment && GMIME_IS_TEXT_PART(part)) {
    char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    std::string utf8 = text ? text : "";
    g_free(text);
    if (type == "text/plain") {
      message.text_body += utf8;
      return;
    }
    if (type == "text/html" && message.html_body.empty()) {
      message.html_body = std::move(utf8);
      return;
    }
    if (type == "text/calendar" && message.calendar.empty()) {
      message.calendar = std::move(utf8);
      const char* method = g_mime_object_get_content_type_parameter(part, "method");
      message.calendar_method = absl::AsciiStrToUpper(method ? method : "");
      return;
    }
  }
  MailAttachment a;
  const char* name = g_mime_part_get_filename(leaf);
  a.file_name = name && *name ? name : absl::StrCat("attachment-", ++walk.unnamed);
  a.content_type = type;
  a.content_id = ContentId(part);
  GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(part);
  const char* how = disposition ? g_mime_content_disposition_get_disposition(disposition) : nullptr;
  a.is_inline = !attachment && (how != nullptr || !a.content_id.empty());
  a.data = internal::PartBytes(leaf);
  message.attachments.push_back(std::move(a));
}

}  // namespace

std::vector<std::string> ParseAddresses(absl::string_view header_value) {
  std::vector<std::string> out;
  GRef<InternetAddressList> list = ParseList(header_value);
  if (list) CollectAddresses(list.get(), out);
  return out;
}

absl::StatusOr<MailMessage> ParseMessage(absl::string_view raw) {
  GRef<GMimeMessage> parsed = internal::ParseGMimeMessage(raw);
  if (!parsed) return absl::InvalidArgumentError("not a MIME message");
  GMimeObject* object = GMIME_OBJECT(parsed.get());
  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  if (headers == nullptr || g_mime_header_list_get_count(headers) == 0) {
    return absl::InvalidArgumentError("not a MIME message: no header block");
  }
  MailMessage m;
  std::vector<std::string> from;
  m.from = DisplayHeader(object, "From", &from);
  if (!from.empty()) m.from_address = from.front();
  std::vector<std::string> recipients;
  m.to = DisplayHeader(object, "To", &recipients);
  m.cc = DisplayHeader(object, "Cc", &recipients);
  DisplayHeader(object, "Bcc", &recipients);
  m.reply_to = DisplayHeader(object, "Reply-To", nullptr);
  for (auto& r : recipients) {
    const bool seen = std::any_of(m.recipients.begin(), m.recipients.end(), [&](const std::string& s) {
      return absl::EqualsIgnoreCase(s, r);
    });
    if (!seen) m.recipients.push_back(std::move(r));
  }
  const char* subject = g_mime_message_get_subject(parsed.get());
  m.subject = subject ? subject : "";
  const char* id = g_mime_message_get_message_id(parsed.get());
  m.message_id = id ? id : "";
  m.in_reply_to = Header(object, "In-Reply-To");
  m.references = Header(object, "References");
  if (GDateTime* date = g_mime_message_get_date(parsed.get())) m.date = g_date_time_to_unix(date);
  m.importance = ImportanceOf(object);
  Walk walk{&m};
  g_mime_message_foreach(parsed.get(), &VisitPart, &walk);
  return m;
}

}  // namespace eas::mail
