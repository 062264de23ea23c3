// MS-ASHTTP 2.2.1.1.2.1 (Authorization) and the login forms of the OXtender
// manual: every form reaches the same account; nothing else does.
#include "reference/http/credentials.h"

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace eas::http {
namespace {

std::string Basic(const std::string& user_password) {
  return "Basic " + absl::Base64Escape(user_password);
}

TEST(Credentials, ParsesBasic) {
  auto c = ParseBasicAuthorization(Basic("ox.io\\miguel:s3:cr:et"));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->username, "ox.io\\miguel");
  EXPECT_EQ(c->password, "s3:cr:et");
  EXPECT_TRUE(ParseBasicAuthorization("basic " + absl::Base64Escape("a:b")).has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Bearer abc").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic !!!").has_value());
  EXPECT_FALSE(ParseBasicAuthorization(Basic("nocolon")).has_value());
}

TEST(Credentials, EveryManualFormReachesTheSameAccount) {
  const AccountName miguel{"ox.io", "miguel"};
  EXPECT_EQ(*ResolveAccountName("ox.io\\miguel"), miguel);
  EXPECT_EQ(*ResolveAccountName("miguel@ox.io"), miguel);
  EXPECT_EQ(*ResolveAccountName("ox.io\\miguel@ox.io"), miguel);
  const AccountName juan{kDefaultContext, "juan"};
  EXPECT_EQ(*ResolveAccountName("juan"), juan);
  EXPECT_EQ(*ResolveAccountName("\\juan"), juan);
  EXPECT_EQ(*ResolveAccountName(" \\juan"), juan);  // Nokia: a single space
  EXPECT_EQ(*ResolveAccountName("defaultcontext\\juan"), juan);
}

TEST(Credentials, CaseSensitiveAndStrict) {
  EXPECT_FALSE(*ResolveAccountName("Miguel@ox.io") == (AccountName{"ox.io", "miguel"}));
  EXPECT_FALSE(ResolveAccountName("").has_value());
  EXPECT_FALSE(ResolveAccountName("ox.io\\").has_value());
  EXPECT_FALSE(ResolveAccountName("miguel@").has_value());
  EXPECT_FALSE(ResolveAccountName("a.io\\miguel@b.io").has_value());
}

TEST(Credentials, QueryUserMustNameTheAuthenticatedAccount) {
  const AccountName miguel = *ResolveAccountName("ox.io\\miguel");
  EXPECT_TRUE(QueryUserMatches("miguel", miguel));
  EXPECT_TRUE(QueryUserMatches("ox.io\\miguel", miguel));
  EXPECT_TRUE(QueryUserMatches("miguel@ox.io", miguel));
  EXPECT_TRUE(QueryUserMatches("", miguel));
  EXPECT_FALSE(QueryUserMatches("ana", miguel));
  EXPECT_FALSE(QueryUserMatches("other.io\\miguel", miguel));
}

}  // namespace
}  // namespace eas::http
