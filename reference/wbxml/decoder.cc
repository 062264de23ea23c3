#include "reference/wbxml/decoder.h"

#include <algorithm>
#include <bitset>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/utf8.h"
#include "reference/wbxml/wbxml_format.h"

namespace eas::wbxml {
namespace {

class Decoder {
 public:
  Decoder(absl::string_view in, pugi::xml_document& doc, const DecodeOptions& options)
      : in_(in), doc_(doc), options_(options), pages_(*options.code_pages) {}

  absl::Status Run() {
    doc_.reset();
    if (in_.size() > options_.max_size) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "WBXML body of ", in_.size(), " bytes is larger than the limit of ",
          options_.max_size, " at byte offset ", options_.max_size));
    }
    if (auto s = ReadHeader(); !s.ok()) return s;
    return ReadBody();
  }

 private:
  absl::Status Error(size_t offset, absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("WBXML: ", what, " at byte offset ", offset));
  }

  absl::Status ReadMb(uint32_t* value, absl::string_view what) {
    size_t start = pos_;
    switch (ReadMultiByte(in_, &pos_, value)) {
      case MultiByteError::kNone:
        return absl::OkStatus();
      case MultiByteError::kTruncated:
        return Error(start, absl::StrCat("truncated ", what));
      case MultiByteError::kTooLong:
        break;
    }
    return Error(start, absl::StrCat(what, " is a multi-byte integer over 32 bits"));
  }

  absl::Status ReadHeader() {
    if (in_.empty()) return Error(0, "empty body, no WBXML header");
    uint8_t version = static_cast<uint8_t>(in_[pos_++]);
    if (version < 0x01 || version > kVersion13) {
      return Error(0, absl::StrFormat("unsupported WBXML version byte 0x%02X", version));
    }
    uint32_t public_id;
    if (auto s = ReadMb(&public_id, "public identifier"); !s.ok()) return s;
    if (public_id == 0) {  // the public id is a string-table index
      uint32_t index;
      if (auto s = ReadMb(&index, "public identifier index"); !s.ok()) return s;
    }
    size_t charset_at = pos_;
    uint32_t charset;
    if (auto s = ReadMb(&charset, "charset"); !s.ok()) return s;
    // EAS is UTF-8; US-ASCII is a subset, and "unknown" is read as UTF-8.
    if (charset != kCharsetUtf8 && charset != kCharsetUsAscii &&
        charset != kCharsetUnknown) {
      return Error(charset_at, absl::StrCat("unsupported charset MIBenum ", charset,
                                            " (EAS bodies are UTF-8)"));
    }
    size_t table_at = pos_;
    uint32_t table_length;
    if (auto s = ReadMb(&table_length, "string table length"); !s.ok()) return s;
    if (table_length > in_.size() - pos_) {
      return Error(table_at, "string table runs past the end of the body");
    }
    string_table_ = in_.substr(pos_, table_length);
    pos_ += table_length;
    return absl::OkStatus();
  }

  // Content of the innermost open element not yet written to the DOM. Text
  // pieces are collected so that STR_I + ENTITY + STR_T runs become one PCDATA
  // node; a single piece stays a view into the input (the common case).
  struct Pending {
    bool any = false;
    bool opaque = false;
    bool owned = false;
    absl::string_view view;
    std::string buffer;
  };

  void AddContent(absl::string_view piece, bool opaque) {
    if (!pending_.any) {
      pending_.any = true;
      pending_.opaque = opaque;
      pending_.owned = false;
      pending_.view = piece;
      return;
    }
    if (!pending_.owned) {
      pending_.buffer.assign(pending_.view.data(), pending_.view.size());
      pending_.owned = true;
    }
    pending_.buffer.append(piece.data(), piece.size());
    pending_.opaque = pending_.opaque || opaque;
  }

  absl::Status MixedOpaque(size_t offset) {
    return Error(offset, "opaque data mixed with other content in one element");
  }

  // Writes the pending content of the innermost open element; `offset` is
  // that of the token that ends the run.
  absl::Status FlushContent(size_t offset) {
    if (!pending_.any) return absl::OkStatus();
    absl::string_view content = pending_.owned ? absl::string_view(pending_.buffer) : pending_.view;
    Open& open = stack_.back();
    if (pending_.opaque) {
      if (open.other || open.opaque) return MixedOpaque(offset);
      open.opaque = true;
      open.node.append_attribute(kOpaqueAttribute).set_value(kOpaqueBase64);
      if (!content.empty()) {
        open.node.append_child(pugi::node_pcdata)
            .set_value(absl::Base64Escape(content).c_str());
      }
    } else if (!content.empty()) {
      if (open.opaque) return MixedOpaque(offset);
      open.other = true;
      open.node.append_child(pugi::node_pcdata).set_value(content.data(), content.size());
    }
    pending_.any = pending_.opaque = pending_.owned = false;  // keeps the buffer
    return absl::OkStatus();
  }

  absl::Status CheckUtf8(absl::string_view text, size_t offset) {
    size_t bad = FindInvalidUtf8(text);
    if (bad != text.size()) return Error(offset + bad, "invalid UTF-8 in string");
    return absl::OkStatus();
  }

  absl::Status StartElement(uint8_t byte, size_t offset) {
    if (byte & kTagHasAttributes) {
      return Error(offset, "tag with attributes (EAS uses none)");
    }
    const CodePage* page = page_ptr_;
    if (page == nullptr) return Error(offset, absl::StrCat("unknown code page ", page_));
    const Tag* tag = page->FindToken(byte & kTagIdentityMask);
    if (tag == nullptr) {
      return Error(offset, absl::StrFormat("unknown tag token 0x%02X on code page %d (%s)",
                                           byte & kTagIdentityMask, page_, page->name));
    }
    if (root_done_) return Error(offset, "second root element");
    if (stack_.size() >= options_.max_depth) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "WBXML: elements nest deeper than the limit of ", options_.max_depth,
          " at byte offset ", offset));
    }
    pugi::xml_node element;
    if (stack_.empty()) {
      root_page_ = page_;
      element = doc_.append_child(tag->name.c_str());
    } else {
      if (auto s = FlushContent(offset); !s.ok()) return s;
      Open& parent = stack_.back();
      if (parent.opaque) return MixedOpaque(offset);
      parent.other = true;
      const bool own_page = page_ == root_page_;
      element = parent.node.append_child(own_page ? tag->name.c_str()
                                                  : tag->qualified_name.c_str());
      pages_used_.set(page_);
    }
    if (byte & kTagHasContent) {
      stack_.push_back({element});
    } else if (stack_.empty()) {
      root_done_ = true;
    }
    return absl::OkStatus();
  }

  absl::Status ReadBody() {
    const size_t n = in_.size();
    while (pos_ < n) {
      const size_t offset = pos_;
      const uint8_t byte = static_cast<uint8_t>(in_[pos_++]);
      switch (byte) {
        case kSwitchPage: {
          if (pos_ >= n) return Error(offset, "truncated SWITCH_PAGE");
          uint8_t page = static_cast<uint8_t>(in_[pos_++]);
          if (pages_.Page(page) == nullptr) {
            return Error(offset + 1, absl::StrCat("unknown code page ", page));
          }
          page_ = page;
          page_ptr_ = pages_.Page(page);
          break;
        }
        case kEnd:
          if (stack_.empty()) return Error(offset, "END without an open element");
          if (auto s = FlushContent(offset); !s.ok()) return s;
          stack_.pop_back();
          if (stack_.empty()) root_done_ = true;
          break;
        case kStrI: {
          if (stack_.empty()) return Error(offset, "string outside the root element");
          const void* nul = std::memchr(in_.data() + pos_, 0, n - pos_);
          if (nul == nullptr) return Error(offset, "unterminated inline string");
          size_t end = static_cast<const char*>(nul) - in_.data();
          absl::string_view text = in_.substr(pos_, end - pos_);
          if (auto s = CheckUtf8(text, pos_); !s.ok()) return s;
          pos_ = end + 1;
          // The common shape, <Tag>text</Tag>: straight into the DOM.
          if (!pending_.any && pos_ < n && in_[pos_] == static_cast<char>(kEnd)) {
            Open& open = stack_.back();
            if (!text.empty()) {
              if (open.opaque) return MixedOpaque(offset);
              open.other = true;
              open.node.append_child(pugi::node_pcdata).set_value(text.data(), text.size());
            }
            break;
          }
          AddContent(text, false);
          break;
        }
        case kStrT: {
          if (stack_.empty()) return Error(offset, "string outside the root element");
          uint32_t index;
          if (auto s = ReadMb(&index, "string table reference"); !s.ok()) return s;
          if (index >= string_table_.size()) {
            return Error(offset, absl::StrCat("string table reference ", index,
                                              " outside the table of ",
                                              string_table_.size(), " bytes"));
          }
          absl::string_view rest = string_table_.substr(index);
          size_t nul = rest.find('\0');
          if (nul == absl::string_view::npos) {
            return Error(offset, "string table entry is not terminated");
          }
          absl::string_view text = rest.substr(0, nul);
          expanded_ += text.size();
          if (expanded_ > std::max<size_t>(options_.max_expansion * in_.size(), size_t{1} << 20)) {
            return absl::ResourceExhaustedError(absl::StrCat(
                "string table references at byte ", offset, " expand past ", options_.max_expansion,
                " times the body's size"));
          }
          if (auto s = CheckUtf8(text, offset); !s.ok()) return s;
          AddContent(text, false);
          break;
        }
        case kEntity: {
          if (stack_.empty()) return Error(offset, "entity outside the root element");
          uint32_t code_point;
          if (auto s = ReadMb(&code_point, "entity"); !s.ok()) return s;
          std::string utf8;
          if (!AppendUtf8(code_point, utf8) || code_point == 0) {
            return Error(offset, absl::StrCat("entity ", code_point,
                                              " is not a Unicode character"));
          }
          // Entities are rare; own the text so the view stays valid.
          if (!pending_.any) {
            pending_.any = true;
            pending_.owned = true;
          } else if (!pending_.owned) {
            pending_.buffer.assign(pending_.view.data(), pending_.view.size());
            pending_.owned = true;
          }
          pending_.buffer += utf8;
          break;
        }
        case kOpaque: {
          if (stack_.empty()) return Error(offset, "opaque data outside the root element");
          uint32_t length;
          if (auto s = ReadMb(&length, "opaque length"); !s.ok()) return s;
          if (length > n - pos_) {
            return Error(offset, absl::StrCat("opaque data of ", length,
                                              " bytes runs past the end of the body"));
          }
          AddContent(in_.substr(pos_, length), true);
          pos_ += length;
          break;
        }
        case kLiteral:
        case kLiteralA:
        case kLiteralC:
        case kLiteralAc:
          return Error(offset, "literal tag names are not used in EAS");
        case kExtI0:
        case kExtI1:
        case kExtI2:
        case kExtT0:
        case kExtT1:
        case kExtT2:
        case kExt0:
        case kExt1:
        case kExt2:
          return Error(offset, "extension tokens are not used in EAS");
        case kPi:
          return Error(offset, "processing instructions are not used in EAS");
        default:
          if (auto s = StartElement(byte, offset); !s.ok()) return s;
          break;
      }
      if (root_done_ && pos_ < n) {
        return Error(pos_, "data after the end of the root element");
      }
    }
    if (!stack_.empty()) {
      return Error(n, absl::StrCat("truncated body: ", stack_.size(),
                                   " element(s) still open"));
    }
    if (!root_done_) return Error(n, "no root element");
    DeclareNamespaces();
    return absl::OkStatus();
  }

  void DeclareNamespaces() {
    pugi::xml_node root = doc_.document_element();
    root.append_attribute("xmlns").set_value(pages_.Page(root_page_)->ns.c_str());
    for (size_t p = 0; p < pages_used_.size(); ++p) {
      if (!pages_used_.test(p) || p == root_page_) continue;
      const CodePage* page = pages_.Page(static_cast<uint8_t>(p));
      root.append_attribute(("xmlns:" + page->prefix).c_str()).set_value(page->ns.c_str());
    }
  }

  absl::string_view in_;
  pugi::xml_document& doc_;
  const DecodeOptions& options_;
  const CodePages& pages_;
  size_t pos_ = 0;
  absl::string_view string_table_;
  size_t expanded_ = 0;  // text taken from the string table so far
  uint8_t page_ = 0;
  const CodePage* page_ptr_ = pages_.Page(0);
  uint8_t root_page_ = 0;
  bool root_done_ = false;
  // Open elements. `opaque` and `other` record what content an element got,
  // because opaque bytes can only be the whole content of an element (the DOM
  // marks the element, not a run): mixing them with text or children is
  // refused rather than decoded into something that would encode otherwise.
  struct Open {
    pugi::xml_node node;
    bool opaque = false;
    bool other = false;
  };
  std::vector<Open> stack_;
  Pending pending_;
  std::bitset<256> pages_used_;
};

}  // namespace

absl::Status Decode(absl::string_view wbxml, pugi::xml_document& doc,
                    const DecodeOptions& options) {
  Decoder decoder(wbxml, doc, options);
  absl::Status status = decoder.Run();
  if (!status.ok()) doc.reset();
  return status;
}

}  // namespace eas::wbxml
