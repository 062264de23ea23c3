// HTML bodies as plain text, for clients that asked for text only (Body Type
// 1, every 2.5 client) and for quoting an HTML original in a text reply.
#ifndef EAS_REFERENCE_MAIL_HTML_TEXT_H_
#define EAS_REFERENCE_MAIL_HTML_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace eas::mail {

// Tags dropped (with the content of <style>, <script> and <head>), <br> and
// block ends as CRLF, the common entities and numeric references decoded.
std::string HtmlToText(absl::string_view html);

}  // namespace eas::mail

#endif  // EAS_REFERENCE_MAIL_HTML_TEXT_H_
