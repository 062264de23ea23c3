// A pugixml DOM to EAS WBXML bytes, the way Exchange writes them: WBXML 1.3,
// unknown public identifier, UTF-8, empty string table, inline strings,
// SWITCH_PAGE only where the page changes, no content flag on empty elements.
#ifndef EAS_REFERENCE_WBXML_ENCODER_H_
#define EAS_REFERENCE_WBXML_ENCODER_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pugixml.hpp"
#include "reference/wbxml/code_pages.h"

namespace eas::wbxml {

struct EncodeOptions {
  // Hand-written XML without namespaces (libwbxml's test files, for one):
  // an element with no namespace is looked up on the current code page, then
  // on every page in order, as libwbxml does. Off for protocol traffic.
  bool resolve_unqualified = false;
  size_t max_depth = 64;
  const CodePages* code_pages = &CodePages::Default();
};

// Encodes the element `root` (or the document element if `root` is a
// document). Names resolve through xmlns declarations in scope; every page's
// namespace forms listed at CodePages::PageByNamespace are accepted, and so
// are the aliases in codepages.txt. Errors name the element's path.
absl::StatusOr<std::string> Encode(const pugi::xml_node& root,
                                   const EncodeOptions& options = {});

// As Encode, appending to `out` (which keeps its capacity across calls).
absl::Status EncodeTo(const pugi::xml_node& root, std::string& out,
                      const EncodeOptions& options = {});

}  // namespace eas::wbxml

#endif  // EAS_REFERENCE_WBXML_ENCODER_H_
