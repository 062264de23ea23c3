#include "reference/commands/command.h"

#include "reference/log/log.h"

#include <string>

namespace eas::commands {

bool Failed(const absl::Status& status, const CommandContext& ctx, absl::string_view where) {
  if (status.ok()) return false;
  log::Error(where, status, {{"account", ctx.account.key()}, {"device", ctx.device.device_id}});
  return true;
}

CommandResult StorageUnavailable() {
  CommandResult result;
  result.http_status = 503;
  result.retry_after_seconds = 30;
  return result;
}

pugi::xml_node StartResponse(CommandResult& result, const char* name, const char* ns) {
  pugi::xml_node root = result.body->append_child(name);
  root.append_attribute("xmlns").set_value(ns);
  return root;
}

CommandResult StatusResponse(absl::string_view root, absl::string_view ns, int status) {
  CommandResult result;
  const std::string name(root), space(ns);
  AddText(StartResponse(result, name.c_str(), space.c_str()), "Status", std::to_string(status));
  return result;
}

pugi::xml_node AddText(pugi::xml_node parent, const char* name, const std::string& text) {
  pugi::xml_node node = parent.append_child(name);
  if (!text.empty()) node.append_child(pugi::node_pcdata).set_value(text.c_str());
  return node;
}

}  // namespace eas::commands
