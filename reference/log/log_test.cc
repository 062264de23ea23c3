#include "reference/log/log.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace eas::log {
namespace {

TEST(Format, PlainValuesBareOthersQuotedAndNoClientCanForgeALine) {
  EXPECT_EQ(Format(Kind::kAccess, {{"cmd", "Sync"}, {"http", 200}, {"ms", 1.25}}), "access cmd=Sync http=200 ms=1.2");
  EXPECT_EQ(Format(Kind::kSecurity, {{"device", "a b\"c"}}), "security device=\"a b\\\"c\"");
  // A DeviceId with a line break cannot start a line of its own.
  const std::string forged = Format(Kind::kAccess, {{"device", "x\r\n2026-01-01T00:00:00Z security event=fake"}});
  EXPECT_EQ(forged.find('\n'), std::string::npos);
  EXPECT_EQ(forged.find('\r'), std::string::npos);
  // Long values are cut.
  EXPECT_LT(Format(Kind::kAccess, {{"device", std::string(100000, 'A')}}).size(), 300u);
  EXPECT_EQ(Format(Kind::kInfo, {{"empty", ""}}), "info empty=\"\"");
}

TEST(Lines, ErrorsCarryTheStatusCodeAndText) {
  std::vector<std::string> lines;
  SetSinkForTest([&](Kind, const std::string& line) { lines.push_back(line); });
  Error("Sync: saving the collection snapshot", absl::UnavailableError("sqlite: disk full"), {{"device", "d1"}});
  Security("login-failed", {{"account", "ox.io/miguel"}});
  SetSinkForTest(nullptr);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" error where=\"Sync: saving the collection snapshot\" code=UNAVAILABLE "
                          "status=\"sqlite: disk full\" device=d1\n"),
            std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(" security event=login-failed account=ox.io/miguel\n"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[0][4], '-') << "starts with the date: " << lines[0];
}

TEST(Files, AccessAndErrorLinesGoToTheirFilesAndReopenFollowsARotation) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string access = std::string(dir ? dir : "/tmp") + "/access.log";
  const std::string errors = std::string(dir ? dir : "/tmp") + "/error.log";
  std::remove(access.c_str());
  std::remove(errors.c_str());
  ASSERT_TRUE(SetAccessLog(access).ok());
  ASSERT_TRUE(SetErrorLog(errors).ok());
  Access({{"cmd", "Ping"}});
  Info("started");
  ASSERT_EQ(std::rename(access.c_str(), (access + ".1").c_str()), 0);  // logrotate
  Reopen();
  Access({{"cmd", "Sync"}});
  ASSERT_TRUE(SetAccessLog("").ok());
  ASSERT_TRUE(SetErrorLog("").ok());
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  EXPECT_NE(read(access + ".1").find("access cmd=Ping"), std::string::npos);
  EXPECT_NE(read(access).find("access cmd=Sync"), std::string::npos);
  EXPECT_EQ(read(access).find("cmd=Ping"), std::string::npos);
  EXPECT_NE(read(errors).find("info message=started"), std::string::npos);
  EXPECT_FALSE(SetAccessLog("/nonexistent-dir/x.log").ok());
}

}  // namespace
}  // namespace eas::log
