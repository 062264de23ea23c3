// Fuzz target for the WBXML decoder (libFuzzer entry point).
//
// Beyond "never crash, never read out of bounds" (the sanitizers' part), it
// checks the codec's contract on every input the decoder accepts: the DOM it
// built encodes, the encoding decodes again, and encoding is then a fixed
// point. A violation aborts, which libFuzzer reports with the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "pugixml.hpp"
#include "reference/wbxml/decoder.h"
#include "reference/wbxml/encoder.h"

namespace {

void Violation(const char* what) {
  std::fprintf(stderr, "codec contract violated: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input(reinterpret_cast<const char*>(data), size);
  pugi::xml_document doc;
  eas::wbxml::DecodeOptions options;
  options.max_size = 1 << 20;
  if (!eas::wbxml::Decode(input, doc, options).ok()) return 0;
  auto first = eas::wbxml::Encode(doc);
  if (!first.ok()) Violation("a decoded document does not encode");
  pugi::xml_document again;
  if (!eas::wbxml::Decode(*first, again).ok()) Violation("our own encoding does not decode");
  auto second = eas::wbxml::Encode(again);
  if (!second.ok() || *second != *first) Violation("encode(decode(encode(x))) != encode(x)");
  return 0;
}
