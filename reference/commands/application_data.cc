#include "reference/commands/application_data.h"

#include <algorithm>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "reference/mail/html_text.h"
#include "reference/wbxml/code_pages.h"

namespace eas::commands {
namespace {

const wbxml::CodePage* PageOfPrefix(absl::string_view prefix) {
  for (const auto& page : wbxml::CodePages::Default().pages()) {
    if (page->prefix == prefix) return page.get();
  }
  return nullptr;
}

// The page and local name of an element named "prefix:Local" (or "Local" in
// the AirSync page, the one ApplicationData itself belongs to).
const wbxml::Tag* TagOf(pugi::xml_node element) {
  std::string name = element.name();
  const size_t colon = name.find(':');
  const wbxml::CodePage* page = colon == std::string::npos
                                    ? wbxml::CodePages::Default().Page(0)
                                    : PageOfPrefix(absl::string_view(name).substr(0, colon));
  if (page == nullptr) return nullptr;
  return page->FindName(colon == std::string::npos ? name : name.substr(colon + 1));
}

void DeclarePrefixes(pugi::xml_node from, pugi::xml_node root) {
  for (const pugi::xpath_node& found : from.select_nodes(".//*")) {
    std::string name = found.node().name();
    const size_t colon = name.find(':');
    if (colon == std::string::npos) continue;
    const std::string attr = "xmlns:" + name.substr(0, colon);
    if (root.attribute(attr.c_str())) continue;
    if (const wbxml::CodePage* page = PageOfPrefix(name.substr(0, colon))) {
      root.append_attribute(attr.c_str()).set_value(page->ns.c_str());
    }
  }
}

std::string Print(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.print(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

bool Knows(const wbxml::Tag& tag, ProtocolVersion version) {
  auto since = ParseProtocolVersion(tag.since);
  auto until = ParseProtocolVersion(tag.until);
  return !(since && version < *since) && !(until && version > *until);
}

// Drops descendants the version does not know.
void Trim(pugi::xml_node node, ProtocolVersion version) {
  for (pugi::xml_node child = node.first_child(); child;) {
    pugi::xml_node next = child.next_sibling();
    if (child.type() == pugi::node_element) {
      const wbxml::Tag* tag = TagOf(child);
      if (tag == nullptr || !Knows(*tag, version)) {
        node.remove_child(child);
      } else {
        Trim(child, version);
      }
    }
    child = next;
  }
}

// Cuts UTF-8 text to at most `limit` bytes without splitting a character.
std::string Truncate(const std::string& text, size_t limit) {
  size_t cut = std::min(limit, text.size());
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut);
}

// The length in bytes of the first `chars` UTF-8 characters of `text`.
size_t CharactersPrefix(const std::string& text, size_t chars) {
  size_t at = 0;
  for (size_t n = 0; at < text.size() && n < chars; ++n) {
    ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  return at;
}

// The 2.5 body elements of each class page (MS-ASWBXML code pages 1, 2, 4,
// 9): Calendar has no BodySize.
constexpr const char* kBodyPages[] = {"email", "contacts", "calendar", "tasks"};

// A 2.5 <prefix:Body> (plain text) into airsyncbase:Body.
void BodyFrom25(pugi::xml_node data) {
  for (const char* prefix : kBodyPages) {
    const std::string body_name = std::string(prefix) + ":Body";
    pugi::xml_node body = data.child(body_name.c_str());
    if (!body) continue;
    const std::string text = body.text().get();
    const bool truncated =
        std::string(data.child((std::string(prefix) + ":BodyTruncated").c_str()).text().get()) == "1";
    for (const char* name : {":Body", ":BodySize", ":BodyTruncated"}) {
      while (pugi::xml_node n = data.child((std::string(prefix) + name).c_str())) data.remove_child(n);
    }
    pugi::xml_node b = data.append_child("airsyncbase:Body");
    b.append_child("airsyncbase:Type").text().set("1");
    b.append_child("airsyncbase:EstimatedDataSize").text().set(std::to_string(text.size()).c_str());
    if (truncated) b.append_child("airsyncbase:Truncated").text().set("1");
    b.append_child("airsyncbase:Data").text().set(text.c_str());
    return;
  }
}

// airsyncbase:Body into the 2.5 body of the item's class page.
void BodyTo25(pugi::xml_node data, const std::string& prefix, std::optional<uint32_t> limit) {
  pugi::xml_node b = data.child("airsyncbase:Body");
  if (!b || prefix.empty()) return;
  std::string text = b.child("airsyncbase:Data").text().get();
  // 2.5 bodies are plain text.
  if (std::string(b.child("airsyncbase:Type").text().get()) == "2") text = mail::HtmlToText(text);
  const size_t full = text.size();
  // The limit counts characters (MS-ASCMD 2.2.3.185); BodySize is in bytes.
  const size_t cut = limit ? CharactersPrefix(text, *limit) : text.size();
  const bool truncated = cut < full;
  if (truncated) text = text.substr(0, cut);
  data.remove_child(b);
  if (prefix != "calendar") {
    data.append_child((prefix + ":BodySize").c_str()).text().set(std::to_string(full).c_str());
  }
  data.append_child((prefix + ":BodyTruncated").c_str()).text().set(truncated ? "1" : "0");
  if (!text.empty()) data.append_child((prefix + ":Body").c_str()).text().set(text.c_str());
}

// The class page an item's properties use ("email" for mail, ...).
std::string ClassPrefix(pugi::xml_node data) {
  for (pugi::xml_node child : data.children()) {
    std::string name = child.name();
    for (const char* prefix : kBodyPages) {
      if (name.rfind(std::string(prefix) + ":", 0) == 0) return prefix;
    }
  }
  return "";
}

// airsyncbase:Attachments into 2.5's email:Attachments (MS-ASWBXML page 2):
// AttName is what GetAttachment takes.
void AttachmentsTo25(pugi::xml_node data) {
  pugi::xml_node list = data.child("airsyncbase:Attachments");
  if (!list) return;
  pugi::xml_node out = data.insert_child_before("email:Attachments", list);
  for (pugi::xml_node a : list.children("airsyncbase:Attachment")) {
    pugi::xml_node o = out.append_child("email:Attachment");
    o.append_child("email:AttMethod").text().set(a.child("airsyncbase:Method").text().get());
    o.append_child("email:AttSize").text().set(a.child("airsyncbase:EstimatedDataSize").text().get());
    o.append_child("email:DisplayName").text().set(a.child("airsyncbase:DisplayName").text().get());
    o.append_child("email:AttName").text().set(a.child("airsyncbase:FileReference").text().get());
  }
  data.remove_child(list);
}

// 2.5 MIMESupport 2: the MIME replaces the text body (MIMEData, MIMESize,
// MIMETruncated, MS-ASWBXML page 2).
void MimeTo25(pugi::xml_node data, const std::string& mime, std::optional<uint32_t> limit) {
  for (const char* name : {"email:Body", "email:BodySize", "email:BodyTruncated"}) {
    while (pugi::xml_node n = data.child(name)) data.remove_child(n);
  }
  const bool truncated = limit && mime.size() > *limit;
  data.append_child("email:MIMETruncated").text().set(truncated ? "1" : "0");
  data.append_child("email:MIMESize").text().set(std::to_string(mime.size()).c_str());
  data.append_child("email:MIMEData").text().set((truncated ? mime.substr(0, *limit) : mime).c_str());
}

// The 12.0+ body as the device asked for it (MS-ASAIRS 3.2.5.1): MIME for
// Type 4 (when given), HTML for Type 2, plain text for Type 1 (an HTML body
// converted), truncated, all or none, with a preview from 14.0.
void RenderBody(pugi::xml_node data, ProtocolVersion version, const BodyPreference& body,
                const std::string* mime) {
  pugi::xml_node b = data.child("airsyncbase:Body");
  if (!b || body.wishes.empty()) return;
  const int stored_type = std::atoi(b.child("airsyncbase:Type").text().get());
  const std::string original = b.child("airsyncbase:Data").text().get();
  std::string text = original;
  auto wish_for = [&](int type) -> const BodyWish* {
    for (const auto& w : body.wishes) {
      if (w.type == type) return &w;
    }
    return nullptr;
  };
  const BodyWish* wish = nullptr;
  int type = stored_type;
  if (mime != nullptr && (wish = wish_for(4))) {
    type = 4;
    text = *mime;
  } else if ((wish = wish_for(stored_type))) {
  } else if (stored_type == 2 && (wish = wish_for(1))) {
    type = 1;
    text = mail::HtmlToText(text);
  } else {
    wish = &body.wishes.front();  // no match: the stored type, with the first wish's limits
  }
  data.remove_child(b);
  b = data.append_child("airsyncbase:Body");
  b.append_child("airsyncbase:Type").text().set(std::to_string(type).c_str());
  b.append_child("airsyncbase:EstimatedDataSize").text().set(std::to_string(text.size()).c_str());
  const bool too_big = wish->truncation_size && text.size() > *wish->truncation_size;
  if (too_big) {
    b.append_child("airsyncbase:Truncated").text().set("1");
    // AllOrNone: a body that does not fit is not sent at all.
    text = wish->all_or_none ? "" : Truncate(text, *wish->truncation_size);
  }
  if (!(too_big && wish->all_or_none)) b.append_child("airsyncbase:Data").text().set(text.c_str());
  if (wish->preview && *wish->preview > 0 && version >= ProtocolVersion::k14_0) {
    const std::string plain = stored_type == 2 ? mail::HtmlToText(original) : original;
    b.append_child("airsyncbase:Preview").text().set(Truncate(plain, *wish->preview).c_str());
  }
}

}  // namespace

BodyPreference ReadBodyPreference(pugi::xml_node options, ProtocolVersion version) {
  BodyPreference body;
  int code = 0;
  if (version == ProtocolVersion::k2_5) {
    if (absl::SimpleAtoi(options.child("Truncation").text().get(), &code)) body.truncation_size = TruncationChars(code);
    if (absl::SimpleAtoi(options.child("MIMETruncation").text().get(), &code)) body.mime_truncation = MimeTruncationChars(code);
  }
  // Sync's Options are in the AirSync page itself; ItemOperations' and
  // Search's borrow the element from it.
  pugi::xml_node mime_support = options.child("MIMESupport");
  if (!mime_support) mime_support = options.child("airsync:MIMESupport");
  absl::SimpleAtoi(mime_support.text().get(), &body.mime_support);
  for (pugi::xml_node p : options.children("airsyncbase:BodyPreference")) {
    BodyWish wish;
    absl::SimpleAtoi(p.child("airsyncbase:Type").text().get(), &wish.type);
    uint32_t n = 0;
    if (absl::SimpleAtoi(p.child("airsyncbase:TruncationSize").text().get(), &n)) wish.truncation_size = n;
    wish.all_or_none = std::string(p.child("airsyncbase:AllOrNone").text().get()) == "1";
    if (absl::SimpleAtoi(p.child("airsyncbase:Preview").text().get(), &n)) wish.preview = std::min<uint32_t>(n, 255);
    body.wishes.push_back(wish);
  }
  return body;
}

bool BodyPreference::WantsMime(ProtocolVersion version) const {
  if (version == ProtocolVersion::k2_5) return mime_support == 2;
  return mime_support != 0 && std::any_of(wishes.begin(), wishes.end(), [](const BodyWish& w) { return w.type == 4; });
}

std::optional<uint32_t> TruncationChars(int code) {
  static constexpr uint32_t kSizes[] = {0, 512, 1024, 2048, 5120, 10240, 20480, 51200, 102400};
  if (code >= 0 && code < 9) return kSizes[code];
  return std::nullopt;  // 9 and anything else: the whole body
}

std::optional<uint32_t> MimeTruncationChars(int code) {
  static constexpr uint32_t kSizes[] = {0, 4096, 5120, 7168, 10240, 20480, 51200, 102400};
  if (code >= 0 && code < 8) return kSizes[code];
  return std::nullopt;  // 8 and anything else: the whole MIME
}

std::string ToStoredForm(pugi::xml_node application_data) {
  pugi::xml_document doc;
  pugi::xml_node root = doc.append_child("ApplicationData");
  root.append_attribute("xmlns") = "AirSync:";
  for (pugi::xml_node child : application_data.children()) root.append_copy(child);
  BodyFrom25(root);
  DeclarePrefixes(root, root);
  return Print(doc);
}

bool CanBeGhosted(const std::string& item_class, const std::string& element) {
  // MS-ASCNTC 2.2.2: every contact property that says "can be ghosted"
  // (all but Body, Picture, Alias, WeightedRank), in Contacts or Contacts2.
  static const auto* contacts = new absl::flat_hash_set<std::string>{
      "AccountName", "Anniversary", "AssistantName", "AssistantPhoneNumber", "Birthday",
      "Business2PhoneNumber", "BusinessAddressCity", "BusinessAddressCountry", "BusinessAddressPostalCode",
      "BusinessAddressState", "BusinessAddressStreet", "BusinessFaxNumber", "BusinessPhoneNumber",
      "CarPhoneNumber", "Categories", "Children", "CompanyMainPhone", "CompanyName", "CustomerId",
      "Department", "Email1Address", "Email2Address", "Email3Address", "FileAs", "FirstName", "GovernmentId",
      "Home2PhoneNumber", "HomeAddressCity", "HomeAddressCountry", "HomeAddressPostalCode", "HomeAddressState",
      "HomeAddressStreet", "HomeFaxNumber", "HomePhoneNumber", "IMAddress", "IMAddress2", "IMAddress3",
      "JobTitle", "LastName", "MMS", "ManagerName", "MiddleName", "MobilePhoneNumber", "NickName",
      "OfficeLocation", "OtherAddressCity", "OtherAddressCountry", "OtherAddressPostalCode",
      "OtherAddressState", "OtherAddressStreet", "PagerNumber", "RadioPhoneNumber", "Spouse", "Suffix",
      "Title", "WebPage", "YomiCompanyName", "YomiFirstName", "YomiLastName"};
  // MS-ASCAL 2.2.2: the top-level calendar elements that "can be ghosted".
  static const auto* calendar = new absl::flat_hash_set<std::string>{
      "calendar:AppointmentReplyTime", "calendar:Attendees", "airsyncbase:Body",
      "calendar:DisallowNewTimeProposal", "calendar:MeetingStatus", "calendar:OnlineMeetingConfLink",
      "calendar:OnlineMeetingExternalLink", "calendar:OrganizerEmail", "calendar:OrganizerName",
      "calendar:ResponseRequested", "calendar:ResponseType"};
  if (item_class == "Calendar") return calendar->contains(element);
  if (item_class != "Contacts") return false;
  for (absl::string_view prefix : {"contacts:", "contacts2:"}) {
    if (absl::StartsWith(element, prefix)) return contacts->contains(element.substr(prefix.size()));
  }
  return false;
}

absl::StatusOr<std::string> MergeChange(const std::string& stored, pugi::xml_node change,
                                        const std::string& item_class, const Ghosting& ghosting) {
  pugi::xml_document doc;
  if (!doc.load_string(stored.c_str())) return absl::DataLossError("stored item does not parse");
  pugi::xml_node root = doc.first_child();
  pugi::xml_document normalized;  // a 2.5 body in the change, as stored
  pugi::xml_node changed = normalized.append_copy(change);
  BodyFrom25(changed);
  // Not ghosted and not sent: the client cleared it.
  for (pugi::xml_node old = root.first_child(); old;) {
    pugi::xml_node next = old.next_sibling();
    const std::string name = old.name();
    const bool not_ghosted =
        ghosting.declared
            ? std::find(ghosting.not_ghosted.begin(), ghosting.not_ghosted.end(), name) !=
                  ghosting.not_ghosted.end()
            : CanBeGhosted(item_class, name);
    if (old.type() == pugi::node_element && not_ghosted && !changed.child(name.c_str())) root.remove_child(old);
    old = next;
  }
  for (pugi::xml_node property : changed.children()) {
    if (property.type() != pugi::node_element) continue;
    // Remove every stored element of that name (multi-valued ones come as a
    // container, e.g. Categories, and are replaced whole).
    while (pugi::xml_node old = root.child(property.name())) root.remove_child(old);
    root.append_copy(property);
  }
  DeclarePrefixes(root, root);
  return Print(doc);
}

absl::Status AppendForDevice(const std::string& stored, pugi::xml_node target, pugi::xml_node root,
                             ProtocolVersion version, const BodyPreference& body, const std::string* mime) {
  pugi::xml_document doc;
  if (!doc.load_string(stored.c_str())) return absl::DataLossError("stored item does not parse");
  pugi::xml_node data = doc.first_child();
  if (version == ProtocolVersion::k2_5) {
    const std::string prefix = ClassPrefix(data);
    if (prefix == "email") AttachmentsTo25(data);
    BodyTo25(data, prefix, body.truncation_size);
    if (prefix == "email" && mime != nullptr && body.mime_support == 2) MimeTo25(data, *mime, body.mime_truncation);
    Trim(data, version);
    for (pugi::xml_node child : data.children()) target.append_copy(child);
    DeclarePrefixes(target, root);
    return absl::OkStatus();
  }
  Trim(data, version);
  RenderBody(data, version, body, mime);
  for (pugi::xml_node child : data.children()) target.append_copy(child);
  DeclarePrefixes(target, root);
  return absl::OkStatus();
}

}  // namespace eas::commands
