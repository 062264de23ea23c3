// What every command handler gets and gives back.
#ifndef EAS_REFERENCE_COMMANDS_COMMAND_H_
#define EAS_REFERENCE_COMMANDS_COMMAND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "pugixml.hpp"
#include "reference/backend/backend.h"
#include "reference/eas/protocol_version.h"
#include "reference/http/query.h"
#include "reference/state/device_state.h"

namespace eas::commands {

struct CommandContext {
  ProtocolVersion version;
  const http::Query* query = nullptr;
  backend::Account account;
  state::Device device;
  backend::Backend* backend = nullptr;
  state::DeviceState* state = nullptr;
  // The decoded request body; empty (no root element) for an empty body.
  const pugi::xml_document* request = nullptr;
  int64_t now = 0;  // Unix seconds
  // Random source for policy keys (replaceable in tests).
  std::function<uint32_t()> random32;
};

struct CommandResult {
  int http_status = 200;
  // The response body; no root element means an empty body.
  std::unique_ptr<pugi::xml_document> body = std::make_unique<pugi::xml_document>();
};

// Starts a response document whose root is `name` in code page `ns`.
pugi::xml_node StartResponse(CommandResult& result, const char* name, const char* ns);

// Appends <name>text</name>.
pugi::xml_node AddText(pugi::xml_node parent, const char* name, const std::string& text);

}  // namespace eas::commands

#endif  // EAS_REFERENCE_COMMANDS_COMMAND_H_
