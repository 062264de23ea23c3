// The device-quirk table in action: the deviations apply to the clients the
// table names, nowhere else, and an admin can switch them.
#include "conformance/harness.h"
#include "reference/calendar/timezone_blob.h"
#include "reference/devices/device_quirks.h"

namespace eas::conformance {
namespace {

class Quirks : public ConformanceTest {
 protected:
  // The Birthday the answer's Add for the contact filed as `file_as` carries.
  static std::string BirthdayOf(const Reply& r, const std::string& file_as) {
    for (pugi::xml_node add : r.doc.first_child().child("Collections").child("Collection").child("Commands").children("Add")) {
      pugi::xml_node data = add.child("ApplicationData");
      if (file_as == data.child("contacts:FileAs").text().get()) return data.child("contacts:Birthday").text().get();
    }
    return "(no contact " + file_as + ")";
  }
  Reply SyncUnknown(Phone& phone) {
    return Post(phone, "Sync",
                "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>4</SyncKey>"
                "<CollectionId>deleted-folder</CollectionId></Collection></Collections></Sync>");
  }
  Reply EstimateUnknownKey(Phone& phone) {
    return Post(phone, "GetItemEstimate",
                "<GetItemEstimate xmlns=\"GetItemEstimate:\" xmlns:airsync=\"AirSync:\"><Collections>"
                "<Collection><airsync:SyncKey>77</airsync:SyncKey><CollectionId>inbox</CollectionId>"
                "</Collection></Collections></GetItemEstimate>");
  }
};

TEST_F(Quirks, IPhoneGetsStatus3ForAGoneCollectionOthersGet12) {
  Verifies({"MS-ASCMD 2.2.3.177.17 (Sync Status 12)", "device-notes quirk 1"});
  Phone iphone;
  ASSERT_FALSE(Provision(iphone).empty());
  EXPECT_EQ(SyncUnknown(iphone).Text("Collections/Collection/Status"), "3");
  Phone wm = WindowsMobilePhone("WMQuirk1", "14.1");
  ASSERT_FALSE(Provision(wm).empty());
  EXPECT_EQ(SyncUnknown(wm).Text("Collections/Collection/Status"), "12");
  // The admin switches the quirk off: the specification's answer again.
  ASSERT_TRUE(state_->SetQuirkOverride(devices::kUnknownCollectionAsInvalidKey, false).ok());
  EXPECT_EQ(SyncUnknown(iphone).Text("Collections/Collection/Status"), "12");
}

TEST_F(Quirks, AndroidGetsAnEstimateInsteadOfStatus4) {
  Verifies({"MS-ASCMD 2.2.3.177.7 (GetItemEstimate Status 4)", "device-notes quirk 6"});
  Phone android = AndroidPhone("AndroidQuirk1");
  ASSERT_FALSE(Provision(android).empty());
  Reply r = EstimateUnknownKey(android);
  EXPECT_EQ(r.Text("Response/Status"), "1") << r.xml;
  EXPECT_EQ(r.Text("Response/Collection/Estimate"), "1");
  Phone iphone;
  ASSERT_FALSE(Provision(iphone).empty());
  EXPECT_EQ(EstimateUnknownKey(iphone).Text("Response/Status"), "4");
  // Switched on for everyone:
  ASSERT_TRUE(state_->SetQuirkOverride(devices::kEstimateInsteadOfInvalidKey, true).ok());
  EXPECT_EQ(EstimateUnknownKey(iphone).Text("Response/Status"), "1");
}

TEST_F(Quirks, BirthdaysTravelAtTheHourEachClientExpects) {
  Verifies({"MS-ASCNTC 2.2.2.5 (Birthday)", "device-notes quirk 16"});
  ASSERT_TRUE(backend_->AddItem(miguel_, "contacts", "Contacts",
                              "<ApplicationData xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><contacts:FileAs>Lena"
                              "</contacts:FileAs><contacts:Birthday>1985-04-08T00:00:00.000Z</contacts:Birthday>"
                              "</ApplicationData>")
                  .ok());
  auto sync = [&](Phone& phone, const std::string& key, const std::string& commands = "") {
    return Post(phone, "Sync",
                "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><Collections><Collection><SyncKey>" + key +
                    "</SyncKey><CollectionId>contacts</CollectionId>" + commands +
                    "</Collection></Collections></Sync>");
  };
  Phone android = AndroidPhone("AndroidBirthday");
  ASSERT_FALSE(Provision(android).empty());
  const std::string key = sync(android, "0").Text("Collections/Collection/SyncKey");
  Reply got = sync(android, key);
  EXPECT_EQ(got.Text("Collections/Collection/Commands/Add/ApplicationData/contacts:Birthday"),
            "1985-04-08T08:00:00.000Z") << got.xml;
  // What the client sends back at its hour is stored as the day.
  Reply added = sync(android, got.Text("Collections/Collection/SyncKey"),
                     "<Commands><Add><ClientId>b1</ClientId><ApplicationData><contacts:FileAs>Jonas</contacts:FileAs>"
                     "<contacts:Birthday>1990-12-24T08:00:00.000Z</contacts:Birthday></ApplicationData></Add>"
                     "</Commands>");
  auto stored = backend_->GetItem(miguel_, added.Text("Collections/Collection/Responses/Add/ServerId"));
  ASSERT_TRUE(stored.ok()) << added.xml;
  EXPECT_NE(stored->data.find("1990-12-24T00:00:00.000Z"), std::string::npos);
  // Windows Mobile: the stored form.
  Phone wm = WindowsMobilePhone("WMBirthday1", "12.1");
  ASSERT_FALSE(Provision(wm).empty());
  EXPECT_EQ(BirthdayOf(sync(wm, sync(wm, "0").Text("Collections/Collection/SyncKey")), "Lena"),
            "1985-04-08T00:00:00.000Z");
}

TEST_F(Quirks, IPhoneBirthdaysSitAtItsLocalMidnightInEverySeason) {
  Verifies({"MS-ASCNTC 2.2.2.5 (Birthday)", "MS-ASCAL 2.2.2.46 (Timezone)", "device-notes quirk 16"});
  for (const char* day : {"1985-04-08", "1985-12-24"}) {
    ASSERT_TRUE(backend_->AddItem(miguel_, "contacts", "Contacts",
                                std::string("<ApplicationData xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\">"
                                            "<contacts:FileAs>") + day + "</contacts:FileAs><contacts:Birthday>" +
                                    day + "T00:00:00.000Z</contacts:Birthday></ApplicationData>").ok());
  }
  auto sync = [&](Phone& phone, const std::string& folder, const std::string& key, const std::string& commands = "") {
    return Post(phone, "Sync",
                "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\" xmlns:calendar=\"Calendar:\"><Collections>"
                "<Collection><SyncKey>" + key + "</SyncKey><CollectionId>" + folder + "</CollectionId>" + commands +
                "</Collection></Collections></Sync>");
  };
  Phone iphone;
  ASSERT_FALSE(Provision(iphone).empty());
  // Its zone unknown: noon UTC, the right day from UTC-11 to UTC+11.
  Reply first = sync(iphone, "contacts", sync(iphone, "contacts", "0").Text("Collections/Collection/SyncKey"));
  EXPECT_EQ(BirthdayOf(first, "1985-04-08"), "1985-04-08T12:00:00.000Z") << first.xml;
  // It creates an event in Berlin: from now on its local midnight, with
  // summer time in April and without it in December.
  const std::string ckey = sync(iphone, "calendar", "0").Text("Collections/Collection/SyncKey");
  Reply event = sync(iphone, "calendar", ckey,
                     "<Commands><Add><ClientId>ev1</ClientId><ApplicationData><calendar:Timezone>" +
                         calendar::TimezoneBlob(calendar::EuropeBerlin()) +
                         "</calendar:Timezone><calendar:StartTime>20261201T090000Z</calendar:StartTime>"
                         "<calendar:EndTime>20261201T100000Z</calendar:EndTime><calendar:Subject>Dentist"
                         "</calendar:Subject></ApplicationData></Add></Commands>");
  ASSERT_EQ(event.Text("Collections/Collection/Responses/Add/Status"), "1") << event.xml;
  Reply resynced = sync(iphone, "contacts", sync(iphone, "contacts", "0").Text("Collections/Collection/SyncKey"));
  EXPECT_EQ(BirthdayOf(resynced, "1985-04-08"), "1985-04-07T22:00:00.000Z") << resynced.xml;
  EXPECT_EQ(BirthdayOf(resynced, "1985-12-24"), "1985-12-23T23:00:00.000Z");
  // What it sends at its local midnight is stored as the day.
  Reply added = sync(iphone, "contacts", resynced.Text("Collections/Collection/SyncKey"),
                     "<Commands><Add><ClientId>b2</ClientId><ApplicationData><contacts:FileAs>Jonas</contacts:FileAs>"
                     "<contacts:Birthday>1990-12-23T23:00:00.000Z</contacts:Birthday></ApplicationData></Add>"
                     "</Commands>");
  auto stored = backend_->GetItem(miguel_, added.Text("Collections/Collection/Responses/Add/ServerId"));
  ASSERT_TRUE(stored.ok()) << added.xml;
  EXPECT_NE(stored->data.find("1990-12-24T00:00:00.000Z"), std::string::npos) << stored->data;
  // Switched off, the iPhone gets the stored form.
  ASSERT_TRUE(state_->SetQuirkOverride(devices::kBirthdayAtLocalMidnight, false).ok());
  Reply plain = sync(iphone, "contacts", sync(iphone, "contacts", "0").Text("Collections/Collection/SyncKey"));
  EXPECT_EQ(BirthdayOf(plain, "1985-04-08"), "1985-04-08T00:00:00.000Z");
}

}  // namespace
}  // namespace eas::conformance
