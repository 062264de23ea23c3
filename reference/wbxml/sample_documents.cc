#include "reference/wbxml/sample_documents.h"

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "reference/testing/runfiles.h"
#include "reference/wbxml/code_pages.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/encoder.h"

namespace eas::wbxml {
namespace {

absl::StatusOr<std::string> EncodeText(const std::string& xml, bool lenient) {
  pugi::xml_document doc;
  if (auto s = ParseXmlText(xml, doc); !s.ok()) return s;
  EncodeOptions options;
  options.resolve_unqualified = lenient;
  return Encode(doc, options);
}

absl::Status Named(const std::string& name, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(name, ": ", status.message()));
}

}  // namespace

std::string UnredactMailboxLog(const std::string& log) {
  std::string xml = log;
  static const std::regex kRedactedValue(R"re(<(\w+)((?: xmlns="[^"]*")?) bytes="(\d+)"/>)re");
  static const std::regex kRedactedBody(R"re(<Body=(\d+) bytes/>)re");
  auto replace = [](const std::string& in, const std::regex& re, auto make) {
    std::string result;
    auto begin = std::sregex_iterator(in.begin(), in.end(), re);
    size_t last = 0;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
      result.append(in, last, it->position() - last);
      result += make(*it);
      last = it->position() + it->length();
    }
    result.append(in, last, std::string::npos);
    return result;
  };
  xml = replace(xml, kRedactedValue, [](const std::smatch& m) {
    return absl::StrCat("<", m[1].str(), m[2].str(), ">",
                        std::string(std::stoul(m[3].str()), 'x'), "</", m[1].str(), ">");
  });
  xml = replace(xml, kRedactedBody, [](const std::smatch& m) {
    return absl::StrCat("<Body xmlns=\"AirSyncBase:\"><Data>",
                        std::string(std::stoul(m[1].str()), 'x'), "</Data></Body>");
  });
  return xml;
}

std::vector<Sample> AllTagDocuments() {
  std::vector<Sample> samples;
  for (const auto& page : CodePages::Default().pages()) {
    std::string xml;
    const Tag* root = page->number == 0 ? page->FindName("Sync") : page->tags.front().get();
    xml = absl::StrCat("<", root->name, " xmlns=\"", page->ns, "\">");
    for (const auto& tag : page->tags) {
      absl::StrAppendFormat(&xml, "<%s>t0x%02X</%s>", tag->name, tag->token, tag->name);
    }
    absl::StrAppend(&xml, "</", root->name, ">");
    auto bytes = EncodeText(xml, false);
    samples.push_back({absl::StrCat("all_tags_page_", page->number), bytes.ok() ? *bytes : "",
                       false, xml});
  }
  return samples;
}

const Tag* DecodedTag(pugi::xml_node element) {
  pugi::xml_node root = element;
  while (root.parent().type() == pugi::node_element) root = root.parent();
  std::string name = element.name();
  std::string ns_attr = "xmlns";
  if (const size_t colon = name.find(':'); colon != std::string::npos) {
    ns_attr += ":" + name.substr(0, colon);
    name = name.substr(colon + 1);
  }
  const CodePage* page = CodePages::Default().PageByNamespace(root.attribute(ns_attr.c_str()).value());
  return page ? page->FindName(name) : nullptr;
}

std::string DirectText(pugi::xml_node element) {
  std::string text;
  for (pugi::xml_node child : element.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) text += child.value();
  }
  return text;
}

absl::StatusOr<std::vector<Sample>> LoadSamples() {
  std::vector<Sample> samples;
  for (const std::string& name : testing::ListRunfiles("real_traces")) {
    const std::string path = testing::Runfile("real_traces/" + name);
    if (absl::EndsWith(name, ".wbxml")) {
      std::string meaning = name.substr(0, name.size() - 6) + ".xml";
      std::string meaning_path = testing::Runfile("real_traces/" + meaning);
      samples.push_back({name, testing::ReadFileOrDie(path), true,
                         meaning_path.empty() ? "" : testing::ReadFileOrDie(meaning_path)});
    } else if (absl::EndsWith(name, ".xml") &&
               testing::Runfile("real_traces/" + name.substr(0, name.size() - 4) + ".wbxml")
                   .empty()) {
      std::string xml = testing::ReadFileOrDie(path);
      // libwbxml's airsync-001 has no namespaces at all: resolve as libwbxml does.
      bool lenient = xml.find("xmlns") == std::string::npos;
      auto bytes = EncodeText(xml, lenient);
      if (!bytes.ok()) return Named(name, bytes.status());
      samples.push_back({name, *bytes, false, xml});
    } else if (absl::StrContains(name, "mailboxlog") && absl::EndsWith(name, ".txt")) {
      std::string xml = UnredactMailboxLog(testing::ReadFileOrDie(path));
      auto bytes = EncodeText(xml, false);
      if (!bytes.ok()) return Named(name, bytes.status());
      samples.push_back({name, *bytes, false, xml});
    }
  }
  for (const std::string& name : testing::ListRunfiles("reference/wbxml/testdata")) {
    if (!absl::EndsWith(name, ".xml")) continue;
    std::string xml = testing::ReadFileOrDie(testing::Runfile("reference/wbxml/testdata/" + name));
    auto bytes = EncodeText(xml, false);
    if (!bytes.ok()) return Named(name, bytes.status());
    samples.push_back({name, *bytes, false, xml});
  }
  for (Sample& s : AllTagDocuments()) {
    if (s.wbxml.empty()) return absl::InternalError(absl::StrCat(s.name, " did not encode"));
    samples.push_back(std::move(s));
  }
  return samples;
}

}  // namespace eas::wbxml
