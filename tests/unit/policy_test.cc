// The consent ledger and the policy function.
#include <gtest/gtest.h>

#include <random>

#include "consent/ledger.h"
#include "consent/policy.h"
#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"

namespace shinrai {
namespace {

using consent::ConsentRecord;
using consent::ConsentStatus;

ConsentRecord Rec(std::string purpose, std::string channel, ConsentStatus s, int64_t at) {
  ConsentRecord r;
  r.subject = "p1";
  r.purpose = std::move(purpose);
  r.channel = std::move(channel);
  r.status = s;
  r.source = "web_banner";
  r.notice_version = "2026-01";
  r.at_ms = at;
  return r;
}

class Policy : public ::testing::Test {
 protected:
  schema::Config config_ = testing::ExampleConfig();
  const schema::Declaration& d() { return config_.declaration; }
};

TEST_F(Policy, DefaultsDenyEveryConsentBasedPurpose) {
  consent::ConsentState none;
  for (const auto& [id, purpose] : d().purposes) {
    const auto decision = policy::Decide(d(), none, {id, "web", "*", ""});
    if (purpose.legal_basis == schema::LegalBasis::kConsent) {
      EXPECT_FALSE(decision.allowed) << id;
      EXPECT_EQ(decision.reason, "no_consent");
    } else {
      EXPECT_TRUE(decision.allowed) << id << " " << decision.reason;
    }
  }
}

TEST_F(Policy, ConsentIsPerPurposeAndPerChannel) {
  consent::ConsentState s;
  s.Apply(Rec("email_marketing", "*", ConsentStatus::kGranted, 10));
  s.Apply(Rec("personalization", "web", ConsentStatus::kGranted, 11));
  s.Apply(Rec("personalization", "app", ConsentStatus::kDenied, 12));
  EXPECT_EQ(policy::Decide(d(), s, {"email_marketing", "email", "*", "contact"}).reason, "consent_granted");
  EXPECT_EQ(policy::Decide(d(), s, {"sms_marketing", "app", "*", "contact"}).reason, "no_consent");
  EXPECT_TRUE(policy::Decide(d(), s, {"personalization", "web", "*", "behavior"}).allowed);
  EXPECT_EQ(policy::Decide(d(), s, {"personalization", "app", "*", "behavior"}).reason, "consent_denied");
  EXPECT_EQ(policy::Decide(d(), s, {"personalization", "store", "*", "behavior"}).reason, "no_consent");
  // A later all-channels withdrawal overrides the channel's own grant.
  s.Apply(Rec("personalization", "*", ConsentStatus::kWithdrawn, 20));
  EXPECT_EQ(policy::Decide(d(), s, {"personalization", "web", "*", "behavior"}).reason, "consent_withdrawn");
}

TEST_F(Policy, LegitimateInterestHonoursObjectionAndSensitiveDataNeedsExplicitConsent) {
  consent::ConsentState s;
  EXPECT_EQ(policy::Decide(d(), s, {"analytics", "web", "*", "behavior"}).reason, "legitimate_interest");
  s.Apply(Rec("analytics", "*", ConsentStatus::kDenied, 5));
  EXPECT_EQ(policy::Decide(d(), s, {"analytics", "web", "*", "behavior"}).reason, "objected");
  // "health" is a sensitive category in the example declaration, whose explicit
  // consent is its own purpose, health_personalization: a grant of the purpose
  // the data would serve is not enough.
  EXPECT_EQ(policy::Decide(d(), s, {"service", "web", "*", "health"}).reason, "explicit_consent_required");
  s.Apply(Rec("personalization", "*", ConsentStatus::kGranted, 6));
  EXPECT_EQ(policy::Decide(d(), s, {"personalization", "web", "*", "health"}).reason, "explicit_consent_required");
  s.Apply(Rec("health_personalization", "web", ConsentStatus::kGranted, 7));
  EXPECT_TRUE(policy::Decide(d(), s, {"service", "web", "*", "health"}).allowed);
  EXPECT_TRUE(policy::Decide(d(), s, {"personalization", "web", "*", "health"}).allowed);
  EXPECT_EQ(policy::Decide(d(), s, {"personalization", "app", "*", "health"}).reason, "explicit_consent_required");
  EXPECT_EQ(policy::Decide(d(), s, {"marketing", "web", "*", ""}).reason, "unknown_purpose");
  EXPECT_EQ(policy::Decide(d(), s, {"service", "web", "*", "horoscope"}).reason, "unknown_category");
}

// Random histories of consent changes: the decision always follows the
// latest record that applies (the channel's own or the all-channels one),
// and a withdrawn purpose is never allowed afterwards until granted again.
TEST_F(Policy, DecisionsFollowTheLatestApplicableRecordOverRandomHistories) {
  const std::vector<std::string> purposes = {"personalization", "email_marketing", "sms_marketing", "advertising"};
  const std::vector<std::string> channels = {"*", "web", "app", "email", "store"};
  std::mt19937 rng(2026);
  int checks = 0;
  for (int history = 0; history < 300; ++history) {
    consent::ConsentState s;
    std::vector<ConsentRecord> applied;
    for (int step = 0; step < 30; ++step) {
      auto r = Rec(purposes[rng() % purposes.size()], channels[rng() % channels.size()],
                   static_cast<ConsentStatus>(rng() % 3), step);
      s.Apply(r);
      applied.push_back(r);
      for (const auto& p : purposes) {
        for (const auto& c : channels) {
          if (c == "*") continue;
          const ConsentRecord* model = nullptr;
          for (const auto& a : applied) {
            if (a.purpose == p && (a.channel == c || a.channel == "*")) model = &a;
          }
          const auto decision = policy::Decide(d(), s, {p, c, "*", "behavior"});
          EXPECT_EQ(decision.allowed, model && model->status == ConsentStatus::kGranted) << p << "/" << c;
          ++checks;
        }
      }
    }
  }
  EXPECT_GT(checks, 100000);
}

// How many records the ledger appended; -1 when it failed.
int Recorded(const Result<std::vector<consent::ConsentRecord>>& r) { return r.ok() ? static_cast<int>(r->size()) : -1; }

TEST(ConsentLedger, AppendOnlyHistoryAndDerivedStateSurviveTheStore) {
  auto store = store::NewMemoryStore();
  store::StagedWriter writer(store.get());
  auto txn = writer.Begin();
  consent::ConsentState staged;
  EXPECT_EQ(Recorded(consent::ConsentLedger::Record(txn, "p1", &staged,
                                           {Rec("personalization", "web", ConsentStatus::kGranted, 100),
                                            Rec("personalization", "web", ConsentStatus::kGranted, 150),
                                            Rec("personalization", "web", ConsentStatus::kWithdrawn, 200)})),
            2);  // the repeated grant changes nothing and is not recorded
  writer.Submit(std::move(txn), [](const Status& st) { EXPECT_OK(st); });
  ASSERT_OK(writer.Flush());
  consent::ConsentLedger ledger(store.get());
  auto history = ledger.History({"p1"});
  ASSERT_OK(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].status, ConsentStatus::kGranted);
  EXPECT_EQ((*history)[1].status, ConsentStatus::kWithdrawn);
  auto state = ledger.State("p1");
  ASSERT_OK(state);
  EXPECT_EQ(state->Find("personalization", "web")->status, ConsentStatus::kWithdrawn);
  EXPECT_TRUE(ledger.History({"nobody"})->empty());
}

// Regression (found by the consent property test): a second GPC denial after
// a channel's own grant was skipped as "unchanged", leaving the grant in force.
TEST(ConsentLedger, RestatingAnAllChannelsDenialOverridesALaterChannelGrant) {
  auto store = store::NewMemoryStore();
  store::StagedWriter writer(store.get());
  auto txn = writer.Begin();
  consent::ConsentState state;
  auto gpc = [](int64_t at) {
    ConsentRecord r = Rec("advertising", "*", ConsentStatus::kDenied, at);
    r.source = "gpc";
    return r;
  };
  ASSERT_TRUE(consent::ConsentLedger::Record(txn, "p1", &state, {gpc(10)}).ok());
  ASSERT_TRUE(consent::ConsentLedger::Record(txn, "p1", &state, {Rec("advertising", "email", ConsentStatus::kGranted, 20)}).ok());
  EXPECT_EQ(state.Find("advertising", "email")->status, ConsentStatus::kGranted);
  EXPECT_EQ(Recorded(consent::ConsentLedger::Record(txn, "p1", &state, {gpc(30)})), 1);
  EXPECT_EQ(state.Find("advertising", "email")->status, ConsentStatus::kDenied);
  // Stating it once more changes nothing and is not recorded.
  EXPECT_EQ(Recorded(consent::ConsentLedger::Record(txn, "p1", &state, {gpc(40)})), 0);
}

TEST(ConsentLedger, AnAlteredRecordIsDetected) {
  auto store = store::NewMemoryStore();
  {
    store::StagedWriter writer(store.get());
    auto txn = writer.Begin();
    ASSERT_TRUE(consent::ConsentLedger::Append(txn, {Rec("personalization", "web", ConsentStatus::kDenied, 100)}).ok());
    writer.Submit(std::move(txn), [](const Status&) {});
  }
  // Flip "denied" to "granted" in the stored bytes, as a tamperer would.
  std::string key, value;
  store::ScanOptions all;
  ASSERT_OK(store->Scan(all, [&](std::string_view k, std::string_view v) {
    key = k;
    value = v;
    return false;
  }));
  const size_t at = value.find("denied");
  ASSERT_NE(at, std::string::npos);
  value.replace(at, 6, "granted");
  value[at - 1] = static_cast<char>(0xa7);  // msgpack fixstr length 7
  store::WriteBatch wb;
  wb.Put(key, value);
  ASSERT_OK(store->Write(wb, true));
  consent::ConsentLedger ledger(store.get());
  EXPECT_THAT(ledger.History({"p1"}), testing::StatusIs(Code::kInternal, ::testing::HasSubstr("altered")));
}

}  // namespace
}  // namespace shinrai
