// The code page table: every page of MS-ASWBXML 2.1.2.1 with its namespace,
// unique tokens and names, and the namespace forms the encoder accepts.
#include "reference/wbxml/code_pages.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace eas::wbxml {
namespace {

TEST(CodePages, HasEveryPageOfTheSpecWithItsNamespace) {
  const char* kNamespaces[] = {
      "AirSync:",          "Contacts:",         "Email:",           "AirNotify:",
      "Calendar:",         "Move:",             "GetItemEstimate:", "FolderHierarchy:",
      "MeetingResponse:",  "Tasks:",            "ResolveRecipients:", "ValidateCert:",
      "Contacts2:",        "Ping:",             "Provision:",       "Search:",
      "GAL:",              "AirSyncBase:",      "Settings:",        "DocumentLibrary:",
      "ItemOperations:",   "ComposeMail:",      "Email2:",          "Notes:",
      "RightsManagement:", "Find:"};
  const CodePages& pages = CodePages::Default();
  for (int p = 0; p <= 25; ++p) {
    const CodePage* page = pages.Page(static_cast<uint8_t>(p));
    ASSERT_NE(page, nullptr) << "page " << p;
    EXPECT_EQ(page->ns, kNamespaces[p]) << "page " << p;
    EXPECT_FALSE(page->nonstandard);
    EXPECT_FALSE(page->tags.empty());
  }
  ASSERT_NE(pages.Page(254), nullptr);
  EXPECT_TRUE(pages.Page(254)->nonstandard);
  EXPECT_EQ(pages.Page(26), nullptr);
}

TEST(CodePages, TokensAndNamesAreConsistentBothWays) {
  for (const auto& page : CodePages::Default().pages()) {
    std::set<std::string> names;
    for (const auto& tag : page->tags) {
      EXPECT_GE(tag->token, kFirstTagToken);
      EXPECT_LE(tag->token, kLastTagToken);
      EXPECT_EQ(page->FindToken(tag->token), tag.get());
      EXPECT_EQ(page->FindName(tag->name), tag.get()) << page->name << ":" << tag->name;
      EXPECT_TRUE(names.insert(tag->name).second) << "duplicate " << tag->name;
      EXPECT_EQ(tag->qualified_name, page->prefix + ":" + tag->name);
      for (const auto& alias : tag->aliases) EXPECT_EQ(page->FindName(alias), tag.get());
    }
  }
}

// Spot checks against MS-ASWBXML token values that the real traces rely on.
TEST(CodePages, KnownTokens) {
  const CodePages& pages = CodePages::Default();
  EXPECT_EQ(pages.Page(0)->FindName("Sync")->token, 0x05);
  EXPECT_EQ(pages.Page(0)->FindName("HeartbeatInterval")->token, 0x29);
  EXPECT_EQ(pages.Page(1)->FindName("Picture")->token, 0x3C);
  EXPECT_EQ(pages.Page(4)->FindName("Timezone")->token, 0x05);
  EXPECT_EQ(pages.Page(7)->FindName("FolderSync")->token, 0x16);
  EXPECT_EQ(pages.Page(17)->FindName("EstimatedDataSize")->token, 0x0C);
  EXPECT_EQ(pages.Page(18)->FindName("RightsManagementInformation")->token, 0x2B);
  EXPECT_EQ(pages.Page(21)->FindName("Mime")->token, 0x10);
  EXPECT_EQ(pages.Page(25)->FindName("Picture")->token, 0x22);
  // 2.5-era names still accepted on input.
  EXPECT_EQ(pages.Page(2)->FindName("FlagStatus"), pages.Page(2)->FindName("Status"));
  EXPECT_EQ(pages.Page(4)->FindName("TimeZone"), pages.Page(4)->FindName("Timezone"));
}

TEST(CodePages, NonstandardPageNamesUnlistedTokens) {
  const CodePage* page = CodePages::Default().Page(254);
  ASSERT_NE(page->FindToken(0x3F), nullptr);
  EXPECT_EQ(page->FindToken(0x3F)->name, "Tag0x3F");
  EXPECT_EQ(page->FindName("Tag0x3F"), page->FindToken(0x3F));
  EXPECT_EQ(page->FindToken(0x05)->name, "Annotations");
}

TEST(CodePages, NamespaceForms) {
  const CodePages& pages = CodePages::Default();
  const CodePage* base = pages.Page(17);
  EXPECT_EQ(pages.PageByNamespace("AirSyncBase:"), base);
  EXPECT_EQ(pages.PageByNamespace("AirSyncBase"), base);
  EXPECT_EQ(pages.PageByNamespace("uri:AirSyncBase"), base);
  EXPECT_EQ(pages.PageByNamespace("http://synce.org/formats/airsync_wm5/airsyncbase"), base);
  EXPECT_EQ(pages.PageByNamespace("Gal:"), pages.Page(16));  // libwbxml's spelling
  EXPECT_EQ(pages.PageByNamespace("urn:unknown"), nullptr);
  EXPECT_EQ(pages.PageByNamespace(""), nullptr);
}

TEST(CodePages, ParseRejectsBrokenTables) {
  EXPECT_FALSE(CodePages::Parse("").ok());
  EXPECT_FALSE(CodePages::Parse("0x05 Orphan\n").ok());
  EXPECT_FALSE(CodePages::Parse("page 0 A\n0x05 X\n0x05 Y\n").ok());
  EXPECT_FALSE(CodePages::Parse("page 0 A\n0x05 X\n0x06 X\n").ok());
  EXPECT_FALSE(CodePages::Parse("page 0 A\n0x04 Global\n").ok());
  EXPECT_FALSE(CodePages::Parse("page 0 A\n0x40 TooBig\n").ok());
  EXPECT_FALSE(CodePages::Parse("page 0 A\npage 0 B\n").ok());
  EXPECT_FALSE(CodePages::Parse("page 0 A\n0x05 X color=red\n").ok());
  auto ok = CodePages::Parse("page 3 Thing namespace=urn:t prefix=t\n0x05 A since=14.0 # c\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)->Page(3)->ns, "urn:t");
  EXPECT_EQ((*ok)->Page(3)->FindName("A")->qualified_name, "t:A");
  EXPECT_EQ((*ok)->Page(3)->FindName("A")->since, "14.0");
}

}  // namespace
}  // namespace eas::wbxml
