// MS-ASPROV: policy download and acknowledgement, the provisioning gate by
// protocol version, remote wipe.
#include "absl/strings/match.h"
#include "conformance/harness.h"
#include "gmock/gmock.h"
#include "reference/commands/policy_document.h"

namespace eas::conformance {
namespace {

using ::testing::HasSubstr;

class AsProv : public ConformanceTest {
 protected:
  Reply Phase1(const Phone& phone, const std::string& type = "MS-EAS-Provisioning-WBXML",
               const std::string& extra = "") {
    return Post(phone, "Provision",
                "<Provision xmlns=\"Provision:\" xmlns:settings=\"Settings:\">" + extra +
                    "<Policies><Policy><PolicyType>" + type +
                    "</PolicyType></Policy></Policies></Provision>");
  }
  Reply Phase2(const Phone& phone, const std::string& key, const std::string& status = "1",
               const std::string& type = "MS-EAS-Provisioning-WBXML") {
    return Post(phone, "Provision",
                "<Provision xmlns=\"Provision:\"><Policies><Policy><PolicyType>" + type +
                    "</PolicyType><PolicyKey>" + key + "</PolicyKey><Status>" + status +
                    "</Status></Policy></Policies></Provision>");
  }
  static constexpr char kFolderSync0[] =
      "<FolderSync xmlns=\"FolderHierarchy:\"><SyncKey>0</SyncKey></FolderSync>";
};

TEST_F(AsProv, TwoPhaseDownloadAndAcknowledgement) {
  Verifies({"MS-ASPROV_R394", "MS-ASPROV_R310", "MS-ASPROV_R417", "MS-ASPROV_R378",
            "MS-ASPROV_R209", "MS-ASPROV_R650", "MS-ASPROV_R657", "MS-ASPROV_R605",
            "MS-ASPROV_R419", "MS-ASPROV_R601", "MS-ASPROV_R662"});
  Phone phone;
  Reply first = Phase1(phone);
  ASSERT_EQ(first.status(), 200);
  EXPECT_EQ(first.Text("Status"), "1");
  EXPECT_EQ(first.Text("Policies/Policy/PolicyType"), "MS-EAS-Provisioning-WBXML");
  EXPECT_EQ(first.Text("Policies/Policy/Status"), "1");
  const std::string temporary = first.Text("Policies/Policy/PolicyKey");
  ASSERT_FALSE(temporary.empty());
  EXPECT_NE(temporary, "0");  // iOS 4 refuses a temporary key of 0
  ASSERT_TRUE(first.Has("Policies/Policy/Data/EASProvisionDoc")) << first.xml;
  EXPECT_EQ(first.Text("Policies/Policy/Data/EASProvisionDoc/DevicePasswordEnabled"), "0");
  // 14.1 gets the 12.1+ settings too.
  EXPECT_TRUE(first.Has("Policies/Policy/Data/EASProvisionDoc/AllowBrowser"));

  phone.policy_key = temporary;
  Reply second = Phase2(phone, temporary);
  EXPECT_EQ(second.Text("Status"), "1");
  EXPECT_EQ(second.Text("Policies/Policy/Status"), "1");
  const std::string final_key = second.Text("Policies/Policy/PolicyKey");
  EXPECT_FALSE(final_key.empty());
  EXPECT_NE(final_key, temporary);
  EXPECT_FALSE(second.Has("Policies/Policy/Data"));

  phone.policy_key = final_key;
  Reply sync = Post(phone, "FolderSync", kFolderSync0);
  EXPECT_EQ(sync.Text("Status"), "1") << sync.xml;
}

TEST_F(AsProv, Version12_0GetsOnlyThe12_0Settings) {
  Verifies({"MS-ASPROV 2.2.2.27"});
  Phone phone;
  phone.version = "12.0";
  Reply first = Phase1(phone);
  EXPECT_TRUE(first.Has("Policies/Policy/Data/EASProvisionDoc/DevicePasswordHistory"));
  EXPECT_FALSE(first.Has("Policies/Policy/Data/EASProvisionDoc/AllowCamera")) << first.xml;
}

TEST_F(AsProv, Version2_5GetsTheWapProvisioningDocument) {
  Verifies({"MS-ASPROV 2.2.2.23 (Data, MS-WAP-Provisioning-XML)"});
  Phone wm6;
  wm6.version = "2.5";
  wm6.device_type = "PocketPC";
  Reply first = Phase1(wm6, "MS-WAP-Provisioning-XML");
  EXPECT_EQ(first.Text("Policies/Policy/Status"), "1");
  EXPECT_THAT(first.Text("Policies/Policy/Data"), HasSubstr("<wap-provisioningdoc>"));
  EXPECT_THAT(first.Text("Policies/Policy/Data"), HasSubstr("name=\"4131\""));
  ASSERT_FALSE(Provision(wm6).empty());
  Reply sync = Post(wm6, "FolderSync", kFolderSync0);
  EXPECT_EQ(sync.status(), 200);
  EXPECT_EQ(sync.Text("Status"), "1");
}

TEST_F(AsProv, UnknownPolicyTypeIsStatus3) {
  Verifies({"MS-ASPROV_R380", "MS-ASPROV_R471", "MS-ASPROV_R502"});
  Reply r = Phase1(Phone{}, "InvalidMS-EAS-Provisioning-WBXML");
  EXPECT_EQ(r.Text("Policies/Policy/Status"), "3");
}

TEST_F(AsProv, WrongOrStaleAcknowledgementIsStatus5) {
  Verifies({"MS-ASPROV_R475", "MS-ASPROV_R761", "MS-ASPROV_R382", "MS-ASPROV_R692"});
  Phone phone;
  Reply first = Phase1(phone);
  Reply wrong = Phase2(phone, "1234567890");
  EXPECT_EQ(wrong.Text("Policies/Policy/Status"), "5");
  EXPECT_TRUE(wrong.Text("Policies/Policy/PolicyKey").empty());
}

TEST_F(AsProv, SyntaxErrorIsStatus2) {
  Verifies({"MS-ASPROV_R395", "MS-ASPROV_R679", "MS-ASPROV_R450", "MS-ASPROV_R497"});
  // Policy without its Policies wrapper.
  Reply r = Post(Phone{}, "Provision",
                 "<Provision xmlns=\"Provision:\"><Policy><PolicyType>MS-EAS-Provisioning-WBXML"
                 "</PolicyType></Policy></Provision>");
  EXPECT_EQ(r.Text("Status"), "2");
}

TEST_F(AsProv, PartialComplianceIs139AndExternallyManagedIs145) {
  Verifies({"MS-ASPROV_R1046", "MS-ASPROV_R681", "MS-ASPROV_R686", "MS-ASPROV_R461"});
  Phone phone;
  const std::string temporary = Phase1(phone).Text("Policies/Policy/PolicyKey");
  EXPECT_EQ(Phase2(phone, temporary, "2").Text("Status"), "139");
  EXPECT_EQ(Phase2(phone, temporary, "4").Text("Status"), "145");
}

TEST_F(AsProv, LostAcknowledgementResponseGetsTheSameFinalKey) {
  Verifies({"MS-ASPROV 3.2.5.1.2"});
  Phone phone;
  const std::string temporary = Phase1(phone).Text("Policies/Policy/PolicyKey");
  const std::string final_key = Phase2(phone, temporary).Text("Policies/Policy/PolicyKey");
  Reply again = Phase2(phone, temporary);
  EXPECT_EQ(again.Text("Policies/Policy/PolicyKey"), final_key);
}

TEST_F(AsProv, GateBy449UpTo12_1) {
  Verifies({"MS-ASPROV 3.2.5.1 (HTTP 449, protocol 12.1 and earlier)"});
  for (const char* version : {"2.5", "12.0", "12.1"}) {
    Phone phone;
    phone.version = version;
    phone.policy_key = "0";
    EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).status(), 449) << version;
  }
}

TEST_F(AsProv, GateByStatusFrom14_0) {
  Verifies({"MS-ASPROV_R537", "MS-ASPROV_R682", "MS-ASPROV_R458"});
  Phone phone;
  phone.policy_key = "0";
  Reply fresh = Post(phone, "FolderSync", kFolderSync0);
  EXPECT_EQ(fresh.status(), 200);
  EXPECT_EQ(fresh.Text("Status"), "142");  // not provisioned
  const std::string key = Provision(phone);
  ASSERT_FALSE(key.empty());
  phone.policy_key = key.substr(0, 1);
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).Text("Status"), "144");  // invalid key
  phone.policy_key.reset();
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).Text("Status"), "141");  // no key at all
  // The policy changes: the old key asks for a refresh.
  phone.policy_key = key;
  auto policy = state_->GetPolicy();
  policy->settings["DevicePasswordEnabled"] = "1";
  ASSERT_TRUE(state_->SetPolicy(*policy).ok());
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).Text("Status"), "143");
  ASSERT_FALSE(Provision(phone).empty());
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).Text("Status"), "1");
}

TEST_F(AsProv, SettingsIsAllowedBeforeProvision) {
  Verifies({"MS-ASPROV 3.2.5.1"});
  Phone nokia;
  nokia.device_type = "NokiaE51";
  nokia.version = "12.1";
  Reply r = Post(nokia, "Settings",
                 "<Settings xmlns=\"Settings:\"><UserInformation><Get/></UserInformation></Settings>");
  EXPECT_EQ(r.status(), 200);
  EXPECT_EQ(r.Text("Status"), "1");
}

TEST_F(AsProv, NoPolicyRequiredLetsDevicesInAndSaysSo) {
  Verifies({"MS-ASPROV_R509", "MS-ASPROV 2.2.2.53.2 (Policy Status 2)"});
  state::Policy policy = commands::DefaultPolicy();
  policy.required = false;
  ASSERT_TRUE(state_->SetPolicy(policy).ok());
  Phone phone;
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).Text("Status"), "1");
  EXPECT_EQ(Phase1(phone).Text("Policies/Policy/Status"), "2");
}

TEST_F(AsProv, ExemptDeviceTypeNeedsNoPolicyKey) {
  Verifies({"MS-ASPROV_R509"});
  state::Policy policy = commands::DefaultPolicy();
  policy.exempt_device_types = {"htcbravo"};
  ASSERT_TRUE(state_->SetPolicy(policy).ok());
  Phone htc;
  htc.device_type = "htcbravo";
  htc.version = "12.0";
  EXPECT_EQ(Post(htc, "FolderSync", kFolderSync0).status(), 200);
  Phone other;
  other.version = "12.0";
  EXPECT_EQ(Post(other, "FolderSync", kFolderSync0).status(), 449);
}

TEST_F(AsProv, RemoteWipeIsSentAndItsAcknowledgementRecorded) {
  Verifies({"MS-ASPROV_R653", "MS-ASPROV 3.2.5.1.2.1"});
  Phone phone;
  ASSERT_FALSE(Provision(phone).empty());
  ASSERT_TRUE(state_->SetWipe("ox.io/miguel", phone.device_id, state::WipeStatus::kRequested).ok());
  // Any gated command now says a wipe is pending (140 from 14.0, 449 before).
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).Text("Status"), "140");
  Reply wipe = Phase1(phone);
  EXPECT_EQ(wipe.Text("Status"), "1");
  EXPECT_TRUE(wipe.Has("RemoteWipe")) << wipe.xml;
  EXPECT_FALSE(wipe.Has("Policies"));
  Reply ack = Post(phone, "Provision",
                   "<Provision xmlns=\"Provision:\"><RemoteWipe><Status>1</Status></RemoteWipe>"
                   "</Provision>");
  EXPECT_EQ(ack.Text("Status"), "1");
  auto device = state_->Find("ox.io/miguel", phone.device_id);
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->wipe, state::WipeStatus::kAcknowledged);
}

TEST_F(AsProv, AccountOnlyRemoteWipeIsSentAt161AndItsAcknowledgementRecorded) {
  Verifies({"MS-ASPROV 2.2.2.1", "MS-ASPROV 3.1.5.1.2.3"});
  Phone phone;
  phone.version = "16.1";
  ASSERT_FALSE(Provision(phone).empty());
  ASSERT_TRUE(state_->SetWipe("ox.io/miguel", phone.device_id, state::WipeStatus::kAccountOnlyRequested).ok());
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).Text("Status"), "140");
  Reply wipe = Phase1(phone);
  EXPECT_EQ(wipe.Text("Status"), "1");
  EXPECT_TRUE(wipe.Has("AccountOnlyRemoteWipe")) << wipe.xml;
  EXPECT_FALSE(wipe.Has("RemoteWipe")) << wipe.xml;
  EXPECT_FALSE(wipe.Has("Policies"));
  // A full wipe's acknowledgement does not answer an account-only wipe.
  Reply wrong = Post(phone, "Provision",
                     "<Provision xmlns=\"Provision:\"><RemoteWipe><Status>1</Status></RemoteWipe></Provision>");
  EXPECT_TRUE(wrong.Has("AccountOnlyRemoteWipe")) << wrong.xml;
  Reply ack = Post(phone, "Provision",
                   "<Provision xmlns=\"Provision:\"><AccountOnlyRemoteWipe><Status>1</Status>"
                   "</AccountOnlyRemoteWipe></Provision>");
  EXPECT_EQ(ack.Text("Status"), "1");
  EXPECT_FALSE(ack.Has("AccountOnlyRemoteWipe")) << ack.xml;
  auto device = state_->Find("ox.io/miguel", phone.device_id);
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->wipe, state::WipeStatus::kAccountOnlyAcknowledged);
}

TEST_F(AsProv, AccountOnlyRemoteWipeIsNotSentBelow161) {
  // The element exists only in 16.1 (MS-ASPROV 2.2.2.1): a device that
  // speaks 14.1 is not refused for it nor sent it.
  Verifies({"MS-ASPROV 2.2.2.1"});
  Phone phone;
  phone.version = "14.1";
  ASSERT_FALSE(Provision(phone).empty());
  ASSERT_TRUE(state_->SetWipe("ox.io/miguel", phone.device_id, state::WipeStatus::kAccountOnlyRequested).ok());
  EXPECT_EQ(Post(phone, "FolderSync", kFolderSync0).Text("Status"), "1");
  EXPECT_FALSE(Phase1(phone).Has("AccountOnlyRemoteWipe"));
}

TEST_F(AsProv, DeviceInformationInsideProvisionIsRecorded) {
  Verifies({"MS-ASPROV 2.2.2.52 (DeviceInformation, 14.1)"});
  Phone phone;
  Reply r = Phase1(phone, "MS-EAS-Provisioning-WBXML",
                   "<settings:DeviceInformation><settings:Set><settings:Model>iPhone</settings:Model>"
                   "<settings:OS>iOS 4.2</settings:OS></settings:Set></settings:DeviceInformation>");
  EXPECT_EQ(r.Text("settings:DeviceInformation/settings:Status"), "1") << r.xml;
  auto device = state_->Find("ox.io/miguel", phone.device_id);
  ASSERT_TRUE(device.ok() && device->has_value());
  EXPECT_EQ((*device)->info.model, "iPhone");
  EXPECT_EQ((*device)->info.os, "iOS 4.2");
}

}  // namespace
}  // namespace eas::conformance
