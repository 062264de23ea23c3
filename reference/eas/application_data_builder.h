// Builds a stored item: a standalone <ApplicationData xmlns="AirSync:"> with
// the prefixes its children use declared on it (docs/wbxml.md), so it encodes
// alone as well as inside a Sync. Used by the demo content and by the mail
// module when a message becomes an item.
#ifndef EAS_REFERENCE_EAS_APPLICATION_DATA_BUILDER_H_
#define EAS_REFERENCE_EAS_APPLICATION_DATA_BUILDER_H_

#include <string>

#include "pugixml.hpp"

namespace eas {

class ApplicationDataBuilder {
 public:
  ApplicationDataBuilder();
  // Declares xmlns:prefix="ns" on the root.
  ApplicationDataBuilder& Ns(const char* prefix, const char* ns);
  // Appends <name>text</name> (no text node when text is empty) under
  // `parent`, or the root when none is given.
  pugi::xml_node Add(const std::string& name, const std::string& text, pugi::xml_node parent = {});
  pugi::xml_node Node(const std::string& name, pugi::xml_node parent = {});
  // airsyncbase:Body of `type` (1 plain text, 2 HTML) holding `text`.
  void Body(const std::string& text, int type = 1);
  pugi::xml_node root() const { return root_; }
  std::string Xml() const;

 private:
  pugi::xml_document doc_;
  pugi::xml_node root_;
};

}  // namespace eas

#endif  // EAS_REFERENCE_EAS_APPLICATION_DATA_BUILDER_H_
