// Consent at collection: signals on tracking calls become ledger records, and
// only data with a permitted purpose is stored (read back from the store).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "consent/ledger.h"
#include "consent/policy.h"
#include "consent/tcf_string.h"
#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"

namespace shinrai {
namespace {

using ::testing::HasSubstr;
using testing::CollectFixture;
using testing::StatusIs;

// A small declaration where every field's purposes are telling.
constexpr const char* kConfig = R"(
keys:
  - {key: test-write-key, kind: write}
channels: [web, app, email]
purposes:
  service: contract
  analytics: legitimate_interest
  personalization: consent
  advertising: consent
consent:
  notice_version: "v7"
  categories: {Personalization: [personalization], Advertising: [advertising]}
  tcf_purposes: {3: [advertising], 4: [advertising], 5: [personalization], 6: [personalization]}
  consent_mode: {ad_storage: [advertising]}
  gpc_denies: [advertising]
categories:
  contact: {description: e-mail}
  behavior: {description: clicks}
  device: {description: device}
traits:
  email: {type: email, category: contact, purposes: [service], retention: 1y}
  favourite_colour: {type: string, category: behavior, purposes: [personalization], retention: 1y}
  ad_segment: {type: string, category: behavior, purposes: [advertising], retention: 1y}
context:
  locale: {type: string, category: device, purposes: [analytics], retention: 1y}
  campaign_id: {type: string, category: behavior, purposes: [advertising], retention: 1y}
events:
  Viewed:
    category: behavior
    purposes: [analytics]
    retention: 1y
    properties:
      item: {type: string}
      mood: {type: string, purposes: [personalization]}
      ad_id: {type: string, purposes: [advertising]}
  Ad Clicked:
    category: behavior
    purposes: [advertising]
    retention: 1y
    properties:
      ad_id: {type: string}
)";

schema::Config TestConfig() {
  auto cfg = schema::ParseConfig(kConfig, "test.yaml");
  if (!cfg.ok()) throw std::runtime_error(cfg.status().ToString());
  return std::move(*cfg);
}

class ConsentCollect : public ::testing::Test {
 protected:
  Result<service::CollectReport> Send(profile::CallType t, const std::string& body, bool gpc = false) {
    return f_.Send(t, body, "test-write-key", gpc);
  }
  nlohmann::json LastEvent(const std::string& who) {
    auto v = f_.View(who);
    if (!v.ok() || v->recent_events.empty()) return nullptr;
    return profile::EventToJson(v->recent_events.front());
  }
  consent::ConsentState StateOf(const std::string& who) {
    auto p = f_.Find(who);
    consent::ConsentLedger ledger(&f_.store());
    return std::move(ledger.State(p->id)).value();
  }
  CollectFixture f_{TestConfig()};
};

TEST_F(ConsentCollect, WithoutConsentOnlyFieldsWithAPermittedPurposeAreStored) {
  auto r = Send(profile::CallType::kTrack, R"({"userId":"u1","messageId":"m1","event":"Viewed",
      "properties":{"item":"tea","mood":"gloomy-secret","ad_id":"ad-secret-1"},
      "context":{"channel":"web","locale":"en-GB","campaign_id":"camp-secret"}})");
  ASSERT_OK(r);
  std::map<std::string, std::string> reasons;
  for (const auto& d : r->dropped) reasons[d.path] = schema::DropReasonName(d.reason);
  EXPECT_EQ(reasons["properties.mood"], "no_permitted_purpose");
  EXPECT_EQ(reasons["properties.ad_id"], "no_permitted_purpose");
  EXPECT_EQ(reasons["context.campaign_id"], "no_permitted_purpose");
  const std::string stored = f_.DumpStore();
  for (const char* gone : {"gloomy-secret", "ad-secret-1", "camp-secret"}) EXPECT_EQ(stored.find(gone), std::string::npos) << gone;
  auto e = LastEvent("u1");
  EXPECT_EQ(e["properties"]["item"], "tea");
  EXPECT_EQ(e["context"]["locale"], "en-GB");
  EXPECT_EQ(f_.collect().Counters()->at("no_permitted_purpose"), 3);

  // An event whose every purpose rests on consent not given is not stored.
  auto ad = Send(profile::CallType::kTrack, R"({"userId":"u1","messageId":"m2","event":"Ad Clicked","properties":{"ad_id":"x"}})");
  ASSERT_OK(ad);
  EXPECT_EQ(ad->accepted, 0);
  EXPECT_EQ(ad->dropped_events, 1);
  EXPECT_EQ(f_.View("u1")->recent_events.size(), 1u);
}

TEST_F(ConsentCollect, ConsentManagerSignalsGrantPerChannelAndAreRecordedWithTheirSource) {
  ASSERT_OK(Send(profile::CallType::kIdentify, R"({"userId":"u2","messageId":"i1","traits":{"favourite_colour":"teal"},
      "context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true,"Advertising":false}}}})"));
  auto view = f_.View("u2");
  ASSERT_OK(view);
  // The grant came with the same call, so the trait it covers is kept.
  EXPECT_EQ(view->profile.traits["favourite_colour"], "teal");
  auto state = StateOf("u2");
  const auto* rec = state.Find("personalization", "web");
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->status, consent::ConsentStatus::kGranted);
  EXPECT_EQ(rec->source, "consent_manager");
  // The declared label, and the hash of what the notice says.
  EXPECT_EQ(rec->notice_version.rfind("v7+", 0), 0u) << rec->notice_version;
  EXPECT_EQ(rec->notice_version, f_.config().declaration.consent.notice_version);
  EXPECT_FALSE(rec->proof.empty());
  // Granted on the web is not granted in the app.
  EXPECT_EQ(policy::Decide(f_.config().declaration, state, {"personalization", "app", "*", "behavior"}).reason, "no_consent");
  auto app = Send(profile::CallType::kTrack, R"({"userId":"u2","messageId":"a1","event":"Viewed",
      "properties":{"item":"x","mood":"app-mood"},"context":{"channel":"app"}})");
  ASSERT_OK(app);
  EXPECT_EQ(f_.DumpStore().find("app-mood"), std::string::npos);
}

TEST_F(ConsentCollect, RudderStackConsentIdsAndConsentModeAreUnderstood) {
  ASSERT_OK(Send(profile::CallType::kTrack, R"({"userId":"u3","messageId":"r1","event":"Viewed","context":{"channel":"web",
      "consentManagement":{"allowedConsentIds":["Personalization"],"deniedConsentIds":[]},
      "consentMode":{"ad_storage":"granted"}}})"));
  auto state = StateOf("u3");
  EXPECT_EQ(state.Find("personalization", "web")->status, consent::ConsentStatus::kGranted);
  EXPECT_EQ(state.Find("advertising", "web")->source, "consent_mode");
  // The consent fields themselves are signals, not context data to keep.
  EXPECT_FALSE(LastEvent("u3")["context"].contains("consentManagement"));
}

TEST_F(ConsentCollect, TcfStringsGrantAndDenyThroughTheDeclaredMapping) {
  // Purposes 1-4 consented, 5 and 6 not (made with @iabtechlabtcf/core).
  const std::string tc = "CQdWToAQdWToAAKACAENBaFgAIAAAAAAAAwIJYQAwACgOEAlgAAZgAAA";
  auto decoded = consent::DecodeTcString(tc);
  ASSERT_OK(decoded);
  ASSERT_OK(Send(profile::CallType::kTrack,
                 R"({"userId":"u4","messageId":"t1","event":"Viewed","context":{"channel":"web","tcf":")" + tc + R"("}})"));
  auto state = StateOf("u4");
  const bool p3 = std::binary_search(decoded->purpose_consents.begin(), decoded->purpose_consents.end(), 3);
  const bool p4 = std::binary_search(decoded->purpose_consents.begin(), decoded->purpose_consents.end(), 4);
  EXPECT_EQ(state.Find("advertising", "web")->status,
            p3 && p4 ? consent::ConsentStatus::kGranted : consent::ConsentStatus::kDenied);
  EXPECT_EQ(state.Find("personalization", "web")->status, consent::ConsentStatus::kDenied);
  EXPECT_EQ(state.Find("personalization", "web")->source, "tcf");

  // A broken TC string rejects the request and stores nothing.
  const std::string before = f_.DumpStore();
  EXPECT_THAT(Send(profile::CallType::kTrack, R"({"userId":"u4","messageId":"t2","event":"Viewed","gdpr_consent":"@@@"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("TC string")));
  EXPECT_EQ(f_.DumpStore(), before);
}

TEST_F(ConsentCollect, GlobalPrivacyControlDeniesSaleAndSharingOnEveryChannel) {
  ASSERT_OK(Send(profile::CallType::kTrack, R"({"userId":"u5","messageId":"g0","event":"Viewed",
      "context":{"channel":"web","consent":{"categoryPreferences":{"Advertising":true}}}})"));
  EXPECT_TRUE(policy::Decide(f_.config().declaration, StateOf("u5"), {"advertising", "web", "*", "behavior"}).allowed);
  auto r = Send(profile::CallType::kTrack, R"({"userId":"u5","messageId":"g1","event":"Viewed",
      "properties":{"ad_id":"gpc-secret"},"context":{"channel":"web","consent":{"categoryPreferences":{"Advertising":true}}}})",
                /*gpc=*/true);
  ASSERT_OK(r);
  // GPC wins over the banner's grant in the same request.
  auto state = StateOf("u5");
  for (const char* ch : {"web", "app", "email"}) {
    EXPECT_FALSE(policy::Decide(f_.config().declaration, state, {"advertising", ch, "*", "behavior"}).allowed) << ch;
  }
  EXPECT_EQ(f_.DumpStore().find("gpc-secret"), std::string::npos);
}

TEST_F(ConsentCollect, ConsentGivenAnonymouslyFollowsThePersonThroughTheMerge) {
  ASSERT_OK(Send(profile::CallType::kTrack, R"({"anonymousId":"cookie-1","messageId":"p1","event":"Viewed",
      "context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true}}}})"));
  ASSERT_OK(Send(profile::CallType::kIdentify, R"({"userId":"u6","messageId":"i6"})"));
  ASSERT_OK(Send(profile::CallType::kIdentify, R"({"userId":"u6","anonymousId":"cookie-1","messageId":"i7",
      "traits":{"favourite_colour":"green"},"context":{"channel":"web"}})"));
  auto v = f_.View("u6");
  ASSERT_OK(v);
  EXPECT_EQ(v->merges.size(), 1u);
  EXPECT_EQ(v->profile.traits["favourite_colour"], "green");
  EXPECT_EQ(StateOf("u6").Find("personalization", "web")->status, consent::ConsentStatus::kGranted);
}

// Random interleavings of events and consent changes across purposes and
// channels: after every event, each stored field has a purpose that was
// permitted for that person and channel at that moment, and an event is
// stored only if one of its purposes was. The model is an independent
// reading of the same rules.
RC_GTEST_PROP(ConsentProperty, NothingIsStoredForAPurposeThatWasNotPermitted, ()) {
  CollectFixture f(TestConfig());
  const std::vector<std::string> channels = {"web", "app", "email"};
  // model[purpose][channel or "*"] = (granted, time)
  std::map<std::string, std::map<std::string, std::pair<bool, int>>> model;
  auto permitted = [&](const std::string& purpose, const std::string& channel) {
    if (purpose == "service" || purpose == "analytics") return true;  // contract; legitimate interest, no objection here
    auto& m = model[purpose];
    std::pair<bool, int> best{false, -1};
    for (const auto& key : {channel, std::string("*")}) {
      auto it = m.find(key);
      if (it != m.end() && it->second.second >= best.second) best = it->second;
    }
    return best.first;
  };
  const int steps = *rc::gen::inRange(5, 40);
  for (int step = 0; step < steps; ++step) {
    f.env().Advance(1000);
    const std::string channel = *rc::gen::elementOf(channels);
    const int kind = *rc::gen::inRange(0, 3);
    const std::string msg = "m" + std::to_string(step);
    if (kind == 0) {
      // A consent-manager signal for one purpose, on this channel.
      const bool personalization = *rc::gen::arbitrary<bool>();
      const bool granted = *rc::gen::arbitrary<bool>();
      const std::string category = personalization ? "Personalization" : "Advertising";
      RC_ASSERT(f.Send(profile::CallType::kTrack,
                       R"({"userId":"p","messageId":")" + msg + R"(","event":"Viewed","context":{"channel":")" + channel +
                           R"(","consent":{"categoryPreferences":{")" + category + R"(":)" + (granted ? "true" : "false") +
                           "}}}}",
                       "test-write-key")
                    .ok());
      model[personalization ? "personalization" : "advertising"][channel] = {granted, step};
    } else if (kind == 1) {
      // GPC: advertising denied everywhere.
      RC_ASSERT(f.Send(profile::CallType::kTrack,
                       R"({"userId":"p","messageId":")" + msg + R"(","event":"Viewed","context":{"channel":")" + channel + R"("}})",
                       "test-write-key", true)
                    .ok());
      model["advertising"]["*"] = {false, step};
    } else {
      const bool ad_event = kind == 3;
      const std::string body = ad_event
          ? R"({"userId":"p","messageId":")" + msg + R"(","event":"Ad Clicked","properties":{"ad_id":"#A:)" + msg +
                R"(#"},"context":{"channel":")" + channel + R"("}})"
          : R"({"userId":"p","messageId":")" + msg + R"(","event":"Viewed","properties":{"item":"#I:)" + msg +
                R"(#","mood":"#M:)" + msg + R"(#","ad_id":"#D:)" + msg + R"(#"},"context":{"channel":")" + channel +
                R"(","campaign_id":"#C:)" + msg + R"(#"}})";
      auto r = f.Send(profile::CallType::kTrack, body, "test-write-key");
      RC_ASSERT(r.ok());
      const std::string stored = f.DumpStore();
      auto present = [&](const std::string& marker) { return stored.find(marker) != std::string::npos; };
      if (ad_event) {
        RC_ASSERT(present("#A:" + msg + "#") == permitted("advertising", channel));
      } else {
        RC_ASSERT(present("#I:" + msg + "#"));  // analytics: always permitted here
        RC_ASSERT(present("#M:" + msg + "#") == permitted("personalization", channel));
        RC_ASSERT(present("#D:" + msg + "#") == permitted("advertising", channel));
        RC_ASSERT(present("#C:" + msg + "#") == permitted("advertising", channel));
      }
    }
  }
}

}  // namespace
}  // namespace shinrai
