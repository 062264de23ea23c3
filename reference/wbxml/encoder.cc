#include "reference/wbxml/encoder.h"

#include <algorithm>
#include <cstring>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/wbxml_format.h"

namespace eas::wbxml {
namespace {

constexpr int kNoPage = -1;

class Encoder {
 public:
  Encoder(std::string& out, const EncodeOptions& options)
      : out_(out), options_(options), pages_(*options.code_pages) {}

  absl::Status Run(pugi::xml_node root) {
    if (root.type() == pugi::node_document) {
      pugi::xml_node element = root.first_child();
      while (element && element.type() != pugi::node_element) element = element.next_sibling();
      root = element;
    }
    if (root.type() != pugi::node_element) {
      return absl::InvalidArgumentError("nothing to encode: no root element");
    }
    Put(kExchangeHeader, sizeof(kExchangeHeader));
    return Element(root, 0);
  }

 private:
  struct Binding {
    absl::string_view prefix;  // empty: the default namespace
    int page;
  };

  absl::Status Fail(pugi::xml_node element, absl::string_view what) {
    std::string path;
    for (pugi::xml_node n = element; n && n.type() == pugi::node_element; n = n.parent()) {
      path = path.empty() ? n.name() : absl::StrCat(n.name(), "/", path);
    }
    return absl::InvalidArgumentError(absl::StrCat("encode ", path, ": ", what));
  }

  int Lookup(absl::string_view prefix) const {
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it) {
      if (it->prefix == prefix) return it->page;
    }
    return kNoPage;
  }

  // Reads xmlns declarations and the opaque marker; refuses other attributes.
  absl::Status Attributes(pugi::xml_node element, bool* opaque) {
    *opaque = false;
    for (pugi::xml_attribute a : element.attributes()) {
      absl::string_view name = a.name();
      if (name == "xmlns" || (name.size() > 6 && name.substr(0, 6) == "xmlns:")) {
        absl::string_view value = a.value();
        const CodePage* page = value.empty() ? nullptr : pages_.PageByNamespace(value);
        if (page == nullptr && !value.empty()) {
          return Fail(element, absl::StrCat("namespace '", value,
                                            "' is not an EAS code page"));
        }
        bindings_.push_back({name.size() > 5 ? name.substr(6) : absl::string_view(),
                             page ? page->number : kNoPage});
      } else if (name == kOpaqueAttribute) {
        if (absl::string_view(a.value()) != kOpaqueBase64) {
          return Fail(element, "opaque attribute must be \"base64\"");
        }
        *opaque = true;
      } else {
        return Fail(element, absl::StrCat("attribute '", name, "' (EAS elements have none)"));
      }
    }
    return absl::OkStatus();
  }

  const Tag* Resolve(pugi::xml_node element, absl::Status* status) {
    absl::string_view name = element.name();
    absl::string_view prefix;
    if (const char* colon = std::strchr(element.name(), ':')) {
      prefix = name.substr(0, colon - element.name());
      name = name.substr(prefix.size() + 1);
    }
    int page = Lookup(prefix);
    if (page == kNoPage && !prefix.empty()) {
      *status = Fail(element, absl::StrCat("prefix '", prefix, "' is not declared"));
      return nullptr;
    }
    if (page != kNoPage) {
      if (const Tag* tag = pages_.Page(page)->FindName(name)) return tag;
      *status = Fail(element, absl::StrCat("no tag ", name, " on code page ",
                                           pages_.Page(page)->name));
      return nullptr;
    }
    if (options_.resolve_unqualified) {
      if (const Tag* tag = pages_.Page(page_)->FindName(name)) return tag;
      for (const auto& p : pages_.pages()) {
        if (const Tag* tag = p->FindName(name)) return tag;
      }
      *status = Fail(element, absl::StrCat("no code page has a tag ", name));
      return nullptr;
    }
    *status = Fail(element, "element has no namespace");
    return nullptr;
  }

  // Output goes through a cursor into `out_`, grown geometrically; EncodeTo
  // trims it at the end. (std::string::push_back per byte was a tenth of
  // the encoder's time.)
  char* Reserve(size_t n) {
    if (len_ + n > out_.size()) out_.resize(std::max(out_.size() * 2, len_ + n + 256));
    return out_.data() + len_;
  }
  void Put(char c) {
    *Reserve(1) = c;
    ++len_;
  }
  void Put(const char* data, size_t n) {
    std::memcpy(Reserve(n), data, n);
    len_ += n;
  }

  static bool HasContent(pugi::xml_node element, bool opaque) {
    if (opaque) return true;
    for (pugi::xml_node child = element.first_child(); child; child = child.next_sibling()) {
      const pugi::xml_node_type type = child.type();
      if (type == pugi::node_element) return true;
      if ((type == pugi::node_pcdata || type == pugi::node_cdata) && *child.value() != '\0') {
        return true;
      }
    }
    return false;
  }

  absl::Status Element(pugi::xml_node element, size_t depth) {
    if (depth >= options_.max_depth) {
      return Fail(element, absl::StrCat("nests deeper than the limit of ", options_.max_depth));
    }
    const size_t bindings_mark = bindings_.size();
    bool opaque = false;
    if (element.first_attribute()) {
      if (auto s = Attributes(element, &opaque); !s.ok()) return s;
    }
    absl::Status status;
    const Tag* tag = Resolve(element, &status);
    if (tag == nullptr) return status;
    if (tag->page != page_) {
      const char switch_page[2] = {static_cast<char>(kSwitchPage), static_cast<char>(tag->page)};
      Put(switch_page, 2);
      page_ = tag->page;
    }
    const bool content = HasContent(element, opaque);
    Put(static_cast<char>(tag->token | (content ? kTagHasContent : 0)));
    if (content) {
      if (opaque) {
        auto bytes = ContentBytes(element);
        if (!bytes.ok()) return Fail(element, bytes.status().message());
        Put(static_cast<char>(kOpaque));
        std::string length;
        AppendMultiByte(static_cast<uint32_t>(bytes->size()), length);
        Put(length.data(), length.size());
        Put(bytes->data(), bytes->size());
      } else {
        for (pugi::xml_node child = element.first_child(); child; child = child.next_sibling()) {
          switch (child.type()) {
            case pugi::node_element:
              if (auto s = Element(child, depth + 1); !s.ok()) return s;
              break;
            case pugi::node_pcdata:
            case pugi::node_cdata: {
              const char* text = child.value();
              if (*text == '\0') break;
              Put(static_cast<char>(kStrI));
              Put(text, std::strlen(text) + 1);  // with its NUL
              break;
            }
            default:
              break;  // comments, processing instructions
          }
        }
      }
      Put(static_cast<char>(kEnd));
    }
    bindings_.resize(bindings_mark);
    return absl::OkStatus();
  }

  std::string& out_;
  const EncodeOptions& options_;
  const CodePages& pages_;
  std::vector<Binding> bindings_;
  uint8_t page_ = 0;
  size_t len_ = 0;

 public:
  // Ends the output at what was written.
  void Finish() { out_.resize(len_); }
  void StartAt(size_t offset) { len_ = offset; }
};

}  // namespace

absl::Status EncodeTo(const pugi::xml_node& root, std::string& out,
                      const EncodeOptions& options) {
  const size_t start = out.size();
  Encoder encoder(out, options);
  encoder.StartAt(start);
  absl::Status status = encoder.Run(root);
  if (status.ok()) {
    encoder.Finish();
  } else {
    out.resize(start);
  }
  return status;
}

absl::StatusOr<std::string> Encode(const pugi::xml_node& root,
                                   const EncodeOptions& options) {
  std::string out;
  if (auto s = EncodeTo(root, out, options); !s.ok()) return s;
  return out;
}

}  // namespace eas::wbxml
