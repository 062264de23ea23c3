#include "reference/mail/html_text.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace eas::mail {
namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x110000) {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the entity at html[i] == '&'; returns the characters consumed
// (0 when it is no entity we know: the '&' stays as it is).
size_t Entity(absl::string_view html, size_t i, std::string& out) {
  // Only the next few characters: a search to the end for every '&' of a
  // text without ';' would make the whole conversion quadratic.
  const size_t near = html.substr(i, 12).find(';');
  if (near == absl::string_view::npos || near > 10) return 0;
  const size_t semi = i + near;
  const absl::string_view name = html.substr(i + 1, semi - i - 1);
  static const struct {
    const char* name;
    const char* text;
  } kNamed[] = {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}, {"nbsp", " "}};
  for (const auto& e : kNamed) {
    if (name == e.name) {
      out += e.text;
      return semi - i + 1;
    }
  }
  uint32_t cp = 0;
  if (name.size() > 1 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    if ((hex ? absl::SimpleHexAtoi(name.substr(2), &cp) : absl::SimpleAtoi(name.substr(1), &cp)) && cp > 0) {
      AppendUtf8(out, cp);
      return semi - i + 1;
    }
  }
  return 0;
}

// Where the closing tag `</name` (any case) starts at or after `from`; npos
// if there is none. No copy of the rest of the document (issue 15: copying
// and lower-casing it for every <style> made an 800 KB mail take 23 s).
size_t FindClosing(absl::string_view html, size_t from, absl::string_view name) {
  for (size_t at = html.find("</", from); at != absl::string_view::npos; at = html.find("</", at + 2)) {
    if (html.size() - at - 2 >= name.size() && absl::EqualsIgnoreCase(html.substr(at + 2, name.size()), name)) {
      return at;
    }
  }
  return absl::string_view::npos;
}

}  // namespace

std::string HtmlToText(absl::string_view html) {
  std::string out;
  size_t i = 0;
  while (i < html.size()) {
    const char c = html[i];
    if (c == '<') {
      const size_t end = html.find('>', i);
      if (end == absl::string_view::npos) break;
      std::string tag = absl::AsciiStrToLower(html.substr(i + 1, end - i - 1));
      const std::string name = tag.substr(0, tag.find_first_of(" \t\r\n/", tag[0] == '/' ? 1 : 0));
      i = end + 1;
      if (name == "style" || name == "script" || name == "head") {
        const size_t close = FindClosing(html, i, name);
        i = close == absl::string_view::npos ? html.size() : close;
        continue;
      }
      if (name == "br" || name == "/p" || name == "/div" || name == "/tr" || name == "/li" || name == "/h1" ||
          name == "/h2" || name == "/h3") {
        out += "\r\n";
      }
      continue;
    }
    if (c == '&') {
      if (size_t used = Entity(html, i, out)) {
        i += used;
        continue;
      }
    }
    // Line ends in HTML source are spaces.
    if (c == '\r' || c == '\n') {
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
      ++i;
      continue;
    }
    out += c;
    ++i;
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

}  // namespace eas::mail
