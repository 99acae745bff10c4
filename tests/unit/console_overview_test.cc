// Issue 18, item 5 (its figures): the operator console's overview, day by
// day from the consent ledger and the events, and only what each role may read.
#include <gtest/gtest.h>

#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"
#include "transparency/console_overview.h"

namespace shinrai {
namespace {

using ::testing::HasSubstr;
using testing::CollectFixture;
using testing::StatusIs;

constexpr int64_t kDayMicros = int64_t{86'400} * 1'000'000;

std::string Visit(const std::string& user, bool personalization) {
  return nlohmann::json{{"userId", user},
                        {"type", "page"},
                        {"context",
                         {{"channel", "web"},
                          {"consent", {{"categoryPreferences", {{"Personalization", personalization}}}}}}}}
      .dump();
}

TEST(ConsoleOverview, ConsentCoverageAndVolumeDayByDay) {
  CollectFixture f(testing::ExampleConfig());
  const service::ConsoleDeps deps{f.services().report, &f.services().recs};
  const service::Principal admin{service::Role::kAdmin, "admin", "a"};
  ASSERT_OK(f.Send(profile::CallType::kPage, Visit("ann", true)));   // day 1: ann allows it
  f.env().Advance(kDayMicros);
  ASSERT_OK(f.Send(profile::CallType::kPage, Visit("bob", false)));  // day 2: bob does not
  f.env().Advance(kDayMicros);
  ASSERT_OK(f.Send(profile::CallType::kPage, Visit("ann", false)));  // day 3: ann changes her mind

  auto o = service::ConsoleOverview(admin, deps, 4);
  ASSERT_OK(o);
  const nlohmann::json& consent = (*o)["consent"];
  EXPECT_EQ(consent["days"].size(), 4u);
  EXPECT_EQ(consent["people"], nlohmann::json({0, 1, 2, 2}));
  EXPECT_EQ(consent["share"]["personalization"]["web"], nlohmann::json({nullptr, 1.0, 0.5, 0.0}));
  EXPECT_EQ(consent["share"]["personalization"]["email"], nlohmann::json({nullptr, 0.0, 0.0, 0.0}))
      << "the web banner's answer is for the web";
  EXPECT_EQ((*o)["collection"]["events"]["web"], nlohmann::json({0, 1, 1, 1}));
  EXPECT_EQ((*o)["collection"]["accepted"], 3);
  EXPECT_FALSE((*o)["collection"]["dropped"].contains("accepted_events"));
  EXPECT_EQ((*o)["audit_chain"]["holds"], true);
  EXPECT_TRUE((*o)["rights"].contains("requests"));
  EXPECT_TRUE((*o)["recommendations"].contains("groups"));
  EXPECT_TRUE((*o)["hidden"].empty());

  EXPECT_THAT(service::ConsoleOverview(admin, deps, 0), StatusIs(Code::kInvalidArgument, HasSubstr("days")));
  EXPECT_THAT(service::ConsoleOverview(admin, deps, 367), StatusIs(Code::kInvalidArgument, HasSubstr("days")));
}

TEST(ConsoleOverview, EachRoleSeesOnlyWhatItMayRead) {
  CollectFixture f(testing::ExampleConfig());
  const service::ConsoleDeps deps{f.services().report, &f.services().recs};
  auto analyst = service::ConsoleOverview({service::Role::kAnalyst, "analyst", "n"}, deps, 7);
  ASSERT_OK(analyst);
  EXPECT_TRUE(analyst->contains("recommendations"));
  for (const char* section : {"consent", "collection", "rights", "audit_chain"}) {
    EXPECT_FALSE(analyst->contains(section)) << section;
    EXPECT_THAT((*analyst)["hidden"][section].get<std::string>(), HasSubstr("analyst")) << section;
  }
  auto officer = service::ConsoleOverview({service::Role::kPrivacyOfficer, "dpo", "o"}, deps, 7);
  ASSERT_OK(officer);
  EXPECT_TRUE(officer->contains("consent") && officer->contains("rights"));
  EXPECT_FALSE(officer->contains("recommendations"));
  for (auto role : {service::Role::kWriteKey, service::Role::kAgent, service::Role::kService})
    EXPECT_THAT(service::ConsoleOverview({role, "k", "k"}, deps, 7), StatusIs(Code::kPermissionDenied));
}

}  // namespace
}  // namespace shinrai
