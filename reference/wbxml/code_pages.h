// The EAS WBXML code pages (MS-ASWBXML 2.1.2.1), loaded from codepages.txt.
//
// codepages.txt is the single source of tag names and tokens; this module
// parses the copy embedded at build time and answers lookups both ways.
#ifndef EAS_REFERENCE_WBXML_CODE_PAGES_H_
#define EAS_REFERENCE_WBXML_CODE_PAGES_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace eas::wbxml {

// Tag tokens live in 0x05..0x3F: 0x00..0x04 are global tokens, and the two
// high bits of a tag byte flag content and attributes (WBXML 1.3 5.8.2).
inline constexpr uint8_t kFirstTagToken = 0x05;
inline constexpr uint8_t kLastTagToken = 0x3F;

struct Tag {
  uint8_t page = 0;
  uint8_t token = 0;
  std::string name;            // the spec's element name, e.g. "Body"
  std::string qualified_name;  // "<page prefix>:<name>", e.g. "airsyncbase:Body"
  std::string since;           // first protocol version listing it ("" = all)
  std::string until;           // last protocol version listing it ("" = all)
  bool binary = false;         // content is a byte array, written as OPAQUE
  std::vector<std::string> aliases;
  std::string libwbxml_name;   // libwbxml 0.11.8's name where it differs
};

struct CodePage {
  uint8_t number = 0;
  std::string name;       // "AirSyncBase"
  std::string ns;         // "AirSyncBase:"
  std::string prefix;     // "airsyncbase"
  bool nonstandard = false;
  std::vector<std::unique_ptr<Tag>> tags;
  std::array<const Tag*, 64> by_token{};  // indexed by token; nullptr = unused
  absl::flat_hash_map<std::string, const Tag*> by_name;  // names and aliases

  const Tag* FindToken(uint8_t token) const {
    return token < by_token.size() ? by_token[token] : nullptr;
  }
  const Tag* FindName(absl::string_view name) const {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  }
};

class CodePages {
 public:
  // The table embedded from codepages.txt; parsed once, never fails in a
  // correct build (a broken table aborts at start-up with the line number).
  static const CodePages& Default();

  // Parses the text format documented at the top of codepages.txt.
  static absl::StatusOr<std::unique_ptr<CodePages>> Parse(absl::string_view text);

  const CodePage* Page(uint8_t number) const { return by_number_[number]; }

  // Finds a page by namespace. Besides the canonical "AirSyncBase:" this
  // accepts the forms peers write: without the colon (the XSD target
  // namespaces), "uri:AirSyncBase" (Tine 2.0 / Syncroton) and
  // "http://synce.org/formats/airsync_wm5/airsyncbase" (libwbxml, SynCE);
  // page names compare case-insensitively. nullptr if none matches.
  const CodePage* PageByNamespace(absl::string_view ns) const;

  const std::vector<std::unique_ptr<CodePage>>& pages() const { return pages_; }

 private:
  CodePages() = default;
  std::vector<std::unique_ptr<CodePage>> pages_;
  std::array<const CodePage*, 256> by_number_{};
  absl::flat_hash_map<std::string, const CodePage*> by_lower_name_;
};

}  // namespace eas::wbxml

#endif  // EAS_REFERENCE_WBXML_CODE_PAGES_H_
