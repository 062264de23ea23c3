// The WBXML samples every codec test, the fuzzer's seed corpus and the
// libwbxml cross-check share: the real traces in ../shared/real-traces (read
// in place, never copied), this package's testdata/, and one document per
// code page that holds every tag of the page.
#ifndef EAS_REFERENCE_WBXML_SAMPLE_DOCUMENTS_H_
#define EAS_REFERENCE_WBXML_SAMPLE_DOCUMENTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pugixml.hpp"
#include "reference/wbxml/code_pages.h"

namespace eas::wbxml {

struct Sample {
  std::string name;
  // Bytes as a phone or server sent them, or as we encoded an XML-only
  // sample.
  std::string wbxml;
  // True when `wbxml` came from real bytes (decode + encode must give them
  // back exactly); false when we encoded it from XML.
  bool recorded_bytes = false;
  // The XML meaning that came with the sample ("" if none).
  std::string xml;
};

// Exchange mailbox logs redact values as <Subject bytes="9"/> and bodies as
// <Body=552 bytes/>, which is not XML. This puts back placeholder text of the
// stated length ('x' repeated) so the log parses and encodes; the structure
// and every unredacted value stay as logged.
std::string UnredactMailboxLog(const std::string& log);

// One document per code page: its first tag as root, every tag of the page
// once inside it with text naming the token ("t0x12"). Page 0's root is Sync.
std::vector<Sample> AllTagDocuments();

// Every sample: real traces (when the @real_traces runfiles are present),
// testdata/*.xml and AllTagDocuments(). Fails if a sample does not encode.
absl::StatusOr<std::vector<Sample>> LoadSamples();

// The tag a decoded element stands for (docs/wbxml.md: its prefix, or none,
// resolved through the root's xmlns declarations); nullptr if none.
const Tag* DecodedTag(pugi::xml_node element);

// The element's own text (its PCDATA and CDATA children, joined).
std::string DirectText(pugi::xml_node element);

}  // namespace eas::wbxml

#endif  // EAS_REFERENCE_WBXML_SAMPLE_DOCUMENTS_H_
