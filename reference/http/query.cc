#include "reference/http/query.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace eas::http {
namespace {

// Base64 query parameter tags (MS-ASHTTP 2.2.1.1.1.1.3).
enum ParameterTag : uint8_t {
  kAttachmentName = 0,
  kCollectionId = 1,
  kCollectionName = 2,
  kItemId = 3,
  kLongId = 4,
  kParentId = 5,
  kOccurrence = 6,
  kOptions = 7,
  kUser = 8,
};
constexpr uint8_t kOptionSaveInSent = 0x01;
constexpr uint8_t kOptionAcceptMultiPart = 0x02;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(static_cast<unsigned char>(c));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsTrue(absl::string_view value) {
  return value == "T" || value == "t" || value == "1" || absl::EqualsIgnoreCase(value, "true");
}

std::string PrintableOrHex(absl::string_view bytes) {
  for (char c : bytes) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return absl::AsciiStrToUpper(absl::BytesToHexString(bytes));
    }
  }
  return std::string(bytes);
}

absl::StatusOr<Query> ParsePlain(absl::string_view query) {
  Query q;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(pair, absl::MaxSplits('=', 1));
    const std::string key = absl::AsciiStrToLower(UrlDecode(kv.first));
    std::string value = UrlDecode(kv.second);
    if (key == "cmd") {
      q.command_name = value;
      q.command = CommandFromName(value);
    } else if (key == "user") {
      q.user = std::move(value);
    } else if (key == "deviceid") {
      q.device_id = std::move(value);
    } else if (key == "devicetype") {
      q.device_type = std::move(value);
    } else if (key == "collectionid") {
      q.collection_id = std::move(value);
    } else if (key == "itemid") {
      q.item_id = std::move(value);
    } else if (key == "longid") {
      q.long_id = std::move(value);
    } else if (key == "parentid") {
      q.parent_id = std::move(value);
    } else if (key == "occurrence") {
      q.occurrence = std::move(value);
    } else if (key == "attachmentname") {
      q.attachment_name = std::move(value);
    } else if (key == "saveinsent") {
      q.save_in_sent = IsTrue(value);
    } else if (key == "acceptmultipart") {
      q.accept_multipart = IsTrue(value);
    }
    // Other parameters are ignored, as Exchange does.
  }
  return q;
}

class Base64Reader {
 public:
  explicit Base64Reader(absl::string_view bytes) : bytes_(bytes) {}

  absl::Status Byte(uint8_t* out, absl::string_view what) {
    if (pos_ >= bytes_.size()) return Truncated(what);
    *out = static_cast<uint8_t>(bytes_[pos_++]);
    return absl::OkStatus();
  }
  absl::Status Bytes(size_t n, absl::string_view* out, absl::string_view what) {
    if (n > bytes_.size() - pos_) return Truncated(what);
    *out = bytes_.substr(pos_, n);
    pos_ += n;
    return absl::OkStatus();
  }
  // A length byte and that many bytes.
  absl::Status Counted(absl::string_view* out, absl::string_view what) {
    uint8_t n;
    if (auto s = Byte(&n, what); !s.ok()) return s;
    return Bytes(n, out, what);
  }
  bool done() const { return pos_ >= bytes_.size(); }
  size_t pos() const { return pos_; }

 private:
  absl::Status Truncated(absl::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("base64 query: truncated ", what, " at byte offset ", pos_));
  }
  absl::string_view bytes_;
  size_t pos_ = 0;
};

absl::StatusOr<Query> ParseBase64(absl::string_view query) {
  std::string text = UrlDecode(query);
  for (char& c : text) {  // accept the URL-safe alphabet too
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  std::string bytes;
  if (!absl::Base64Unescape(text, &bytes)) {
    return absl::InvalidArgumentError("query is neither plain (Cmd=...) nor valid base64");
  }
  Query q;
  q.base64 = true;
  Base64Reader r(bytes);
  uint8_t version, command;
  absl::string_view locale, device_id, policy_key, device_type;
  if (auto s = r.Byte(&version, "protocol version"); !s.ok()) return s;
  if (auto s = r.Byte(&command, "command code"); !s.ok()) return s;
  if (auto s = r.Bytes(2, &locale, "locale"); !s.ok()) return s;
  if (auto s = r.Counted(&device_id, "device id"); !s.ok()) return s;
  if (auto s = r.Counted(&policy_key, "policy key"); !s.ok()) return s;
  if (auto s = r.Counted(&device_type, "device type"); !s.ok()) return s;
  q.version = ProtocolVersionFromByte(version);
  q.version_unknown = !q.version.has_value();
  q.command = CommandFromCode(command);
  q.command_name = q.command ? std::string(CommandName(*q.command)) : absl::StrCat(command);
  q.locale = static_cast<uint16_t>(static_cast<uint8_t>(locale[0]) |
                                   (static_cast<uint8_t>(locale[1]) << 8));
  q.device_id = PrintableOrHex(device_id);
  if (policy_key.size() == 4) {
    const auto* p = reinterpret_cast<const uint8_t*>(policy_key.data());
    q.policy_key = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                   (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
  } else if (!policy_key.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "base64 query: policy key of ", policy_key.size(), " bytes (must be 0 or 4)"));
  }
  q.device_type = std::string(device_type);
  while (!r.done()) {
    const size_t at = r.pos();
    uint8_t tag;
    absl::string_view value;
    if (auto s = r.Byte(&tag, "parameter tag"); !s.ok()) return s;
    if (auto s = r.Counted(&value, "parameter value"); !s.ok()) return s;
    switch (tag) {
      case kAttachmentName: q.attachment_name = std::string(value); break;
      case kCollectionId: q.collection_id = std::string(value); break;
      case kCollectionName: break;  // unused since 2.5
      case kItemId: q.item_id = std::string(value); break;
      case kLongId: q.long_id = std::string(value); break;
      case kParentId: q.parent_id = std::string(value); break;
      case kOccurrence: q.occurrence = std::string(value); break;
      case kOptions:
        if (!value.empty()) {
          q.save_in_sent = (value[0] & kOptionSaveInSent) != 0;
          q.accept_multipart = (value[0] & kOptionAcceptMultiPart) != 0;
        }
        break;
      case kUser: q.user = std::string(value); break;
      default:
        return absl::InvalidArgumentError(absl::StrCat(
            "base64 query: unknown parameter tag ", tag, " at byte offset ", at));
    }
  }
  return q;
}

}  // namespace

std::string UrlDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

absl::StatusOr<Query> ParseQuery(absl::string_view query) {
  if (query.empty()) return absl::InvalidArgumentError("empty query");
  // In the base64 form '=' can only be padding, in the last two characters.
  const size_t eq = query.find('=');
  const bool only_padding = eq == absl::string_view::npos || eq + 2 >= query.size();
  const bool plain = query.find('&') != absl::string_view::npos || !only_padding;
  return plain ? ParsePlain(query) : ParseBase64(query);
}

}  // namespace eas::http
