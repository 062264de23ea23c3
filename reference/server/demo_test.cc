// --demo: what it creates is real EAS data (every item encodes with the code
// page table), it covers what the README promises, and a second run changes
// nothing.
#include "reference/server/demo.h"

#include <cstdlib>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "reference/mail/mime_message.h"
#include "pugixml.hpp"
#include "reference/server/demo_content.h"
#include "reference/calendar/timezone_blob.h"
#include "reference/wbxml/dom.h"
#include "reference/wbxml/encoder.h"

namespace eas::server {


namespace {

TEST(DemoContent, EveryItemIsEncodableEasData) {
  int calendar = 0, contacts = 0, tasks = 0, mail = 0;
  int mime = 0;
  for (const DemoItem& item : DemoItems("Miguel Ortega", "miguel@ox.io")) {
    if (!item.mime.empty()) {
      // Stored as a message: the MIME must parse into an Email item.
      auto parsed = mail::ParseMessage(item.mime);
      ASSERT_TRUE(parsed.ok()) << item.mime;
      EXPECT_FALSE(parsed->recipients.empty());
      ++mime;
      continue;
    }
    pugi::xml_document doc;
    ASSERT_TRUE(wbxml::ParseXmlText(item.xml, doc).ok()) << item.xml;
    auto bytes = wbxml::Encode(doc);
    EXPECT_TRUE(bytes.ok()) << bytes.status() << "\n" << item.xml;
    calendar += item.item_class == "Calendar";
    contacts += item.item_class == "Contacts";
    tasks += item.item_class == "Tasks";
    mail += item.item_class == "Email";
  }
  EXPECT_EQ(mime, 2);  // an attachment and an invitation
  EXPECT_GE(contacts, 10);
  EXPECT_GE(calendar, 4);
  EXPECT_GE(tasks, 4);
  EXPECT_GE(mail, 10);
}

TEST(DemoContent, CalendarHasASeriesWithExceptionsAnAllDayEventAndTwoZones) {
  bool series = false, all_day = false, berlin = false, new_york = false;
  for (const DemoItem& item : DemoItems("M", "m@ox.io")) {
    if (item.item_class != "Calendar") continue;
    series |= absl::StrContains(item.xml, "<calendar:Recurrence>") &&
              absl::StrContains(item.xml, "<calendar:Deleted>1</calendar:Deleted>") &&
              absl::StrContains(item.xml, "(moved)");
    all_day |= absl::StrContains(item.xml, "<calendar:AllDayEvent>1</calendar:AllDayEvent>");
    berlin |= absl::StrContains(item.xml, calendar::IanaTimezoneBlob("Europe/Berlin", 2026));
    new_york |= absl::StrContains(item.xml, calendar::IanaTimezoneBlob("America/New_York", 2026));
  }
  EXPECT_TRUE(series);
  EXPECT_TRUE(all_day);
  EXPECT_TRUE(berlin);
  EXPECT_TRUE(new_york);
}

TEST(Demo, SeedsUsersFoldersItemsAndGalOnce) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/demo.db";
  std::remove(path.c_str());
  auto store = backend::SqliteStore::Open(path);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE(SeedDemo(**store).ok());
  auto miguel = (*store)->Authenticate("ox.io", "miguel", kDemoPassword);
  ASSERT_TRUE(miguel.ok());
  EXPECT_TRUE((*store)->Authenticate("ox.io", "ana", kDemoPassword).ok());
  EXPECT_TRUE((*store)->Authenticate("defaultcontext", "juan", kDemoPassword).ok());
  const auto inbox_before = (*store)->ChangesSince(*miguel, "inbox", 0)->size();
  EXPECT_EQ(inbox_before, 10u);
  EXPECT_GE((*store)->SearchGal("ox.io", "", 1000)->size(), 50u);
  EXPECT_GE((*store)->SearchGal("defaultcontext", "", 1000)->size(), 50u);
  // Again: nothing new.
  ASSERT_TRUE(SeedDemo(**store).ok());
  EXPECT_EQ((*store)->ChangesSince(*miguel, "inbox", 0)->size(), inbox_before);
  EXPECT_EQ((*store)->ListFolders(*miguel)->size(), 12u);
}

}  // namespace
}  // namespace eas::server
