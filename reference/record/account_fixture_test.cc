#include "reference/record/account_fixture.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "reference/server/demo.h"
#include "reference/testing/temp_files.h"

namespace eas::record {
namespace {

std::string TempDb(const std::string& name) { return eas::testing::FreshTempPath(name + ".db"); }

// folder id -> the subjects (mail) or the number of its items, as text.
std::map<std::string, std::string> Contents(backend::SqliteStore& store, const backend::Account& a) {
  std::map<std::string, std::string> out;
  auto folders = store.ListFolders(a);
  EXPECT_TRUE(folders.ok());
  for (const auto& f : *folders) {
    auto items = store.ChangesSince(a, f.server_id, 0);
    EXPECT_TRUE(items.ok());
    std::string& text = out[f.server_id + " " + f.parent_id + " " + f.display_name + " " + std::to_string(f.type)];
    for (const auto& item : *items) {
      if (item.deleted) continue;
      const size_t s = item.data.find("<email:Subject>");
      const size_t r = item.data.find("<email:DateReceived>");
      text += item.item_class + (s == std::string::npos ? "" : item.data.substr(s, 60)) +
              (r == std::string::npos ? "" : item.data.substr(r, 44)) +
              (absl::StrContains(item.data, "<email:Read>1") ? " read" : "") + ";";
    }
  }
  return out;
}

TEST(AccountFixture, AnExportedAccountImportsAsTheSameFoldersAndItems) {
  auto demo = backend::SqliteStore::Open(TempDb("fixture-demo"));
  ASSERT_TRUE(demo.ok());
  ASSERT_TRUE(server::SeedDemo(**demo).ok());
  auto miguel = (*demo)->FindUser("ox.io", "miguel");
  ASSERT_TRUE(miguel.ok());
  auto fixture = ExportAccount(**demo, *miguel);
  ASSERT_TRUE(fixture.ok()) << fixture.status();
  EXPECT_FALSE(fixture->contains("partial"));
  ASSERT_EQ((*fixture)["users"].size(), 1u);
  EXPECT_EQ((*fixture)["users"][0]["password"], kFixturePassword);
  EXPECT_FALSE((*fixture)["mail"].empty());
  EXPECT_FALSE((*fixture)["contacts"].empty());
  EXPECT_FALSE((*fixture)["calendar"].empty());

  auto fresh = backend::SqliteStore::Open(TempDb("fixture-fresh"));
  ASSERT_TRUE(fresh.ok());
  ASSERT_TRUE(ImportFixture(**fresh, *fixture).ok());
  auto imported = (*fresh)->Authenticate("ox.io", "miguel", kFixturePassword);
  ASSERT_TRUE(imported.ok()) << imported.status();
  auto want = Contents(**demo, *miguel), got = Contents(**fresh, *imported);
  // The user folders of the fixture keep OX's ids: compare by the rest.
  auto shape = [](const std::map<std::string, std::string>& m) {
    std::multimap<std::string, std::string> out;
    for (const auto& [k, v] : m) out.emplace(k.substr(k.find(' ')), v);
    return out;
  };
  EXPECT_EQ(want.size(), got.size());
  for (const auto& [k, v] : want) {
    if (absl::StartsWith(k, "inbox ") || absl::StartsWith(k, "calendar ") || absl::StartsWith(k, "contacts ")) {
      EXPECT_EQ(got[k], v) << k;  // default folders keep their ids
    }
  }
  auto sub = [](std::multimap<std::string, std::string> m) {
    for (auto it = m.begin(); it != m.end();) it = it->first.find(" 0 ") == 0 ? m.erase(it) : std::next(it);
    return m.size();
  };
  EXPECT_EQ(sub(shape(want)), sub(shape(got)));
  // A second import of the same account is refused, not merged.
  EXPECT_EQ(ImportFixture(**fresh, *fixture).code(), absl::StatusCode::kAlreadyExists);
}

TEST(AccountFixture, ExportStopsAtItsLimitAndSaysSo) {
  auto demo = backend::SqliteStore::Open(TempDb("fixture-limit"));
  ASSERT_TRUE(demo.ok());
  ASSERT_TRUE(server::SeedDemo(**demo).ok());
  auto miguel = (*demo)->FindUser("ox.io", "miguel");
  ASSERT_TRUE(miguel.ok());
  auto fixture = ExportAccount(**demo, *miguel, {.max_items = 2, .max_bytes = 1 << 20});
  ASSERT_TRUE(fixture.ok());
  EXPECT_TRUE(fixture->value("partial", false));
  const size_t items = (*fixture)["mail"].size() + (*fixture)["contacts"].size() + (*fixture)["calendar"].size() +
                       (*fixture)["tasks"].size();
  EXPECT_EQ(items, 2u);
}

TEST(AccountFixture, ImportRefusesAnItemOfAFolderItDoesNotHave) {
  auto store = backend::SqliteStore::Open(TempDb("fixture-bad"));
  ASSERT_TRUE(store.ok());
  nlohmann::json fixture = {
      {"users", {{{"context", "ox.io"}, {"login", "eve"}, {"email", "eve@ox.io"}}}},
      {"folders", nlohmann::json::array()},
      {"contacts", {{{"owner", "eve"}, {"folder_id", "../../etc"}, {"display_name", "X"}}}}};
  EXPECT_EQ(ImportFixture(**store, fixture).code(), absl::StatusCode::kInvalidArgument);
}

TEST(AccountFixture, ThePolicyTravelsAsTextAndComesBackTheSame) {
  state::Policy policy;
  policy.required = false;
  policy.settings = {{"DevicePasswordEnabled", "1"}, {"MinDevicePasswordLength", "6"}};
  policy.exempt_device_types = {"htcbravo"};
  // Through text, as in a state file.
  auto back = PolicyFromFixture(nlohmann::json::parse(PolicyToFixture(policy).dump()));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->required);
  EXPECT_EQ(back->settings, policy.settings);
  EXPECT_EQ(back->exempt_device_types, policy.exempt_device_types);
  EXPECT_EQ(PolicyFromFixture(nlohmann::json::array()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PolicyFromFixture({{"settings", {{"DevicePasswordEnabled", 1}}}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(PolicyFromFixture({{"exempt_device_types", "htcbravo"}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace eas::record
