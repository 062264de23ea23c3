#include "reference/http/autodiscover.h"

#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pugixml.hpp"

namespace eas::http {
namespace {

std::string Print(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return out.str();
}

pugi::xml_node Start(pugi::xml_document& doc) {
  pugi::xml_node decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "utf-8";
  pugi::xml_node root = doc.append_child("Autodiscover");
  root.append_attribute("xmlns") = kAutodiscoverResponseSchema;
  return root;
}

// An error of the Autodiscover framework (the responseschema Response).
std::string FrameworkError(int code, const char* message, absl::Time now) {
  pugi::xml_document doc;
  pugi::xml_node error = Start(doc).append_child("Response").append_child("Error");
  error.append_attribute("Time") = absl::FormatTime("%H:%M:%E3S", now, absl::UTCTimeZone()).c_str();
  error.append_attribute("Id") = "2477272013";
  error.append_child("ErrorCode").text().set(code);
  error.append_child("Message").text().set(message);
  error.append_child("DebugData");
  return Print(doc);
}

pugi::xml_node MobileSyncResponse(pugi::xml_document& doc, const backend::Account& account) {
  pugi::xml_node response = Start(doc).append_child("Response");
  response.append_attribute("xmlns") = kMobileSyncResponseSchema;
  response.append_child("Culture").text().set("en:us");
  pugi::xml_node user = response.append_child("User");
  user.append_child("DisplayName").text().set(account.display_name.c_str());
  user.append_child("EMailAddress").text().set(account.email.c_str());
  return response;
}

}  // namespace

std::string AutodiscoverAnswer(absl::string_view request_body, const backend::Account& account,
                               const std::string& eas_url, absl::Time now) {
  pugi::xml_document request;
  const std::string body(request_body);
  if (!request.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8)) {
    return FrameworkError(kAutodiscoverInvalidRequest, "Invalid Request", now);
  }
  pugi::xml_node root = request.child("Autodiscover");
  pugi::xml_node r = root.child("Request");
  // Exactly one Request (MS-ASCMD 2.2.3.150.1) with its address.
  if (!r || r.next_sibling("Request") || !r.child("EMailAddress")) {
    return FrameworkError(kAutodiscoverInvalidRequest, "Invalid Request", now);
  }
  if (std::string(absl::StripAsciiWhitespace(r.child("AcceptableResponseSchema").text().get())) !=
      kMobileSyncResponseSchema) {
    return FrameworkError(kAutodiscoverNoProvider, "The requested schema version is not supported", now);
  }
  const std::string asked(absl::StripAsciiWhitespace(r.child("EMailAddress").text().get()));
  pugi::xml_document doc;
  pugi::xml_node response = MobileSyncResponse(doc, account);
  pugi::xml_node action = response.append_child("Action");
  if (!absl::EqualsIgnoreCase(asked, account.email)) {
    // Settings go to their own account only.
    pugi::xml_node error = action.append_child("Error");
    error.append_child("Status").text().set(kAutodiscoverProtocolError);
    error.append_child("Message").text().set("The e-mail address is not the signed-in account's");
    error.append_child("DebugData").text().set("MailUser");
    return Print(doc);
  }
  pugi::xml_node server = action.append_child("Settings").append_child("Server");
  server.append_child("Type").text().set("MobileSync");
  server.append_child("Url").text().set(eas_url.c_str());
  server.append_child("Name").text().set(eas_url.c_str());
  return Print(doc);
}

}  // namespace eas::http
