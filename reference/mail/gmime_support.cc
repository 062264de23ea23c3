#include "reference/mail/gmime_support.h"

#include <mutex>

namespace eas::mail::internal {

void EnsureGMime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

GMimeParserOptions* LenientOptions() {
  static GMimeParserOptions* options = [] {
    EnsureGMime();
    GMimeParserOptions* o = g_mime_parser_options_new();
    // Phones write unquoted commas in names, addresses without a domain in
    // drafts and raw 8-bit headers (../shared/device-notes.md).
    g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_allow_addresses_without_domain(o, TRUE);
    return o;
  }();
  return options;
}

GRef<GMimeMessage> ParseGMimeMessage(absl::string_view raw) {
  EnsureGMime();
  GRef<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GRef<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  return GRef<GMimeMessage>(g_mime_parser_construct_message(parser.get(), LenientOptions()));
}

std::string ToCrlfString(GMimeObject* object) {
  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  char* text = g_mime_object_to_string(object, options);
  g_mime_format_options_free(options);
  std::string out = text ? text : "";
  g_free(text);
  return out;
}

std::string PartBytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return "";
  GRef<GMimeStream> memory(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, memory.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(memory.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace eas::mail::internal
