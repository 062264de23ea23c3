#include "reference/mail/compose.h"

#include <functional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "reference/mail/gmime_support.h"
#include "reference/mail/html_text.h"

namespace eas::mail {
namespace {

using internal::GRef;

// The first address of an address header's value ("" if none).
std::string FirstAddress(absl::string_view value) {
  std::vector<std::string> all = ParseAddresses(value);
  return all.empty() ? "" : all.front();
}

absl::StatusOr<GRef<GMimeMessage>> Parse(absl::string_view raw) {
  GRef<GMimeMessage> message = internal::ParseGMimeMessage(raw);
  if (!message) return absl::InvalidArgumentError("not a MIME message");
  GMimeHeaderList* headers = g_mime_object_get_header_list(GMIME_OBJECT(message.get()));
  if (headers == nullptr || g_mime_header_list_get_count(headers) == 0) {
    return absl::InvalidArgumentError("not a MIME message: no header block");
  }
  return message;
}

struct BodyParts {
  GMimeTextPart* plain = nullptr;
  GMimeTextPart* html = nullptr;
};

void FindBodies(GMimeObject* /*parent*/, GMimeObject* part, gpointer data) {
  auto& found = *static_cast<BodyParts*>(data);
  if (!GMIME_IS_TEXT_PART(part) || g_mime_part_is_attachment(GMIME_PART(part))) return;
  GMimeContentType* type = g_mime_object_get_content_type(part);
  if (found.plain == nullptr && g_mime_content_type_is_type(type, "text", "plain")) {
    found.plain = GMIME_TEXT_PART(part);
  } else if (found.html == nullptr && g_mime_content_type_is_type(type, "text", "html")) {
    found.html = GMIME_TEXT_PART(part);
  }
}

std::string TextOf(GMimeTextPart* part) {
  char* text = g_mime_text_part_get_text(part);
  std::string out = text ? text : "";
  g_free(text);
  return out;
}

std::string HtmlEscape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}});
}

struct QuoteHeader {
  std::string label, value;
};

std::vector<QuoteHeader> QuoteHeaders(const MailMessage& original) {
  std::vector<QuoteHeader> h{{"From", original.from}};
  if (original.date != 0) {
    h.push_back({"Sent", absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000",
                                          absl::FromUnixSeconds(original.date), absl::UTCTimeZone())});
  }
  h.push_back({"To", original.to});
  if (!original.cc.empty()) h.push_back({"Cc", original.cc});
  h.push_back({"Subject", original.subject});
  return h;
}

std::string PlainQuote(const MailMessage& original) {
  std::string out = "\r\n\r\n-----Original Message-----\r\n";
  for (const auto& [label, value] : QuoteHeaders(original)) absl::StrAppend(&out, label, ": ", value, "\r\n");
  out += "\r\n";
  out += original.text_body.empty() ? HtmlToText(original.html_body) : original.text_body;
  return out;
}

std::string HtmlQuote(const MailMessage& original) {
  std::string out = "<hr><div>";
  for (const auto& [label, value] : QuoteHeaders(original)) {
    absl::StrAppend(&out, "<b>", label, ":</b> ", HtmlEscape(value), "<br>");
  }
  out += "</div>";
  out += original.html_body.empty()
             ? absl::StrCat("<pre>", HtmlEscape(original.text_body), "</pre>")
             : original.html_body;
  return out;
}

std::string InsertBeforeBodyEnd(const std::string& html, const std::string& addition) {
  const std::string lower = absl::AsciiStrToLower(html);
  const size_t end = lower.rfind("</body>");
  if (end == std::string::npos) return html + addition;
  return html.substr(0, end) + addition + html.substr(end);
}

void Attach(GMimeMultipart* mixed, const MailAttachment& a) {
  if (a.content_type == "message/rfc822") {
    GRef<GMimeMessage> inner = internal::ParseGMimeMessage(a.data);
    if (inner) {
      GRef<GMimeMessagePart> part(g_mime_message_part_new_with_message("rfc822", inner.get()));
      g_mime_multipart_add(mixed, GMIME_OBJECT(part.get()));
      return;
    }
  }
  const size_t slash = a.content_type.find('/');
  const std::string type = slash == std::string::npos ? "application" : a.content_type.substr(0, slash);
  const std::string subtype = slash == std::string::npos ? "octet-stream" : a.content_type.substr(slash + 1);
  GRef<GMimePart> part(g_mime_part_new_with_type(type.c_str(), subtype.c_str()));
  g_mime_part_set_filename(part.get(), a.file_name.c_str());
  g_mime_object_set_disposition(GMIME_OBJECT(part.get()), a.is_inline ? "inline" : "attachment");
  if (!a.content_id.empty()) g_mime_object_set_content_id(GMIME_OBJECT(part.get()), a.content_id.c_str());
  GRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(a.data.data(), a.data.size()));
  GRef<GMimeDataWrapper> content(g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), content.get());
  g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
  g_mime_multipart_add(mixed, GMIME_OBJECT(part.get()));
}

}  // namespace

std::string HeaderText(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = ' ';
  }
  return out;
}

std::string Mailbox(absl::string_view name, absl::string_view address) {
  const std::string safe_address = HeaderText(address);
  if (name.empty()) return safe_address;
  std::string quoted;
  for (char c : HeaderText(name)) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return absl::StrCat("\"", quoted, "\" <", safe_address, ">");
}

absl::StatusOr<std::string> CompleteHeaders(absl::string_view raw, const std::string& from,
                                            int64_t now, const std::string& id_domain) {
  auto message = Parse(raw);
  if (!message.ok()) return message.status();
  GMimeObject* object = GMIME_OBJECT(message->get());
  // The sender is the account: a From with another address is replaced,
  // and so is a Sender naming anyone else (issue 15: a user sent as
  // another).
  const std::string account_address = absl::AsciiStrToLower(FirstAddress(from));
  const char* client_from = g_mime_object_get_header(object, "From");
  if (client_from == nullptr || absl::AsciiStrToLower(FirstAddress(client_from)) != account_address) {
    g_mime_object_set_header(object, "From", from.c_str(), "utf-8");
  }
  const char* sender = g_mime_object_get_header(object, "Sender");
  if (sender != nullptr && absl::AsciiStrToLower(FirstAddress(sender)) != account_address) {
    g_mime_object_remove_header(object, "Sender");
  }
  if (g_mime_object_get_header(object, "Date") == nullptr) {
    GDateTime* date = g_date_time_new_from_unix_utc(now);
    g_mime_message_set_date(message->get(), date);
    g_date_time_unref(date);
  }
  if (g_mime_object_get_header(object, "Message-Id") == nullptr) {
    // Derived from the content, so a resent request gets the same id.
    const size_t digest = std::hash<std::string_view>{}(std::string_view(raw.data(), raw.size()));
    const std::string id = absl::StrCat(now, ".", absl::Hex(digest), "@", id_domain);
    g_mime_message_set_message_id(message->get(), id.c_str());
  }
  return internal::ToCrlfString(object);
}

absl::StatusOr<std::string> AddOriginal(absl::string_view raw, const MailMessage& original,
                                        bool forward) {
  auto message = Parse(raw);
  if (!message.ok()) return message.status();
  GMimeObject* object = GMIME_OBJECT(message->get());
  BodyParts bodies;
  g_mime_message_foreach(message->get(), &FindBodies, &bodies);
  if (bodies.plain != nullptr) {
    g_mime_text_part_set_text(bodies.plain, (TextOf(bodies.plain) + PlainQuote(original)).c_str());
  }
  if (bodies.html != nullptr) {
    g_mime_text_part_set_text(bodies.html, InsertBeforeBodyEnd(TextOf(bodies.html), HtmlQuote(original)).c_str());
  }
  if (bodies.plain == nullptr && bodies.html == nullptr) {
    // A message with no text of its own: the quote becomes its body.
    GRef<GMimeTextPart> text(g_mime_text_part_new_with_subtype("plain"));
    g_mime_text_part_set_text(text.get(), PlainQuote(original).c_str());
    GMimeObject* top = g_mime_message_get_mime_part(message->get());
    if (top != nullptr && GMIME_IS_MULTIPART(top)) {
      g_mime_multipart_insert(GMIME_MULTIPART(top), 0, GMIME_OBJECT(text.get()));
    } else {
      g_mime_message_set_mime_part(message->get(), GMIME_OBJECT(text.get()));
    }
  }
  if (!forward && !original.message_id.empty()) {
    const std::string id = absl::StrCat("<", original.message_id, ">");
    if (g_mime_object_get_header(object, "In-Reply-To") == nullptr) {
      g_mime_object_set_header(object, "In-Reply-To", id.c_str(), nullptr);
    }
    if (g_mime_object_get_header(object, "References") == nullptr) {
      const std::string refs = original.references.empty() ? id : absl::StrCat(original.references, " ", id);
      g_mime_object_set_header(object, "References", refs.c_str(), nullptr);
    }
  }
  if (forward && !original.attachments.empty()) {
    GMimeObject* top = g_mime_message_get_mime_part(message->get());
    GMimeMultipart* mixed = nullptr;
    if (top != nullptr && GMIME_IS_MULTIPART(top) &&
        g_mime_content_type_is_type(g_mime_object_get_content_type(top), "multipart", "mixed")) {
      mixed = GMIME_MULTIPART(top);
    } else {
      GRef<GMimeMultipart> wrapper(g_mime_multipart_new_with_subtype("mixed"));
      if (top != nullptr) g_mime_multipart_add(wrapper.get(), top);
      g_mime_message_set_mime_part(message->get(), GMIME_OBJECT(wrapper.get()));
      mixed = wrapper.get();  // the message holds it now
    }
    for (const MailAttachment& a : original.attachments) Attach(mixed, a);
  }
  return internal::ToCrlfString(object);
}

absl::StatusOr<std::string> WithoutBcc(absl::string_view raw) {
  auto message = Parse(raw);
  if (!message.ok()) return message.status();
  g_mime_object_remove_header(GMIME_OBJECT(message->get()), "Bcc");
  return internal::ToCrlfString(GMIME_OBJECT(message->get()));
}

}  // namespace eas::mail
