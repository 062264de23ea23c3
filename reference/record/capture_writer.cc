#include "reference/record/capture_writer.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <optional>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "pugixml.hpp"
#include "reference/http/query.h"
#include "reference/record/account_fixture.h"
#include "reference/wbxml/decoder.h"
#include "reference/wbxml/encoder.h"
#include "reference/wbxml/utf8.h"

namespace eas::record {
namespace {

std::string LocalName(const char* name) {
  const char* colon = std::strrchr(name, ':');
  return colon ? colon + 1 : name;
}

std::string Escape(absl::string_view text, bool attribute = false) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\r': out += "&#13;"; break;  // an XML parser would drop a bare CR
      case '"': out += attribute ? "&quot;" : "\""; break;
      default: out += c;
    }
  }
  return out;
}

// Text XML 1.0 can carry: valid UTF-8 without control characters but tab,
// line feed and carriage return.
bool XmlSafe(absl::string_view text) {
  if (!wbxml::IsValidUtf8(text)) return false;
  for (unsigned char c : text) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

bool AllXmlSafe(const pugi::xml_node& node) {
  for (pugi::xml_node n : node.children()) {
    if (n.type() == pugi::node_pcdata && !XmlSafe(n.value())) return false;
    if (n.type() == pugi::node_element && !AllXmlSafe(n)) return false;
  }
  return true;
}

// The binding kind of a value in an element of this local name, or "".
// Requests may carry the ids the server issued under more names than
// answers hand them out under (MS-ASCMD: ItemId, SrcMsgId, ...).
std::string KindOf(const pugi::xml_node& node, bool request) {
  const std::string local = LocalName(node.name());
  if (local == "SyncKey") {
    // Keys count per collection (Sync, GetItemEstimate) or for the
    // hierarchy (the Folder* commands): two of them may be equal on one
    // server and not on another.
    for (pugi::xml_node c : node.parent().children()) {
      if (LocalName(c.name()) == "CollectionId") return absl::StrCat("key:", c.child_value());
    }
    return "key:hierarchy";
  }
  if (local == "PolicyKey") return "policy";
  static const std::set<std::string> kIssued = {"ServerId", "ParentId", "CollectionId", "DstMsgId", "LongId",
                                                "FileReference", "Folder", "CalendarId"};
  static const std::set<std::string> kUsed = {"ItemId", "FolderId", "SrcMsgId", "SrcFldId", "DstFldId", "Id"};
  if (kIssued.count(local) || (request && kUsed.count(local))) return "id";
  return "";
}

// MS-ASHTTP 2.2.1.1.1.1.2: the command codes of the base64 query.
const char* CommandOfCode(int code) {
  static const char* const kNames[] = {"Sync", "SendMail", "SmartForward", "SmartReply", "GetAttachment", "",
                                       "", "", "", "FolderSync", "FolderCreate", "FolderDelete", "FolderUpdate",
                                       "MoveItems", "GetItemEstimate", "MeetingResponse", "Search", "Settings",
                                       "Ping", "ItemOperations", "Provision", "ResolveRecipients", "ValidateCert"};
  return code >= 0 && code < static_cast<int>(std::size(kNames)) ? kNames[code] : "";
}

// The MS-ASCMD section of each command (2.2.1), as the corpus cites them.
const std::map<std::string, std::string>& CommandSections() {
  static const auto* sections = new std::map<std::string, std::string>{
      {"FolderCreate", "2.2.1.2"}, {"FolderDelete", "2.2.1.3"},    {"FolderUpdate", "2.2.1.4"},
      {"FolderSync", "2.2.1.5"},   {"GetAttachment", "2.2.1.7"},   {"GetItemEstimate", "2.2.1.9"},
      {"ItemOperations", "2.2.1.10"}, {"MeetingResponse", "2.2.1.11"}, {"MoveItems", "2.2.1.12"},
      {"Ping", "2.2.1.13"},        {"ResolveRecipients", "2.2.1.15"}, {"Search", "2.2.1.16"},
      {"SendMail", "2.2.1.17"},    {"SmartForward", "2.2.1.19"},   {"SmartReply", "2.2.1.20"},
      {"Sync", "2.2.1.21"},        {"ValidateCert", "2.2.1.22"}};
  return *sections;
}

bool Printable(absl::string_view bytes) {
  if (bytes.empty()) return false;
  for (unsigned char c : bytes) {
    if (c < 0x21 || c > 0x7e || c == ';' || c == '{' || c == '}') return false;
  }
  return true;
}

std::string HexUpper(absl::string_view bytes) { return absl::AsciiStrToUpper(absl::BytesToHexString(bytes)); }

// Sync: each collection's SyncKey, by CollectionId (as sent).
std::map<std::string, std::string> CollectionKeys(const pugi::xml_node& root) {
  std::map<std::string, std::string> keys;
  if (std::strcmp(root.name(), "Sync") != 0) return keys;
  for (pugi::xml_node c : root.child("Collections").children("Collection")) {
    keys[c.child_value("CollectionId")] = c.child_value("SyncKey");
  }
  return keys;
}

}  // namespace

std::string CaptureWriter::Issue(const Kind& kind, const std::string& value) {
  if (value.empty() || value == "0") return value;
  auto [it, added] = names_.try_emplace({kind, value});
  if (added) {
    const std::string family = absl::StartsWith(kind, "key:")      ? "sync_key"
                               : kind == "policy"                 ? "policy_key"
                               : absl::StartsWith(kind, "received") ? "received"
                                                                    : "id";
    it->second = absl::StrCat(family, "_", ++counters_[family]);
  }
  return absl::StrCat("{{", it->second, "}}");
}

std::string CaptureWriter::Use(const Kind& kind, const std::string& value) const {
  auto it = names_.find({kind, value});
  return it == names_.end() ? value : absl::StrCat("{{", it->second, "}}");
}

std::string CaptureWriter::Query(const std::string& target, std::string& command) {
  const size_t q = target.find('?');
  const std::string path = target.substr(0, q);
  if (q == std::string::npos) return absl::StrCat(" target=\"", Escape(target, true), "\"");
  const std::string query = target.substr(q + 1);
  if (info_.query_form == "base64") {
    std::string raw;
    if (absl::Base64Unescape(http::UrlDecode(query), &raw) && raw.size() >= 7) {
      // MS-ASHTTP 2.2.1.1.1.1: version, command, locale, DeviceId, policy
      // key, DeviceType, then tagged parameters.
      size_t p = 0;
      auto byte = [&]() -> int { return p < raw.size() ? static_cast<unsigned char>(raw[p++]) : -1; };
      auto take = [&](int n) -> std::string {
        if (n < 0 || p + n > raw.size()) return "";
        std::string s = raw.substr(p, n);
        p += n;
        return s;
      };
      std::vector<std::string> fields;
      const int version = byte(), cmd = byte();
      command = CommandOfCode(cmd);
      fields.push_back(absl::StrCat("version=", version));
      fields.push_back(absl::StrCat("cmd=", cmd));
      fields.push_back(absl::StrCat("locale=", HexUpper(take(2))));
      const std::string device = take(byte());
      fields.push_back(absl::StrCat("device-id=", Printable(device) ? device : "hex:" + HexUpper(device)));
      const int key_length = byte();
      if (key_length == 4) {
        const std::string k = take(4);
        uint32_t key = 0;
        for (int i = 3; i >= 0; --i) key = key << 8 | static_cast<unsigned char>(k[i]);
        fields.push_back(absl::StrCat("policy-key=", Use("policy", std::to_string(key))));
      } else {
        take(key_length);
        fields.push_back("policy-key=none");
      }
      fields.push_back(absl::StrCat("device-type=", take(byte())));
      while (p < raw.size()) {
        const int tag = byte();
        std::string value = take(byte());
        // Tags 1 CollectionId, 3 ItemId, 4 LongId carry ids the server issued.
        std::string shown = (tag == 1 || tag == 3 || tag == 4) ? Use("id", value) : value;
        if (shown == value) shown = Printable(value) ? value : "hex:" + HexUpper(value);
        fields.push_back(absl::StrCat("param=", tag, ":", shown));
      }
      return absl::StrCat(" base64-query=\"", Escape(absl::StrJoin(fields, ";"), true), "\"");
    }
  }
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(query, '&')) {
    const size_t eq = part.find('=');
    const std::string key(part.substr(0, eq));
    if (key == "Cmd" && eq != absl::string_view::npos) command = std::string(part.substr(eq + 1));
    static const std::set<std::string> kIds = {"CollectionId", "ItemId", "LongId", "AttachmentName", "ParentId",
                                               "FolderId"};
    if (eq != absl::string_view::npos && kIds.count(key)) {
      const std::string value = http::UrlDecode(part.substr(eq + 1));
      const std::string used = Use("id", value);
      if (used != value) {
        parts.push_back(key + "=" + used);
        continue;
      }
    }
    parts.emplace_back(part);
  }
  return absl::StrCat(" target=\"", Escape(path + "?" + absl::StrJoin(parts, "&"), true), "\"");
}

namespace {

// Writes an element and its content; `text` maps each element's text, and
// `items` gives the content of a Commands element written match="items"
// (nullopt for any other element).
using ItemsContent = std::function<std::optional<std::string>(const pugi::xml_node&)>;

void WriteElement(const pugi::xml_node& node, std::string& out,
                  const std::function<std::string(const pugi::xml_node&, const std::string&)>& text,
                  const ItemsContent& items) {
  out += "<";
  out += node.name();
  for (pugi::xml_attribute a : node.attributes()) {
    absl::StrAppend(&out, " ", a.name(), "=\"", Escape(a.value(), true), "\"");
  }
  if (auto content = items(node)) {
    absl::StrAppend(&out, " match=\"items\"", content->empty() ? "/>" : absl::StrCat(">", *content, "</Commands>"));
    return;
  }
  // The folders of a FolderSync come in the server's order (MS-ASCMD
  // 2.2.1.5), which differs between backends.
  if (std::strcmp(node.name(), "Changes") == 0 && std::strcmp(node.parent().name(), "FolderSync") == 0) {
    out += " order=\"any\"";
  }
  bool has_elements = false;
  for (pugi::xml_node c : node.children()) has_elements |= c.type() == pugi::node_element;
  if (!has_elements) {
    const std::string value = node.child_value();
    if (value.empty()) {
      out += "/>";
      return;
    }
    absl::StrAppend(&out, ">", text(node, value), "</", node.name(), ">");
    return;
  }
  out += ">";
  for (pugi::xml_node c : node.children()) {
    if (c.type() == pugi::node_element) WriteElement(c, out, text, items);
  }
  absl::StrAppend(&out, "</", node.name(), ">");
}

bool IsWbxml(const HeaderList& headers, const std::string& body) {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, "Content-Type")) return absl::StrContains(absl::AsciiStrToLower(v), "wbxml");
  }
  return !body.empty() && body[0] == 0x03;
}

}  // namespace

std::string CaptureWriter::Request(const RecordedExchange& e) {
  std::string command;
  std::string out = absl::StrCat("    <request method=\"", Escape(e.method, true), "\"");
  out += Query(e.target, command);
  out += ">\n";
  for (const auto& [name, value] : e.request_headers) {
    // The replay writes these itself (Host, the body's length).
    static const char* const kOwn[] = {"Host", "Content-Length", "Connection", "Transfer-Encoding", "Expect",
                                       "Keep-Alive"};
    if (std::any_of(std::begin(kOwn), std::end(kOwn), [&](const char* n) { return absl::EqualsIgnoreCase(n, name); })) {
      continue;
    }
    std::string shown = value;
    if (absl::EqualsIgnoreCase(name, "Authorization")) shown = "{{basic-auth}}";
    if (absl::EqualsIgnoreCase(name, "X-MS-PolicyKey")) shown = Use("policy", value);
    absl::StrAppend(&out, "      <header name=\"", Escape(name, true), "\">", Escape(shown), "</header>\n");
  }
  request_keys_.clear();
  if (!e.request_body.empty()) {
    pugi::xml_document doc;
    bool written = false;
    const bool wbxml_body = IsWbxml(e.request_headers, e.request_body);
    if (wbxml_body && wbxml::Decode(e.request_body, doc).ok()) {
      auto again = wbxml::Encode(doc);
      request_keys_ = CollectionKeys(doc.document_element());
      if (command.empty()) command = doc.document_element().name();
      if (again.ok() && *again == e.request_body && AllXmlSafe(doc.document_element())) {
        std::string xml;
        WriteElement(
            doc.document_element(), xml,
            [&](const pugi::xml_node& n, const std::string& v) {
              const std::string kind = KindOf(n, /*request=*/true);
              return kind.empty() ? Escape(v) : Escape(Use(kind, v));
            },
            [](const pugi::xml_node&) { return std::optional<std::string>(); });
        absl::StrAppend(&out, "      <body>", xml, "</body>\n");
        written = true;
      }
    } else if (!wbxml_body && XmlSafe(e.request_body) &&
               absl::StrContains(e.request_body, "\r\n") &&
               absl::StrReplaceAll(e.request_body, {{"\r\n", ""}}).find_first_of("\r\n") == std::string::npos) {
      // MIME (SendMail below 14.0): lines end CRLF, written as lines.
      absl::StrAppend(&out, "      <body format=\"mime\">\n",
                      Escape(absl::StrReplaceAll(e.request_body, {{"\r\n", "\n"}}), false), "</body>\n");
      written = true;
    }
    if (!written) {
      // The device's own bytes: our encoder would write others, or they are
      // not WBXML at all.
      absl::StrAppend(&out, "      <body hex=\"", HexUpper(e.request_body), "\"/>\n");
    }
  }
  if (command.empty()) command = e.method;
  commands_.insert(command);
  out += "    </request>\n";
  auto offset = [&](absl::Time t) {
    return absl::StrFormat("%.3f", std::max(0.0, absl::ToDoubleSeconds(t - info_.started)));
  };
  return absl::StrCat("  <exchange note=\"", Escape(command, true), "\" at=\"", offset(e.received),
                      "\" answered=\"", offset(e.answered), "\">\n", out);
}

// The property an item of a first download is known by when a later
// request names it: its ServerId differs between servers, its content does
// not. The first of these an Add carries, if no other Add of the download
// has the same value.
constexpr const char* kItemKeys[] = {"contacts:FileAs", "email:Subject", "calendar:Subject", "tasks:Subject",
                                     "calendar:UID", "contacts:Email1Address"};

std::string CaptureWriter::DownloadBindings(const pugi::xml_node& commands) {
  std::map<std::pair<std::string, std::string>, int> seen;
  auto key_of = [](const pugi::xml_node& add) -> std::pair<std::string, std::string> {
    for (const char* k : kItemKeys) {
      if (pugi::xml_node e = add.child("ApplicationData").child(k)) return {k, e.child_value()};
    }
    return {};
  };
  for (pugi::xml_node add : commands.children("Add")) ++seen[key_of(add)];
  std::string out;
  for (pugi::xml_node add : commands.children("Add")) {
    const auto key = key_of(add);
    if (key.first.empty() || seen[key] != 1) continue;
    const std::string name = Issue("id", add.child_value("ServerId"));
    if (name.size() < 4) continue;  // "0" or "": nothing to bind
    absl::StrAppend(&out, "<bind name=\"", Escape(name.substr(2, name.size() - 4), true), "\" by=\"", key.first,
                    "\">", Escape(key.second), "</bind>");
  }
  return out;
}

std::string CaptureWriter::Response(const RecordedExchange& e) {
  std::string out = absl::StrCat("    <response status=\"", e.status, "\">\n");
  for (const auto& [name, value] : e.response_headers) {
    absl::StrAppend(&out, "      <header name=\"", Escape(name, true), "\">", Escape(value), "</header>\n");
  }
  pugi::xml_document doc;
  if (e.response_body.empty()) {
    out += "      <body/>\n";
  } else if (IsWbxml(e.response_headers, e.response_body) && wbxml::Decode(e.response_body, doc).ok() &&
             AllXmlSafe(doc.document_element())) {
    const pugi::xml_node root = doc.document_element();
    // Collections whose first download this is, and the keys a Sync with
    // SyncKey 0 got.
    std::set<std::string> downloads;
    if (std::strcmp(root.name(), "Sync") == 0) {
      for (pugi::xml_node c : root.child("Collections").children("Collection")) {
        const std::string id = c.child_value("CollectionId"), key = c.child_value("SyncKey");
        auto sent = request_keys_.find(id);
        if (sent == request_keys_.end()) continue;
        if (sent->second == "0") {
          first_keys_[id] = key;
        } else if (first_keys_.count(id) && first_keys_[id] == sent->second && c.child("Commands")) {
          downloads.insert(id);
          first_keys_.erase(id);
        }
      }
    }
    std::string xml;
    WriteElement(
        root, xml,
        [&](const pugi::xml_node& n, const std::string& v) {
          std::string kind = KindOf(n, /*request=*/false);
          // A message received during the session (a deliver event's): its
          // DateReceived is the moment it came, another on each replay.
          absl::Time received;
          if (kind.empty() && std::strcmp(n.name(), "email:DateReceived") == 0 &&
              absl::ParseTime("%Y-%m-%dT%H:%M:%E*SZ", v, &received, nullptr) &&
              received >= info_.started - absl::Seconds(2)) {
            kind = absl::StrCat("received:", ++received_seen_);  // each a binding of its own
          }
          return kind.empty() ? Escape(v) : Escape(Issue(kind, v));
        },
        [&](const pugi::xml_node& n) -> std::optional<std::string> {
          if (std::strcmp(n.name(), "Commands") != 0 || !downloads.count(n.parent().child_value("CollectionId"))) {
            return std::nullopt;
          }
          return DownloadBindings(n);
        });
    absl::StrAppend(&out, "      <body>", xml, "</body>\n");
  } else {
    std::string encoded;
    absl::Base64Escape(e.response_body, &encoded);
    absl::StrAppend(&out, "      <body format=\"bytes\">", encoded, "</body>\n");
  }
  out += "    </response>\n";
  return out;
}

std::string CaptureWriter::Delivery(const RecordedDelivery& d, const char* indent) const {
  return absl::StrCat(indent, "<event kind=\"deliver\" user=\"", Escape(info_.account, true), "\"",
                      d.during ? absl::StrCat(" after-ms=\"", d.after_ms, "\"") : "", ">\n",
                      Escape(absl::StrReplaceAll(d.mime, {{"\r\n", "\n"}})), "</event>\n");
}

std::string CaptureWriter::Add(const RecordedExchange& e) {
  std::string xml;
  for (const auto& d : e.deliveries) {
    if (!d.during) xml += Delivery(d, "  ");
  }
  const std::string request = Request(e);
  xml += request;
  for (const auto& d : e.deliveries) {
    if (d.during) xml += Delivery(d, "    ");
  }
  xml += Response(e);
  xml += "  </exchange>\n";
  bytes_ += xml.size();
  ++exchanges_;
  return xml;
}

std::string CaptureWriter::Header() const {
  const std::string when = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", info_.started, absl::UTCTimeZone());
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  absl::StrAppend(&out, "<!-- Recorded by eas-server (its record-dir) from the device's own traffic, ", when,
                  ". Replays against a fresh reference server holding ", Escape(info_.fixture),
                  " (docs/captures.md, \"Recorded captures\"). -->\n");
  absl::StrAppend(
      &out, "<capture family=\"recorded\" scenario=\"",
      Escape(absl::StrCat(info_.device_type, "-", absl::FormatTime("%Y%m%dT%H%M%S", info_.started,
                                                                     absl::UTCTimeZone())),
             true),
      "\">\n");
  absl::StrAppend(&out, "  <device user-agent=\"", Escape(info_.user_agent, true), "\" device-type=\"",
                  Escape(info_.device_type, true), "\" device-id=\"", Escape(info_.device_id, true),
                  "\" protocol=\"", Escape(info_.protocol, true), "\" query=\"", info_.query_form, "\"/>\n");
  absl::StrAppend(&out, "  <provenance kind=\"recorded\">\n    <source habit=\"every exchange of the session\">",
                  "recorded by the reference server on ", when, " from the device's requests (User-Agent ",
                  Escape(info_.user_agent), ") and the server's answers</source>\n  </provenance>\n");
  absl::StrAppend(&out, "  <groupware state=\"recorded\" fixture=\"", Escape(info_.fixture, true), "\"/>\n");
  absl::StrAppend(&out, "  <account user=\"", Escape(info_.user, true), "\" password=\"", kFixturePassword, "\"",
                  info_.query_user.empty() ? "" : absl::StrCat(" query-user=\"", Escape(info_.query_user, true), "\""),
                  "/>\n");
  return out;
}

// After the exchanges, as they tell which commands the session used.
std::string CaptureWriter::Footer() const {
  std::string out = "  <verifies>\n";
  bool any = false;
  for (const std::string& c : commands_) {
    auto it = CommandSections().find(c);
    if (it == CommandSections().end()) continue;
    absl::StrAppend(&out, "    <rule spec=\"MS-ASCMD\" section=\"", it->second, "\"/>\n");
    any = true;
  }
  if (!any) out += "    <rule spec=\"MS-ASHTTP\" section=\"2.2.1.1\"/>\n";
  out += "  </verifies>\n</capture>\n";
  return out;
}

}  // namespace eas::record
