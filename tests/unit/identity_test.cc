// Identity resolution through the collection pipeline, as a client sees it.
#include <gtest/gtest.h>

#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"

namespace shinrai {
namespace {

using testing::CollectFixture;
using testing::ExampleConfig;

std::string Page(const std::string& anon, const std::string& msg) {
  return R"({"anonymousId":")" + anon + R"(","messageId":")" + msg + R"(","name":"Home","properties":{"path":"/"}})";
}

TEST(Identity, AnonymousBrowsingThenLoginMergesTheHistory) {
  CollectFixture f(ExampleConfig());
  // Browse anonymously on two devices, then log in on each.
  ASSERT_OK(f.Send(profile::CallType::kPage, Page("laptop-1", "m1")));
  ASSERT_OK(f.Track(R"({"anonymousId":"laptop-1","messageId":"m2","event":"Product Viewed","properties":{"product_id":"sku-1"}})"));
  ASSERT_OK(f.Send(profile::CallType::kScreen, R"({"anonymousId":"phone-1","messageId":"m3","name":"Home"})"));
  auto anon = f.Find("laptop-1");
  ASSERT_OK(anon);
  EXPECT_TRUE(anon->user_id.empty());

  ASSERT_OK(f.Identify(R"({"anonymousId":"laptop-1","userId":"ada","messageId":"m4","traits":{"email":" Ada@Example.com "}})"));
  ASSERT_OK(f.Identify(R"({"anonymousId":"phone-1","userId":"ada","messageId":"m5"})"));

  auto view = f.View("ada");
  ASSERT_OK(view);
  EXPECT_EQ(view->profile.user_id, "ada");
  EXPECT_THAT(view->profile.anonymous_ids, ::testing::UnorderedElementsAre("laptop-1", "phone-1"));
  EXPECT_EQ(view->profile.emails, std::vector<std::string>{"ada@example.com"});
  EXPECT_EQ(view->recent_events.size(), 5u);  // both devices' history, in one person
  // Every lookup leads to the same person.
  EXPECT_EQ(f.Find("phone-1")->id, view->profile.id);
  EXPECT_EQ(f.Find("email:ADA@example.com")->id, view->profile.id);
  // The phone's separate profile was merged, and that is recorded.
  ASSERT_EQ(view->merges.size(), 1u);
  EXPECT_EQ(view->merges[0].trigger, "anonymous_id");
  EXPECT_EQ(view->merges[0].into, view->profile.id);
  EXPECT_TRUE(view->merges[0].refused.empty());
}

TEST(Identity, TwoDifferentUserIdsNeverMerge) {
  CollectFixture f(ExampleConfig());
  // A shared family laptop: two people log in on it, and they share an e-mail.
  ASSERT_OK(f.Identify(R"({"anonymousId":"family-pc","userId":"alice","messageId":"a1","traits":{"email":"home@example.com"}})"));
  ASSERT_OK(f.Identify(R"({"anonymousId":"family-pc","userId":"bob","messageId":"b1","traits":{"email":"home@example.com"}})"));
  ASSERT_OK(f.Send(profile::CallType::kAlias, R"({"previousId":"alice","userId":"bob","messageId":"b2"})"));
  auto alice = f.Find("alice");
  auto bob = f.Find("bob");
  ASSERT_OK(alice);
  ASSERT_OK(bob);
  EXPECT_NE(alice->id, bob->id);
  EXPECT_EQ(alice->user_id, "alice");
  EXPECT_EQ(bob->user_id, "bob");
  EXPECT_TRUE(bob->anonymous_ids.empty());  // the device stays with its first person
  auto view = f.View("bob");
  ASSERT_OK(view);
  ASSERT_GE(view->merges.size(), 2u);
  for (const auto& m : view->merges) EXPECT_EQ(m.refused, "user_id_conflict");
}

TEST(Identity, AnonymousIdLimitStopsRunawayMerges) {
  schema::Config cfg = ExampleConfig();
  cfg.declaration.identity.max_anonymous_ids = 3;
  CollectFixture f(std::move(cfg));
  for (int i = 0; i < 5; ++i) {
    const std::string d = "dev-" + std::to_string(i);
    ASSERT_OK(f.Send(profile::CallType::kPage, Page(d, "p" + std::to_string(i))));
    ASSERT_OK(f.Identify(R"({"anonymousId":")" + d + R"(","userId":"carol","messageId":"i)" + std::to_string(i) + "\"}"));
  }
  auto view = f.View("carol");
  ASSERT_OK(view);
  EXPECT_EQ(view->profile.anonymous_ids.size(), 3u);
  int refused = 0;
  for (const auto& m : view->merges) refused += m.refused == "anonymous_id_limit";
  EXPECT_EQ(refused, 2);
  // The devices over the limit keep their own anonymous history.
  EXPECT_NE(f.Find("dev-4")->id, view->profile.id);
}

TEST(Identity, AliasMergesAnEarlierAnonymousProfileExplicitly) {
  CollectFixture f(ExampleConfig());
  ASSERT_OK(f.Send(profile::CallType::kPage, Page("cookie-9", "p1")));
  ASSERT_OK(f.Identify(R"({"userId":"dave","messageId":"i1"})"));
  ASSERT_OK(f.Send(profile::CallType::kAlias, R"({"previousId":"cookie-9","userId":"dave","messageId":"a1"})"));
  auto dave = f.View("dave");
  ASSERT_OK(dave);
  EXPECT_EQ(f.Find("cookie-9")->id, dave->profile.id);
  ASSERT_EQ(dave->merges.size(), 1u);
  EXPECT_TRUE(dave->merges[0].refused.empty());
}

TEST(Identity, ASharedEmailLinksAnonymousProfileToThePerson) {
  CollectFixture f(ExampleConfig());
  ASSERT_OK(f.Identify(R"({"userId":"erin","messageId":"i1","traits":{"email":"erin@example.com"}})"));
  // A newsletter sign-up form on another device knows only the e-mail.
  ASSERT_OK(f.Identify(R"({"anonymousId":"tablet","messageId":"i2","traits":{"email":"ERIN@example.com"}})"));
  EXPECT_EQ(f.Find("tablet")->id, f.Find("erin")->id);
}

TEST(Identity, PhoneNumbersWrittenDifferentlyAreOneIdentity) {
  CollectFixture f(ExampleConfig());
  ASSERT_OK(f.Identify(R"({"userId":"fay","messageId":"i1","traits":{"phone":"07700 900123"}})"));
  auto p = f.Find("phone:+44 7700 900 123");
  ASSERT_OK(p);
  EXPECT_EQ(p->user_id, "fay");
  EXPECT_EQ(p->phones, std::vector<std::string>{"+447700900123"});
}

}  // namespace
}  // namespace shinrai
