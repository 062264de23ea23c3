// How WBXML maps onto a pugixml DOM in this project (docs/wbxml.md):
//
//  * The root element carries the default namespace of its code page
//    (xmlns="AirSync:"); elements of that page are unprefixed. Elements of any
//    other page carry the page's fixed prefix ("airsyncbase:Body"), declared
//    once on the root (xmlns:airsyncbase="AirSyncBase:"). Handlers can thus
//    look children up by plain strings.
//  * Strings are UTF-8 PCDATA. Opaque data (MIME, ConversationId, attachment
//    bytes) is kept byte for byte: the element gets opaque="base64" and its
//    text is the base64 of the bytes. EAS itself has no XML attributes, so
//    the marker cannot collide with protocol data.
#ifndef EAS_REFERENCE_WBXML_DOM_H_
#define EAS_REFERENCE_WBXML_DOM_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "pugixml.hpp"

namespace eas::wbxml {

inline constexpr char kOpaqueAttribute[] = "opaque";
inline constexpr char kOpaqueBase64[] = "base64";

// True if the element's content came from (or is to be written as) OPAQUE.
bool IsOpaque(pugi::xml_node element);

// The element's content as bytes: the decoded base64 of an opaque element,
// the concatenated text of any other.
absl::StatusOr<std::string> ContentBytes(pugi::xml_node element);

// Replaces the element's content with opaque bytes.
void SetOpaque(pugi::xml_node element, absl::string_view bytes);

// Serializes a DOM as indented XML text (UTF-8, no declaration) the way the
// CLI and the capture files show it; line ends inside text are kept.
std::string ToXmlText(const pugi::xml_node& node);

// Parses XML text for encoding, keeping every byte of text (no end-of-line
// normalization). Error names the byte offset.
absl::Status ParseXmlText(absl::string_view text, pugi::xml_document& doc);

}  // namespace eas::wbxml

#endif  // EAS_REFERENCE_WBXML_DOM_H_
