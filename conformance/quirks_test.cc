// The device-quirk table in action: the deviations apply to the clients the
// table names, nowhere else, and an admin can switch them.
#include "conformance/harness.h"
#include "reference/devices/device_quirks.h"

namespace eas::conformance {
namespace {

class Quirks : public ConformanceTest {
 protected:
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
  Phone wm;
  wm.device_type = "PocketPC";
  wm.user_agent = "MSFT-PPC/5.2.5082";
  wm.device_id = "WMQuirk1";
  ASSERT_FALSE(Provision(wm).empty());
  EXPECT_EQ(SyncUnknown(wm).Text("Collections/Collection/Status"), "12");
  // The admin switches the quirk off: the specification's answer again.
  ASSERT_TRUE(state_->SetQuirkOverride(devices::kUnknownCollectionAsInvalidKey, false).ok());
  EXPECT_EQ(SyncUnknown(iphone).Text("Collections/Collection/Status"), "12");
}

TEST_F(Quirks, AndroidGetsAnEstimateInsteadOfStatus4) {
  Verifies({"MS-ASCMD 2.2.3.177.6 (GetItemEstimate Status 4)", "device-notes quirk 6"});
  Phone android;
  android.device_type = "Android";
  android.user_agent = "Android/4.0.3-EAS-1.3";
  android.device_id = "AndroidQuirk1";
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
  ASSERT_TRUE(store_->AddItem(miguel_, "contacts", "Contacts",
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
  Phone android;
  android.device_type = "Android";
  android.user_agent = "Android/4.0.3-EAS-1.3";
  android.device_id = "AndroidBirthday";
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
  auto stored = store_->GetItem(miguel_, added.Text("Collections/Collection/Responses/Add/ServerId"));
  ASSERT_TRUE(stored.ok()) << added.xml;
  EXPECT_NE(stored->data.find("1990-12-24T00:00:00.000Z"), std::string::npos);
  Phone iphone;
  ASSERT_FALSE(Provision(iphone).empty());
  const std::string ikey = sync(iphone, "0").Text("Collections/Collection/SyncKey");
  Reply ios = sync(iphone, ikey);
  bool stored_form = false;
  for (pugi::xml_node add : ios.doc.first_child().child("Collections").child("Collection").child("Commands").children("Add")) {
    stored_form |= std::string(add.child("ApplicationData").child("contacts:Birthday").text().get()) ==
                   "1985-04-08T00:00:00.000Z";
  }
  EXPECT_TRUE(stored_form) << ios.xml;
}

}  // namespace
}  // namespace eas::conformance
