#include "reference/commands/application_data.h"

#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "reference/wbxml/code_pages.h"

namespace eas::commands {
namespace {

const wbxml::CodePage* PageOfPrefix(absl::string_view prefix) {
  for (const auto& page : wbxml::CodePages::Default().pages()) {
    if (page->prefix == prefix) return page.get();
  }
  return nullptr;
}

// The page and local name of an element named "prefix:Local" (or "Local" in
// the AirSync page, the one ApplicationData itself belongs to).
const wbxml::Tag* TagOf(pugi::xml_node element) {
  std::string name = element.name();
  const size_t colon = name.find(':');
  const wbxml::CodePage* page = colon == std::string::npos
                                    ? wbxml::CodePages::Default().Page(0)
                                    : PageOfPrefix(absl::string_view(name).substr(0, colon));
  if (page == nullptr) return nullptr;
  return page->FindName(colon == std::string::npos ? name : name.substr(colon + 1));
}

void DeclarePrefixes(pugi::xml_node from, pugi::xml_node root) {
  for (const pugi::xpath_node& found : from.select_nodes(".//*")) {
    std::string name = found.node().name();
    const size_t colon = name.find(':');
    if (colon == std::string::npos) continue;
    const std::string attr = "xmlns:" + name.substr(0, colon);
    if (root.attribute(attr.c_str())) continue;
    if (const wbxml::CodePage* page = PageOfPrefix(name.substr(0, colon))) {
      root.append_attribute(attr.c_str()).set_value(page->ns.c_str());
    }
  }
}

std::string Print(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.print(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

bool Knows(const wbxml::Tag& tag, ProtocolVersion version) {
  auto since = ParseProtocolVersion(tag.since);
  auto until = ParseProtocolVersion(tag.until);
  return !(since && version < *since) && !(until && version > *until);
}

// Drops descendants the version does not know.
void Trim(pugi::xml_node node, ProtocolVersion version) {
  for (pugi::xml_node child = node.first_child(); child;) {
    pugi::xml_node next = child.next_sibling();
    if (child.type() == pugi::node_element) {
      const wbxml::Tag* tag = TagOf(child);
      if (tag == nullptr || !Knows(*tag, version)) {
        node.remove_child(child);
      } else {
        Trim(child, version);
      }
    }
    child = next;
  }
}

// Cuts UTF-8 text to at most `limit` bytes without splitting a character.
std::string Truncate(const std::string& text, size_t limit) {
  size_t cut = std::min(limit, text.size());
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

}  // namespace

std::string ToStoredForm(pugi::xml_node application_data) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("ApplicationData");
  root.append_attribute("xmlns") = "AirSync:";
  for (pugi::xml_node child : application_data.children()) root.append_copy(child);
  DeclarePrefixes(root, root);
  return Print(doc);
}

absl::StatusOr<std::string> MergeChange(const std::string& stored, pugi::xml_node change) {
  pugi::xml_document doc;
  if (!doc.load_string(stored.c_str())) return absl::DataLossError("stored item does not parse");
  pugi::xml_node root = doc.first_child();
  for (pugi::xml_node property : change.children()) {
    if (property.type() != pugi::node_element) continue;
    // Remove every stored element of that name (multi-valued ones come as a
    // container, e.g. Categories, and are replaced whole).
    while (pugi::xml_node old = root.child(property.name())) root.remove_child(old);
    root.append_copy(property);
  }
  DeclarePrefixes(root, root);
  return Print(doc);
}

absl::Status AppendForDevice(const std::string& stored, pugi::xml_node target, pugi::xml_node root,
                             ProtocolVersion version, const BodyPreference& body) {
  pugi::xml_document doc;
  if (!doc.load_string(stored.c_str())) return absl::DataLossError("stored item does not parse");
  pugi::xml_node data = doc.first_child();
  Trim(data, version);
  if (body.truncation_size) {
    pugi::xml_node b = data.child("airsyncbase:Body");
    pugi::xml_node text = b.child("airsyncbase:Data");
    const std::string full = text.text().get();
    if (text && full.size() > *body.truncation_size) {
      text.text().set(Truncate(full, *body.truncation_size).c_str());
      pugi::xml_node truncated = b.child("airsyncbase:Truncated");
      if (!truncated) truncated = b.insert_child_after("airsyncbase:Truncated", text);
      truncated.text().set("1");
    }
  }
  for (pugi::xml_node child : data.children()) target.append_copy(child);
  DeclarePrefixes(target, root);
  return absl::OkStatus();
}

}  // namespace eas::commands
