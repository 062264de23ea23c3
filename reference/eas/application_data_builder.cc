#include "reference/eas/application_data_builder.h"

#include <sstream>

namespace eas {

ApplicationDataBuilder::ApplicationDataBuilder() {
  root_ = doc_.append_child("ApplicationData");
  root_.append_attribute("xmlns") = "AirSync:";
}

ApplicationDataBuilder& ApplicationDataBuilder::Ns(const char* prefix, const char* ns) {
  root_.append_attribute((std::string("xmlns:") + prefix).c_str()) = ns;
  return *this;
}

pugi::xml_node ApplicationDataBuilder::Add(const std::string& name, const std::string& text,
                                           pugi::xml_node parent) {
  pugi::xml_node n = Node(name, parent);
  if (!text.empty()) n.append_child(pugi::node_pcdata).set_value(text.c_str());
  return n;
}

pugi::xml_node ApplicationDataBuilder::Node(const std::string& name, pugi::xml_node parent) {
  return (parent ? parent : root_).append_child(name.c_str());
}

void ApplicationDataBuilder::Body(const std::string& text, int type) {
  pugi::xml_node body = Node("airsyncbase:Body");
  Add("airsyncbase:Type", std::to_string(type), body);
  Add("airsyncbase:EstimatedDataSize", std::to_string(text.size()), body);
  Add("airsyncbase:Data", text, body);
}

std::string ApplicationDataBuilder::Xml() const {
  std::ostringstream out;
  doc_.print(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

}  // namespace eas
