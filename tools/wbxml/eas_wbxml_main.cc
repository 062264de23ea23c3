// eas-wbxml: read and write EAS WBXML by hand (docs/wbxml.md).
//
//   eas-wbxml decode [--hex] [FILE|-]               WBXML -> XML on stdout
//   eas-wbxml encode [--hex] [--lenient] [FILE|-]   XML -> WBXML on stdout
//
// --hex: for decode, the input is hex text (spaces, newlines and an optional
// 0x are ignored, so `xxd -p` output works); for encode, print hex instead of
// binary. --lenient: resolve elements without a namespace by searching the
// code pages (for hand-written XML). Exit status 1 on bad input, with the
// byte offset or element path on stderr.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "pugixml.hpp"
#include "reference/wbxml/decoder.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/encoder.h"

namespace {

constexpr char kUsage[] =
    "usage: eas-wbxml decode [--hex] [FILE|-]\n"
    "       eas-wbxml encode [--hex] [--lenient] [FILE|-]\n";

bool ReadInput(const std::string& path, std::string* data) {
  if (path.empty() || path == "-") {
    data->assign(std::istreambuf_iterator<char>(std::cin), {});
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  data->assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

bool HexToBytes(absl::string_view text, std::string* bytes) {
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) continue;
    if (c == '0' && i + 1 < text.size() && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
      ++i;
      continue;
    }
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
    digits.push_back(c);
  }
  if (digits.size() % 2 != 0) return false;
  *bytes = absl::HexStringToBytes(digits);
  return true;
}

int Fail(absl::string_view message) {
  std::cerr << "eas-wbxml: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || (args[0] != "decode" && args[0] != "encode")) {
    std::cerr << kUsage;
    return 2;
  }
  const bool decode = args[0] == "decode";
  bool hex = false;
  bool lenient = false;
  std::string path;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--hex") {
      hex = true;
    } else if (args[i] == "--lenient" && !decode) {
      lenient = true;
    } else if (path.empty() && (args[i] == "-" || args[i][0] != '-')) {
      path = args[i];
    } else {
      std::cerr << kUsage;
      return 2;
    }
  }
  std::string input;
  if (!ReadInput(path, &input)) return Fail(absl::StrCat("cannot read ", path));

  if (decode) {
    if (hex && !HexToBytes(input, &input)) return Fail("input is not hex");
    pugi::xml_document doc;
    if (auto s = eas::wbxml::Decode(input, doc); !s.ok()) return Fail(s.message());
    std::cout << eas::wbxml::ToXmlText(doc);
    return 0;
  }
  pugi::xml_document doc;
  if (auto s = eas::wbxml::ParseXmlText(input, doc); !s.ok()) return Fail(s.message());
  eas::wbxml::EncodeOptions options;
  options.resolve_unqualified = lenient;
  auto bytes = eas::wbxml::Encode(doc, options);
  if (!bytes.ok()) return Fail(bytes.status().message());
  if (hex) {
    std::cout << absl::BytesToHexString(*bytes) << "\n";
  } else {
    std::cout.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
  }
  return 0;
}
