// MS-ASCMD Settings: DeviceInformation Set, UserInformation Get by version,
// DevicePassword under the policy.
#include "conformance/harness.h"
#include "reference/commands/policy_document.h"

namespace eas::conformance {
namespace {

class Settings : public ConformanceTest {};

TEST_F(Settings, DeviceInformationIsStored) {
  Verifies({"MS-ASCMD 2.2.3.53 (DeviceInformation)"});
  Phone phone;
  Reply r = Post(phone, "Settings",
                 "<Settings xmlns=\"Settings:\"><DeviceInformation><Set><Model>iPhone3C1</Model>"
                 "<IMEI>012345678901234</IMEI><FriendlyName>Miguel's iPhone</FriendlyName>"
                 "<OS>iOS 6.1.3</OS><OSLanguage>de-DE</OSLanguage><PhoneNumber>+491701234567</PhoneNumber>"
                 "<UserAgent>Apple-iPhone3C1/1002.329</UserAgent><MobileOperator>Telekom</MobileOperator>"
                 "</Set></DeviceInformation></Settings>");
  EXPECT_EQ(r.Text("Status"), "1");
  EXPECT_EQ(r.Text("DeviceInformation/Status"), "1");
  auto device = state_->Find("ox.io/miguel", phone.device_id);
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->info.friendly_name, "Miguel's iPhone");
  EXPECT_EQ((*device)->info.mobile_operator, "Telekom");
}

TEST_F(Settings, UserInformationBefore14_1IsAnAddressList) {
  Verifies({"MS-ASCMD 2.2.3.189 (UserInformation)"});
  Phone phone;
  phone.version = "12.1";
  Reply r = Post(phone, "Settings",
                 "<Settings xmlns=\"Settings:\"><UserInformation><Get/></UserInformation></Settings>");
  EXPECT_EQ(r.Text("UserInformation/Status"), "1");
  EXPECT_EQ(r.Text("UserInformation/Get/EmailAddresses/SmtpAddress"), "miguel@ox.io");
  EXPECT_FALSE(r.Has("UserInformation/Get/Accounts"));
}

TEST_F(Settings, UserInformationFrom14_1HasAccounts) {
  Verifies({"MS-ASCMD 2.2.3.3 (Accounts)"});
  Phone phone;
  Reply r = Post(phone, "Settings",
                 "<Settings xmlns=\"Settings:\"><UserInformation><Get/></UserInformation></Settings>");
  EXPECT_EQ(r.Text("UserInformation/Get/Accounts/Account/UserDisplayName"), "Miguel Ortega");
  EXPECT_EQ(r.Text("UserInformation/Get/Accounts/Account/EmailAddresses/PrimarySmtpAddress"),
            "miguel@ox.io");
}

TEST_F(Settings, DevicePasswordFollowsThePolicy) {
  Verifies({"MS-ASCMD 2.2.3.177.15 (Settings Status 7)"});
  Phone phone;
  const std::string request =
      "<Settings xmlns=\"Settings:\"><DevicePassword><Set><Password>1234</Password></Set>"
      "</DevicePassword></Settings>";
  EXPECT_EQ(Post(phone, "Settings", request).Text("DevicePassword/Status"), "7");
  state::Policy policy = commands::DefaultPolicy();
  policy.settings["PasswordRecoveryEnabled"] = "1";
  ASSERT_TRUE(state_->SetPolicy(policy).ok());
  EXPECT_EQ(Post(phone, "Settings", request).Text("DevicePassword/Status"), "1");
}

TEST_F(Settings, EmptyRequestIsProtocolError) {
  Verifies({"MS-ASCMD 2.2.3.177.15 (Settings Status 2)"});
  EXPECT_EQ(Post(Phone{}, "Settings", "<Settings xmlns=\"Settings:\"/>").Text("Status"), "2");
}

}  // namespace
}  // namespace eas::conformance
