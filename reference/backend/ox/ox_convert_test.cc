#include "reference/backend/ox/ox_convert.h"

#include "gtest/gtest.h"

namespace eas::backend::ox {
namespace {

using Json = nlohmann::json;

TEST(OxConvert, ContactBothWays) {
  Json contact = {{"id", "1001"}, {"folder_id", "30"}, {"file_as", "Meier, Lena"}, {"first_name", "Lena"},
                  {"last_name", "Meier"}, {"email1", "lena@example.com"}, {"birthday", 481766400000},
                  {"categories", "VIP, Rhein"}, {"note", "Met at CeBIT"}};
  const std::string xml = ToApplicationData("contacts", contact);
  EXPECT_NE(xml.find("<contacts:FileAs>Meier, Lena</contacts:FileAs>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<contacts:Birthday>1985-04-08T00:00:00.000Z</contacts:Birthday>"), std::string::npos);
  EXPECT_NE(xml.find("<contacts:Category>Rhein</contacts:Category>"), std::string::npos);
  EXPECT_NE(xml.find("<airsyncbase:Data>Met at CeBIT</airsyncbase:Data>"), std::string::npos);
  auto back = FromApplicationData("contacts", xml);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)["email1"], "lena@example.com");
  EXPECT_EQ((*back)["birthday"], 481766400000);
  EXPECT_EQ((*back)["categories"], "VIP,Rhein");
  EXPECT_EQ((*back)["display_name"], "Meier, Lena");
}

// A phone's addresses reach OX: the decoder names the elements as MS-ASCNTC
// does (BusinessAddressCity, code page 1 token 0x0D), not by libwbxml's
// older names (BusinessCity).
TEST(OxConvert, ContactAddressesAsPhonesSendThem) {
  const std::string xml =
      "<ApplicationData xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\">"
      "<contacts:BusinessAddressStreet>Ring 1</contacts:BusinessAddressStreet>"
      "<contacts:BusinessAddressCity>Olpe</contacts:BusinessAddressCity>"
      "<contacts:BusinessAddressPostalCode>57462</contacts:BusinessAddressPostalCode>"
      "<contacts:BusinessAddressCountry>DE</contacts:BusinessAddressCountry>"
      "<contacts:HomeAddressStreet>Weg 2</contacts:HomeAddressStreet>"
      "<contacts:HomeAddressCity>Köln</contacts:HomeAddressCity>"
      "<contacts:HomeAddressPostalCode>50667</contacts:HomeAddressPostalCode>"
      "<contacts:HomeAddressCountry>DE</contacts:HomeAddressCountry></ApplicationData>";
  auto object = FromApplicationData("contacts", xml);
  ASSERT_TRUE(object.ok());
  EXPECT_EQ((*object)["street_business"], "Ring 1");
  EXPECT_EQ((*object)["city_business"], "Olpe");
  EXPECT_EQ((*object)["postal_code_business"], "57462");
  EXPECT_EQ((*object)["country_business"], "DE");
  EXPECT_EQ((*object)["street_home"], "Weg 2");
  EXPECT_EQ((*object)["city_home"], "Köln");
  EXPECT_EQ((*object)["postal_code_home"], "50667");
  EXPECT_EQ((*object)["country_home"], "DE");
  const std::string back = ToApplicationData("contacts", *object);
  EXPECT_NE(back.find("<contacts:BusinessAddressCity>Olpe</contacts:BusinessAddressCity>"), std::string::npos)
      << back;
}

TEST(OxConvert, WeeklyAppointmentAndAllDay) {
  Json weekly = {{"title", "Team weekly"}, {"start_date", 1795856400000}, {"end_date", 1795858200000},
                 {"recurrence_type", 2}, {"days", 4}, {"interval", 1}, {"occurrences", 20},
                 {"shown_as", 2}, {"alarm", 15}, {"uid", "ox-1"}};
  const std::string xml = ToApplicationData("calendar", weekly);
  EXPECT_NE(xml.find("<calendar:StartTime>20261128T090000Z</calendar:StartTime>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<calendar:Type>1</calendar:Type>"), std::string::npos);
  EXPECT_NE(xml.find("<calendar:DayOfWeek>4</calendar:DayOfWeek>"), std::string::npos);
  EXPECT_NE(xml.find("<calendar:BusyStatus>1</calendar:BusyStatus>"), std::string::npos);  // tentative
  // No zone in OX: UTC; with one: its IANA rule of the event's year.
  EXPECT_NE(xml.find("<calendar:Timezone>AAAA"), std::string::npos);
  Json zoned = weekly;
  zoned["timezone"] = "Europe/Berlin";
  EXPECT_NE(ToApplicationData("calendar", zoned).find("<calendar:Timezone>xP"), std::string::npos);
  auto back = FromApplicationData("calendar", xml);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)["recurrence_type"], 2);
  EXPECT_EQ((*back)["days"], 4);
  EXPECT_EQ((*back)["start_date"], 1795856400000);
  EXPECT_EQ((*back)["shown_as"], 2);
  EXPECT_EQ((*back)["alarm"], 15);
  auto all_day = FromApplicationData(
      "calendar", "<ApplicationData xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\"><calendar:AllDayEvent>1"
                  "</calendar:AllDayEvent><calendar:Subject>Off</calendar:Subject></ApplicationData>");
  EXPECT_EQ((*all_day)["full_time"], true);
  EXPECT_EQ((*all_day)["recurrence_type"], 0);
}

TEST(OxConvert, TaskStatusAndPriority) {
  const std::string xml = ToApplicationData("tasks", {{"title", "Report"}, {"status", 3}, {"priority", 3},
                                                      {"end_date", 1796083200000}});
  EXPECT_NE(xml.find("<tasks:Complete>1</tasks:Complete>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<tasks:Importance>2</tasks:Importance>"), std::string::npos);
  auto back = FromApplicationData("tasks", xml);
  EXPECT_EQ((*back)["status"], 3);
  EXPECT_EQ((*back)["priority"], 3);
  EXPECT_EQ((*back)["end_date"], 1796083200000);
}

TEST(OxConvert, RowsFollowTheRequestedColumns) {
  const std::string columns = Columns("contacts");
  EXPECT_EQ(columns.rfind("1,5,20,100,", 0), 0u);
  Json row = Json::array({1001, 1795000001000, 30, nullptr, "Meier, Lena"});
  Json o = RowToObject("contacts", row);
  EXPECT_EQ(o["id"], "1001");
  EXPECT_EQ(o["folder_id"], "30");
  EXPECT_EQ(o["display_name"], "Meier, Lena");
  EXPECT_FALSE(o.contains("categories"));
  EXPECT_FALSE(FromApplicationData("contacts", "not xml").ok());
}

}  // namespace
}  // namespace eas::backend::ox
