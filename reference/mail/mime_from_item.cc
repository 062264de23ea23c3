#include "reference/mail/mime_from_item.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "pugixml.hpp"
#include "reference/mail/compose.h"
#include "reference/mail/gmime_support.h"

namespace eas::mail {
namespace {

using internal::GRef;

void SetAddresses(GMimeMessage* message, GMimeAddressType type, const char* value) {
  if (value == nullptr || *value == '\0') return;
  const std::string clean = HeaderText(value);
  GRef<InternetAddressList> list(internet_address_list_parse(internal::LenientOptions(), clean.c_str()));
  if (list) internet_address_list_append(g_mime_message_get_addresses(message, type), list.get());
}

}  // namespace

absl::StatusOr<std::string> MimeFromItem(const std::string& stored_item) {
  pugi::xml_document doc;
  if (!doc.load_string(stored_item.c_str())) return absl::DataLossError("stored item does not parse");
  const pugi::xml_node data = doc.first_child();
  internal::EnsureGMime();
  GRef<GMimeMessage> message(g_mime_message_new(TRUE));
  SetAddresses(message.get(), GMIME_ADDRESS_TYPE_FROM, data.child("email:From").text().get());
  SetAddresses(message.get(), GMIME_ADDRESS_TYPE_REPLY_TO, data.child("email:ReplyTo").text().get());
  SetAddresses(message.get(), GMIME_ADDRESS_TYPE_TO, data.child("email:To").text().get());
  SetAddresses(message.get(), GMIME_ADDRESS_TYPE_CC, data.child("email:Cc").text().get());
  const std::string subject = HeaderText(data.child("email:Subject").text().get());
  g_mime_message_set_subject(message.get(), subject.c_str(), "utf-8");
  absl::Time received;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, data.child("email:DateReceived").text().get(), &received, &error)) {
    GDateTime* date = g_date_time_new_from_unix_utc(absl::ToUnixSeconds(received));
    g_mime_message_set_date(message.get(), date);
    g_date_time_unref(date);
  }
  const pugi::xml_node body = data.child("airsyncbase:Body");
  const bool html = std::string(body.child("airsyncbase:Type").text().get()) == "2";
  GRef<GMimeTextPart> text(g_mime_text_part_new_with_subtype(html ? "html" : "plain"));
  g_mime_text_part_set_charset(text.get(), "utf-8");
  g_mime_text_part_set_text(text.get(), body.child("airsyncbase:Data").text().get());
  g_mime_part_set_content_encoding(GMIME_PART(text.get()), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(text.get()));
  return internal::ToCrlfString(GMIME_OBJECT(message.get()));
}

}  // namespace eas::mail
