// LoginGuard: lockouts double past the free failures, and one account's
// password checks run one at a time unless they check the same password.
#include "reference/http/login_guard.h"

#include "gtest/gtest.h"

namespace eas::http {
namespace {

const LockoutPolicy kPolicy = {3, absl::Seconds(1), absl::Seconds(30),
                               absl::Minutes(15)};
const absl::Time kNow = absl::FromUnixSeconds(1700000000);

TEST(LoginGuardTest, LockoutsStartAfterTheFreeFailuresAndDouble) {
  LoginGuard guard;
  const std::string key = LoginGuard::Key("account", "ox.io/ana");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(guard.Failed(key, kNow, kPolicy), absl::ZeroDuration());
  EXPECT_EQ(guard.LockedFor(key, kNow), absl::ZeroDuration());
  EXPECT_EQ(guard.Failed(key, kNow, kPolicy), absl::Seconds(1));
  EXPECT_EQ(guard.Failed(key, kNow, kPolicy), absl::Seconds(2));
  EXPECT_EQ(guard.LockedFor(key, kNow + absl::Seconds(1)), absl::Seconds(1));
  EXPECT_EQ(guard.LockedFor(key, kNow + absl::Seconds(2)),
            absl::ZeroDuration());
  guard.Succeeded(key);
  EXPECT_EQ(guard.Failed(key, kNow, kPolicy), absl::ZeroDuration());
}

TEST(LoginGuardTest, ParallelChecksOfDifferentPasswordsAreRefusedFromTheFirst) {
  LoginGuard guard;
  const std::string key = LoginGuard::Key("account", "ox.io/ana");
  ASSERT_TRUE(guard.BeginCheck(key, "guess-1", kNow));
  EXPECT_FALSE(guard.BeginCheck(key, "guess-2", kNow));
  // Another account is not held up.
  const std::string other = LoginGuard::Key("account", "ox.io/miguel");
  ASSERT_TRUE(guard.BeginCheck(other, "guess-2", kNow));
  guard.EndCheck(other);
  guard.Failed(key, kNow, kPolicy);
  guard.EndCheck(key);
  EXPECT_TRUE(guard.BeginCheck(key, "guess-2", kNow));
  guard.EndCheck(key);
}

TEST(LoginGuardTest,
     APhonesParallelRequestsWithOnePasswordAreCheckedSideBySide) {
  LoginGuard guard;
  const std::string key = LoginGuard::Key("account", "ox.io/ana");
  ASSERT_TRUE(guard.BeginCheck(key, "right", kNow));
  EXPECT_TRUE(guard.BeginCheck(key, "right", kNow));
  guard.Succeeded(key);
  guard.EndCheck(key);
  guard.EndCheck(key);
  EXPECT_EQ(guard.size(), 0u); // a success leaves nothing behind
}

TEST(LoginGuardTest, OnceAnAccountHasFailedEvenTheSamePasswordWaitsItsTurn) {
  LoginGuard guard;
  const std::string key = LoginGuard::Key("account", "ox.io/ana");
  guard.Failed(key, kNow, kPolicy);
  ASSERT_TRUE(guard.BeginCheck(key, "right", kNow));
  EXPECT_FALSE(guard.BeginCheck(key, "right", kNow));
  guard.EndCheck(key);
  EXPECT_TRUE(guard.BeginCheck(key, "right", kNow));
  guard.EndCheck(key);
}

TEST(LoginGuardTest, ACheckWithoutFailuresLeavesNoEntry) {
  LoginGuard guard;
  const std::string key = LoginGuard::Key("account", "ox.io/ana");
  ASSERT_TRUE(guard.BeginCheck(key, "x", kNow));
  EXPECT_EQ(guard.size(), 1u);
  guard.EndCheck(key);
  EXPECT_EQ(guard.size(), 0u);
}

TEST(LoginGuardTest, EntriesAreBounded) {
  LoginGuard guard(/*max_entries=*/8);
  for (int i = 0; i < 100; ++i) {
    guard.Failed(LoginGuard::Key("peer", std::to_string(i)),
                 kNow + absl::Seconds(i), kPolicy);
  }
  EXPECT_LE(guard.size(), 8u);
}

} // namespace
} // namespace eas::http
