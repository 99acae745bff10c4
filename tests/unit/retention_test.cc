// Retention with a fake clock: data past its declared retention is deleted
// by the sweep (read back from the store), and the privacy audit report shows
// the violations before and none after.
#include <gtest/gtest.h>

#include "profile/keys.h"
#include "testing/collect_fixture.h"
#include "testing/secure_stack.h"

namespace shinrai {
namespace {

using testing::SecureStack;
using testing::TempDir;

constexpr int64_t kDay = int64_t{86400} * 1'000'000;

std::vector<std::string> StoredEventNames(SecureStack& s) {
  std::vector<std::string> names;
  store::ScanOptions so;
  so.prefix = "ev/";
  EXPECT_TRUE(s.store().Scan(so, [&](auto, std::string_view v) {
    auto e = profile::DecodeEvent(v);
    names.push_back(e->type == profile::CallType::kTrack ? e->name : std::string(profile::CallTypeName(e->type)));
    return true;
  }).ok());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(Retention, DataPastItsRetentionIsDeletedAndTheReportShowsZeroViolations) {
  TempDir dir;
  SecureStack s(dir.path());
  ASSERT_TRUE(s.Identify(R"({"userId":"r-1","traits":{"first_name":"Rhea","city":"Leeds"},"context":{"channel":"web"}})").ok());
  ASSERT_TRUE(s.Track(R"({"userId":"r-1","event":"Products Searched","properties":{"query":"rain boots"}})").ok());
  ASSERT_TRUE(s.Track(R"({"userId":"r-1","event":"Order Completed","properties":{"order_id":"o-1","total":5}})").ok());
  ASSERT_TRUE(s.Send(profile::CallType::kPage, R"({"userId":"r-1","name":"Home"})").ok());
  ASSERT_EQ(StoredEventNames(s), (std::vector<std::string>{"Order Completed", "Products Searched", "identify", "page"}));

  auto report = s.Report();
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ((*report)["retention"]["violations"], 0);

  // 100 days on: searches (kept 90 days) are overdue.
  s.env().Advance(100 * kDay);
  report = s.Report();
  EXPECT_EQ((*report)["retention"]["events_past_retention"], 1);
  auto swept = s.retention().Sweep(/*dry_run=*/false);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(swept->events_overdue, 1);
  EXPECT_EQ(StoredEventNames(s), (std::vector<std::string>{"Order Completed", "identify", "page"}));
  report = s.Report();
  EXPECT_EQ((*report)["retention"]["violations"], 0);

  // Two years on: page views (1 year) go; the order (7 years, tax law) stays.
  s.env().Advance(730 * kDay);
  ASSERT_TRUE(s.retention().Sweep(false).ok());
  EXPECT_EQ(StoredEventNames(s), (std::vector<std::string>{"Order Completed", "identify"}));

  // Past three years without activity the traits (3 years) and the identify call go too.
  s.env().Advance(400 * kDay);
  swept = s.retention().Sweep(false);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->traits_overdue, 2);
  EXPECT_EQ(StoredEventNames(s), (std::vector<std::string>{"Order Completed"}));
  auto left = s.rights().Export("r-1");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE((*left)["traits"].empty()) << (*left)["traits"].dump();

  report = s.Report();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ((*report)["retention"]["violations"], 0);
  EXPECT_TRUE((*report)["audit_chain"]["holds"].get<bool>());
  EXPECT_GE((*report)["audit_chain"]["actions"]["retention.sweep"].get<int>(), 3);
  EXPECT_EQ((*report)["people"], 1);
  EXPECT_NE(service::RenderPrivacyReportHtml(*report).find("0 violations"), std::string::npos);
}

TEST(Retention, TheReportCountsConsentRightsRequestsAndReads) {
  TempDir dir;
  SecureStack s(dir.path());
  ASSERT_TRUE(s.Identify(R"({"userId":"c-1","context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true}}}})").ok());
  ASSERT_TRUE(s.Identify(R"({"userId":"c-2","context":{"channel":"web"}})").ok());
  ASSERT_TRUE(s.Request({{"type", "access"}, {"subject", "c-1"}}).ok());
  ASSERT_TRUE(s.profiles().Get(s.Admin(), "c-2").ok());
  for (const char* sha : {"aaa", "aaa", "bbb"}) {
    ASSERT_TRUE(s.audit().Append({"config.load", {"", "shinrai serve", "system"}, "", {}, "",
                                  {{"file", "shinrai.yaml"}, {"sha256", sha}}}).ok());
  }
  auto report = s.Report();
  ASSERT_TRUE(report.ok());
  EXPECT_EQ((*report)["people"], 2);
  EXPECT_DOUBLE_EQ((*report)["consent_coverage"]["personalization"]["web"]["share"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ((*report)["consent_coverage"]["service"]["web"]["share"].get<double>(), 1.0);
  EXPECT_EQ((*report)["rights_requests"]["total"], 1);
  EXPECT_TRUE((*report)["rights_requests"]["requests"][0]["on_time"].get<bool>());
  bool admin_read = false;
  for (const auto& r : (*report)["personal_data_reads"])
    admin_read = admin_read || (r["role"] == "admin" && r["action"] == "profile.read" && r["count"] == 1);
  EXPECT_TRUE(admin_read) << (*report)["personal_data_reads"].dump();
  ASSERT_EQ((*report)["configuration_changes"].size(), 1u);
  EXPECT_EQ((*report)["configuration_changes"][0]["to_sha256"], "bbb");
}

}  // namespace
}  // namespace shinrai
