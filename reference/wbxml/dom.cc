#include "reference/wbxml/dom.h"

#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace eas::wbxml {

bool IsOpaque(pugi::xml_node element) {
  return absl::string_view(element.attribute(kOpaqueAttribute).value()) ==
         kOpaqueBase64;
}

absl::StatusOr<std::string> ContentBytes(pugi::xml_node element) {
  std::string text;
  for (pugi::xml_node child : element.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text += child.value();
    }
  }
  if (!IsOpaque(element)) return text;
  std::string bytes;
  if (!absl::Base64Unescape(text, &bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat("element ", element.name(), " is marked opaque but its text is not base64"));
  }
  return bytes;
}

void SetOpaque(pugi::xml_node element, absl::string_view bytes) {
  while (pugi::xml_node child = element.first_child()) element.remove_child(child);
  pugi::xml_attribute marker = element.attribute(kOpaqueAttribute);
  if (!marker) marker = element.append_attribute(kOpaqueAttribute);
  marker.set_value(kOpaqueBase64);
  element.append_child(pugi::node_pcdata).set_value(absl::Base64Escape(bytes).c_str());
}

std::string ToXmlText(const pugi::xml_node& node) {
  std::ostringstream out;
  node.print(out, "  ", pugi::format_indent | pugi::format_no_declaration);
  return out.str();
}

absl::Status ParseXmlText(absl::string_view text, pugi::xml_document& doc) {
  const unsigned flags = pugi::parse_default & ~pugi::parse_eol;
  pugi::xml_parse_result result = doc.load_buffer(text.data(), text.size(), flags,
                                                  pugi::encoding_utf8);
  if (!result) {
    return absl::InvalidArgumentError(absl::StrCat(
        "XML: ", result.description(), " at byte offset ", result.offset));
  }
  return absl::OkStatus();
}

}  // namespace eas::wbxml
