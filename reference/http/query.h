// The request-line query of an EAS POST or OPTIONS, in both forms MS-ASHTTP
// defines: the plain form (section 2.2.1.1.1.2: Cmd=...&User=...&DeviceId=...
// &DeviceType=...) and the base64 form (2.2.1.1.1.1), whose binary fields also
// carry the protocol version and the policy key that the plain form sends as
// headers.
#ifndef EAS_REFERENCE_HTTP_QUERY_H_
#define EAS_REFERENCE_HTTP_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "reference/eas/commands.h"
#include "reference/eas/protocol_version.h"

namespace eas::http {

struct Query {
  bool base64 = false;
  std::string command_name;        // as sent ("" if none); base64: the code's name
  std::optional<Command> command;  // nullopt: not an EAS command we know
  std::string user;                // URL-decoded; may be "DOMAIN\user"
  // Plain form: as sent. Base64 form: the bytes if they are printable ASCII
  // (Nine sends "Nine2EC7EC0BB54D"), otherwise their upper-case hex (Windows
  // Mobile sends a 16-byte binary id), as Exchange shows them.
  std::string device_id;
  std::string device_type;
  std::optional<ProtocolVersion> version;  // base64 form only
  bool version_unknown = false;            // base64 form named one we do not speak
  std::optional<uint32_t> policy_key;      // base64 form only
  uint16_t locale = 0;                     // base64 form only
  // Command parameters (MS-ASHTTP 2.2.1.1.1.1.3).
  std::string attachment_name;
  std::string collection_id;
  std::string item_id;
  std::string long_id;
  std::string parent_id;
  std::string occurrence;
  bool save_in_sent = false;
  bool accept_multipart = false;
};

// Parses the part of the request target after '?'. Errors (InvalidArgument)
// name the byte offset in the decoded base64 form.
absl::StatusOr<Query> ParseQuery(absl::string_view query);

// Percent-decoding of a query component ('+' is kept: EAS clients encode
// spaces as %20).
std::string UrlDecode(absl::string_view text);

}  // namespace eas::http

#endif  // EAS_REFERENCE_HTTP_QUERY_H_
