// WBXML bytes straight into a pugixml document (no intermediate XML text).
#ifndef EAS_REFERENCE_WBXML_DECODER_H_
#define EAS_REFERENCE_WBXML_DECODER_H_

#include <cstddef>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "pugixml.hpp"
#include "reference/wbxml/code_pages.h"

namespace eas::wbxml {

struct DecodeOptions {
  // Deepest element nesting accepted; EAS bodies nest about 12 deep.
  size_t max_depth = 64;
  // Largest body accepted, in bytes. The HTTP front applies its own limit
  // first; this guards every other caller.
  size_t max_size = 64 << 20;
  // String table references expand: a 3-byte STR_T can stand for a long
  // entry, again and again. Their text may add up to this many times the
  // body's size (or 1 MiB for small bodies) and no more: a 1 MB body cannot
  // become 20 GB of text (issue 15).
  size_t max_expansion = 16;
  const CodePages* code_pages = &CodePages::Default();
};

// Decodes a whole EAS WBXML body into `doc` (cleared first). On error the
// status is InvalidArgument (malformed input) or ResourceExhausted (a limit),
// its message names the byte offset, and `doc` holds nothing useful.
// Never reads outside `wbxml`.
absl::Status Decode(absl::string_view wbxml, pugi::xml_document& doc,
                    const DecodeOptions& options = {});

}  // namespace eas::wbxml

#endif  // EAS_REFERENCE_WBXML_DECODER_H_
