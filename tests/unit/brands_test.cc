// Issue 17: one person across the group's brands. Consent is given to a brand
// (or to all of them), and one brand's grant never permits another brand's
// use; keys belong to a brand or to the group.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <fstream>
#include <future>
#include <sstream>

#include "access/access.h"
#include "consent/ledger.h"
#include "consent/policy.h"
#include "transparency/privacy_report.h"
#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"

namespace shinrai {
namespace {

using ::testing::HasSubstr;
using testing::CollectFixture;
using testing::StatusIs;

constexpr const char* kConfig = R"(
brands:
  - {id: fashion, name: Fashion, controller: Example Fashion Ltd, contact: privacy@fashion.example, default: true}
  - {id: home, name: Home, controller: Example Home Ltd, contact: privacy@home.example,
     purposes: [service, analytics, personalization]}
keys:
  - {key: fashion-write-key, kind: write, brand: fashion}
  - {key: home-write-key, kind: write, brand: home}
  - {key: group-admin-key, kind: api, role: admin}
  - {key: home-service-key, kind: api, role: service, brand: home}
channels: [web, app]
purposes:
  service: contract
  analytics: legitimate_interest
  personalization: consent
  advertising: consent
  group_identity: {legal_basis: legitimate_interest, description: one customer account across the group}
consent:
  notice_version: "v1"
  categories: {Personalization: [personalization], Advertising: [advertising]}
categories:
  behavior: {description: clicks}
  contact: {description: names}
traits:
  first_name: {type: string, category: contact, purposes: [service], retention: 1y}
  style: {type: string, category: behavior, purposes: [advertising], retention: 1y}
events:
  Viewed:
    category: behavior
    purposes: [analytics]
    retention: 1y
    properties:
      item: {type: string}
      mood: {type: string, purposes: [personalization]}
      ad_id: {type: string, purposes: [advertising]}
)";

schema::Config ParseOrThrow(const std::string& yaml) {
  auto cfg = schema::ParseConfig(yaml, "brands.yaml");
  if (!cfg.ok()) throw std::runtime_error(cfg.status().ToString());
  return std::move(*cfg);
}

// One person across the group's brands, as the declaration allows.
schema::Config BrandConfig() {
  return ParseOrThrow(std::string(kConfig) + "identity: {across_brands: group_identity}\n");
}

consent::ConsentState StateOf(CollectFixture& f, const std::string& who) {
  auto p = f.Find(who);
  return std::move(consent::ConsentLedger(&f.store()).State(p->id)).value();
}

const service::Principal kGroupAdmin{service::Role::kAdmin, "group admin", "g"};

TEST(Brands, TheDeclarationNamesBrandsAndEveryKeyBelongsToOneOrToTheGroup) {
  const schema::Config c = BrandConfig();
  EXPECT_EQ(c.declaration.default_brand, "fashion");
  ASSERT_NE(c.declaration.FindBrand("home"), nullptr);
  EXPECT_EQ(c.declaration.FindBrand("home")->controller, "Example Home Ltd");
  EXPECT_FALSE(c.declaration.FindBrand("home")->Runs("advertising"));
  EXPECT_TRUE(c.declaration.FindBrand("fashion")->Runs("advertising"));
  std::map<std::string, std::string> brand_of;
  for (const auto& k : c.keys) brand_of[k.key] = k.brand;
  EXPECT_EQ(brand_of["fashion-write-key"], "fashion");
  EXPECT_EQ(brand_of["group-admin-key"], "*");
  EXPECT_EQ(brand_of["home-service-key"], "home");

  const auto error = [](const std::string& yaml) {
    auto r = schema::ParseConfig(yaml, "bad.yaml");
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  const std::string base = "channels: [web]\npurposes: {service: contract}\n";
  EXPECT_THAT(error(base + "brands: [{id: a, name: A, controller: A Ltd, contact: a@a.example}]\n"
                           "keys: [{key: wk-12345678, kind: write, brand: b}]\n"),
              HasSubstr("keys[0].brand: unknown brand 'b'"));
  EXPECT_THAT(error(base + "brands: [{id: a, name: A, controller: A Ltd, contact: a@a.example}]\n"
                           "keys: [{key: wk-12345678, kind: write, brand: group}]\n"),
              HasSubstr("a write key collects for one brand"));
  EXPECT_THAT(error(base + "brands: [{id: a, name: A}]\n"), HasSubstr("names its controller and contact"));
  EXPECT_THAT(error(base + "brands: [{id: 'Big Brand', controller: x, contact: y}]\n"), HasSubstr("lower-case letters"));
  EXPECT_THAT(error(base + "keys: [{key: wk-12345678, kind: write, brand: a}]\n"), HasSubstr("no brands are declared"));
}

TEST(Brands, ConsentGivenToOneBrandNeverPermitsAnotherBrandsUse) {
  CollectFixture f(BrandConfig());
  ASSERT_OK(f.Send(profile::CallType::kTrack, R"({"userId":"ana","event":"Viewed","context":{"channel":"web",
      "consent":{"categoryPreferences":{"Personalization":true}}}})", "fashion-write-key"));
  const schema::Declaration& d = f.config().declaration;
  auto state = StateOf(f, "ana");
  EXPECT_TRUE(policy::Decide(d, state, {"personalization", "web", "fashion"}).allowed);
  EXPECT_EQ(policy::Decide(d, state, {"personalization", "web", "home"}).reason, "no_consent");
  EXPECT_EQ(policy::Decide(d, state, {"personalization", "web", "*"}).reason, "no_consent");
  // The event records the brand that collected it.
  EXPECT_EQ(f.View("ana")->recent_events.front().brand, "fashion");

  // A group-wide choice ("brand": "*") covers every brand, until a brand's own later statement.
  ASSERT_OK(f.ChangeConsent(kGroupAdmin, "ana", R"({"brand":"*","changes":[{"purpose":"personalization","status":"withdrawn"}]})"));
  state = StateOf(f, "ana");
  EXPECT_EQ(policy::Decide(d, state, {"personalization", "web", "fashion"}).reason, "consent_withdrawn");
  f.env().Advance(1000);
  ASSERT_OK(f.ChangeConsent(kGroupAdmin, "ana", R"({"changes":[{"purpose":"personalization","status":"granted","brand":"home"}]})"));
  state = StateOf(f, "ana");
  EXPECT_TRUE(policy::Decide(d, state, {"personalization", "app", "home"}).allowed);
  EXPECT_FALSE(policy::Decide(d, state, {"personalization", "app", "fashion"}).allowed);

  // A brand that does not run a purpose may not use data for it, whatever was granted.
  ASSERT_OK(f.ChangeConsent(kGroupAdmin, "ana", R"({"brand":"*","changes":[{"purpose":"advertising","status":"granted"}]})"));
  EXPECT_EQ(policy::Decide(d, StateOf(f, "ana"), {"advertising", "web", "home"}).reason, "purpose_not_run_by_brand");
  EXPECT_TRUE(policy::Decide(d, StateOf(f, "ana"), {"advertising", "web", "fashion"}).allowed);
}

TEST(Brands, ABrandsKeySpeaksAndReadsForItsOwnBrandOnly) {
  CollectFixture f(BrandConfig());
  ASSERT_OK(f.Send(profile::CallType::kTrack, R"({"userId":"ben","event":"Viewed"})", "home-write-key"));
  const service::Principal home_service{service::Role::kService, "home service", "h", 0, "home"};
  EXPECT_THAT(f.ChangeConsent(home_service, "ben", R"({"brand":"fashion","changes":[{"purpose":"personalization","status":"granted"}]})"),
              StatusIs(Code::kPermissionDenied, HasSubstr("serves brand 'home' only")));
  EXPECT_THAT(f.ChangeConsent(home_service, "ben", R"({"brand":"*","changes":[{"purpose":"personalization","status":"granted"}]})"),
              StatusIs(Code::kPermissionDenied));
  auto own = f.ChangeConsent(home_service, "ben", R"({"changes":[{"purpose":"personalization","status":"granted"}]})");
  ASSERT_OK(own);
  EXPECT_EQ((*own)["brand"], "home");
  EXPECT_EQ(StateOf(f, "ben").Find("personalization", "web", "home")->brand, "home");

  const schema::Declaration& d = f.config().declaration;
  EXPECT_EQ(*service::Access::ServedBrand(home_service, "", d), "home");
  EXPECT_THAT(service::Access::ServedBrand(home_service, "fashion", d), StatusIs(Code::kPermissionDenied));
  EXPECT_EQ(*service::Access::ServedBrand(kGroupAdmin, "home", d), "home");
  EXPECT_EQ(*service::Access::ServedBrand(kGroupAdmin, "", d), "*");
  EXPECT_THAT(service::Access::ServedBrand(kGroupAdmin, "garden", d), StatusIs(Code::kInvalidArgument, HasSubstr("garden")));
  // What reaches every brand's data stays with the group's keys.
  const service::Principal home_officer{service::Role::kPrivacyOfficer, "home officer", "ho", 0, "home"};
  EXPECT_THAT(f.services().rights.Create(home_officer, R"({"type":"access","subject":"ben"})"),
              StatusIs(Code::kPermissionDenied, HasSubstr("group key")));
  EXPECT_THAT(service::BuildPrivacyReport(home_officer, f.services().report), StatusIs(Code::kPermissionDenied));
  auto filed = f.services().rights.Create({service::Role::kPrivacyOfficer, "officer", "o"}, R"({"type":"access","subject":"ben"})");
  EXPECT_OK(filed);
  // A restriction can be asked of one brand: its uses stop, the other brand's go on.
  const service::Principal officer{service::Role::kPrivacyOfficer, "officer", "o"};
  ASSERT_OK(f.services().consent.State(kGroupAdmin, "ben"));
  ASSERT_OK(f.ChangeConsent(kGroupAdmin, "ben", R"({"brand":"*","changes":[{"purpose":"personalization","status":"granted"}]})"));
  auto restricted = f.services().rights.Create(officer, R"({"type":"restriction","subject":"ben","brand":"home"})");
  ASSERT_OK(restricted);
  EXPECT_EQ((*restricted)["outcome"]["brand"], "home");
  EXPECT_EQ(policy::Decide(d, StateOf(f, "ben"), {"personalization", "web", "home"}).reason, "restricted");
  EXPECT_TRUE(policy::Decide(d, StateOf(f, "ben"), {"personalization", "web", "fashion"}).allowed);
  EXPECT_THAT(f.services().rights.Create(officer, R"({"type":"restriction","subject":"ben","brand":"garden"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("no brand 'garden'")));

  // The privacy report breaks consent coverage down by brand, among each brand's customers.
  auto report = service::BuildPrivacyReport(f.services().report);
  ASSERT_OK(report);
  const auto& home = (*report)["consent_coverage_by_brand"]["home"];
  EXPECT_EQ(home["customers"], 1);
  EXPECT_EQ(home["coverage"]["personalization"]["web"]["allowed"], 0) << "restricted at home";
  EXPECT_EQ((*report)["consent_coverage_by_brand"]["fashion"]["customers"], 0);
  EXPECT_EQ((*report)["consent_coverage"]["personalization"]["web"]["allowed"], 1) << "granted group-wide";
  EXPECT_NE(service::RenderPrivacyReportHtml(*report).find("Brand home (1 customers"), std::string::npos);
  // A group key reads one brand's decisions: fashion follows the group-wide grant, home is restricted.
  auto shown = f.services().consent.State(kGroupAdmin, "ben", "fashion");
  ASSERT_OK(shown);
  EXPECT_EQ((*shown)["purposes"]["personalization"]["channels"]["web"]["allowed"], true);
  auto at_home = f.services().consent.State(kGroupAdmin, "ben", "home");
  ASSERT_OK(at_home);
  EXPECT_EQ((*at_home)["purposes"]["personalization"]["channels"]["web"]["reason"], "restricted");
}

TEST(Brands, ABrandsAgentReadsOnlyThatBrandsCustomersAndData) {
  CollectFixture f(BrandConfig());
  // Cleo shops only at fashion; Dan at both, with an advertising-only trait.
  ASSERT_OK(f.Send(profile::CallType::kTrack, R"({"userId":"cleo","event":"Viewed","properties":{"item":"scarf"}})",
                   "fashion-write-key"));
  ASSERT_OK(f.Send(profile::CallType::kIdentify, R"({"userId":"dan","traits":{"first_name":"Dan","style":"bold"},
      "context":{"consent":{"categoryPreferences":{"Advertising":true}}}})", "fashion-write-key"));
  ASSERT_OK(f.Send(profile::CallType::kTrack, R"({"userId":"dan","event":"Viewed","properties":{"item":"coat"}})",
                   "fashion-write-key"));
  ASSERT_OK(f.Send(profile::CallType::kTrack, R"({"userId":"dan","event":"Viewed","properties":{"item":"lamp"}})",
                   "home-write-key"));
  const std::string reason = f.config().security.access_reasons.front();
  const service::Principal home_agent{service::Role::kAgent, "home agent", "ha", 0, "home"};
  const service::Principal fashion_agent{service::Role::kAgent, "fashion agent", "fa", 0, "fashion"};

  // Another brand's customer is, to this brand, nobody.
  EXPECT_THAT(f.services().profiles.Get(home_agent, "cleo", reason), StatusIs(Code::kNotFound));
  ASSERT_OK(f.services().profiles.Get(fashion_agent, "cleo", reason));

  auto seen = f.services().profiles.Get(home_agent, "dan", reason);
  ASSERT_OK(seen);
  ASSERT_EQ((*seen)["recent_events"].size(), 1u);
  EXPECT_EQ((*seen)["recent_events"][0]["properties"]["item"], "lamp");
  EXPECT_EQ((*seen)["event_count"], 1);
  EXPECT_EQ((*seen)["traits"]["first_name"], "Dan");
  EXPECT_FALSE((*seen)["traits"].contains("style")) << "home does not run advertising";
  // The same for consent and recommendations: to home, Cleo is nobody.
  const service::Principal home_service{service::Role::kService, "home service", "hs", 0, "home"};
  EXPECT_THAT(f.services().consent.State(home_service, "cleo"), StatusIs(Code::kNotFound));
  EXPECT_THAT(f.services().consent.History(home_service, "cleo"), StatusIs(Code::kNotFound));
  ASSERT_OK(f.services().consent.State(home_service, "dan"));
  auto whole = f.services().profiles.Get(kGroupAdmin, "dan");
  ASSERT_OK(whole);
  EXPECT_EQ((*whole)["recent_events"].size(), 3u);
  EXPECT_EQ((*whole)["traits"]["style"], "bold");
}

// Random interleavings of events through two brands' write keys and
// group-wide consent changes: after every event, each stored field has a
// purpose the person allowed for the brand that collected it, on that channel,
// at that moment (an independent reading of the rules).
RC_GTEST_PROP(BrandConsentProperty, NothingIsStoredForABrandPurposeOrChannelThePersonDidNotAllow, ()) {
  CollectFixture f(BrandConfig());
  const std::vector<std::string> channels = {"web", "app"};
  const std::vector<std::string> brands = {"fashion", "home"};
  // model[purpose][(channel or *, brand or *)] = (granted, step)
  std::map<std::string, std::map<std::pair<std::string, std::string>, std::pair<bool, int>>> model;
  auto permitted = [&](const std::string& purpose, const std::string& channel, const std::string& brand) {
    if (purpose == "analytics") return true;
    if (purpose == "advertising" && brand == "home") return false;  // home does not run it
    std::pair<bool, int> best{false, -1};
    for (const auto& c : {channel, std::string("*")})
      for (const auto& b : {brand, std::string("*")})
        if (auto it = model[purpose].find({c, b}); it != model[purpose].end() && it->second.second > best.second)
          best = it->second;
    return best.first;
  };
  const int steps = *rc::gen::inRange(5, 40);
  for (int step = 0; step < steps; ++step) {
    f.env().Advance(1000);
    const std::string channel = *rc::gen::elementOf(channels);
    const std::string brand = *rc::gen::elementOf(brands);
    const std::string key = brand + "-write-key";
    const std::string msg = "m" + std::to_string(step);
    const bool personalization = *rc::gen::arbitrary<bool>();
    const bool granted = *rc::gen::arbitrary<bool>();
    const std::string purpose = personalization ? "personalization" : "advertising";
    switch (*rc::gen::inRange(0, 3)) {
      case 0:  // a banner at one brand, on this channel
        RC_ASSERT(f.Send(profile::CallType::kTrack,
                         R"({"userId":"p","messageId":")" + msg + R"(","event":"Viewed","context":{"channel":")" +
                             channel + R"(","consent":{"categoryPreferences":{")" +
                             (personalization ? "Personalization" : "Advertising") + R"(":)" +
                             (granted ? "true" : "false") + "}}}}",
                         key)
                      .ok());
        model[purpose][{channel, brand}] = {granted, step};
        break;
      case 1: {  // the group's privacy center: all brands, all channels
        const std::string body = R"({"brand":"*","changes":[{"purpose":")" + purpose + R"(","status":")" +
                                 (granted ? "granted" : "withdrawn") + R"("}]})";
        RC_ASSERT(f.ChangeConsent(kGroupAdmin, "p", body).ok());
        model[purpose][{"*", "*"}] = {granted, step};
        break;
      }
      default: {
        RC_ASSERT(f.Send(profile::CallType::kTrack,
                         R"({"userId":"p","messageId":")" + msg + R"(","event":"Viewed","properties":{"item":"#I:)" +
                             msg + R"(#","mood":"#M:)" + msg + R"(#","ad_id":"#D:)" + msg +
                             R"(#"},"context":{"channel":")" + channel + R"("}})",
                         key)
                      .ok());
        const std::string stored = f.DumpStore();
        auto present = [&](const std::string& marker) { return stored.find(marker) != std::string::npos; };
        RC_ASSERT(present("#I:" + msg + "#"));
        RC_ASSERT(present("#M:" + msg + "#") == permitted("personalization", channel, brand));
        RC_ASSERT(present("#D:" + msg + "#") == permitted("advertising", channel, brand));
      }
    }
  }
}

// The demo declaration with two brands: fashion (the default, which the demo
// write key collects for) and home, and a group-wide purpose a person grants
// to let one brand personalize from what they did at the other.
schema::Config TwoBrandExample() {
  std::ifstream in(testing::ExampleConfigPath());
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const auto after = [&](const std::string& line, const std::string& add) {
    const size_t at = yaml.find(line);
    if (at == std::string::npos) throw std::runtime_error("the example has no '" + line + "'");
    yaml.insert(at + line.size(), add);
  };
  after("\nkeys:\n", "  - {key: home-write-key-1, kind: write, brand: home, name: home web}\n");
  after("\nidentity:\n", "  across_brands: group_account\n");
  after("\npurposes:\n",
        "  group_account:\n    legal_basis: legitimate_interest\n"
        "    description: One customer account across our brands.\n"
        "  cross_brand_personalization:\n    legal_basis: consent\n"
        "    description: Recommend at each of our brands from what you did at the others.\n");
  after("\nrecommendations:\n", "  cross_brand_purpose: cross_brand_personalization\n");
  yaml = "brands:\n"
         "  - {id: fashion, name: Fashion, controller: Example Fashion Ltd, contact: privacy@fashion.example, default: true}\n"
         "  - {id: home, name: Home, controller: Example Home Ltd, contact: privacy@home.example}\n" +
         yaml;
  auto cfg = schema::ParseConfig(yaml, "two-brands.yaml");
  if (!cfg.ok()) throw std::runtime_error(cfg.status().ToString());
  cfg->recommendations.holdout_share = 0;
  return std::move(*cfg);
}

TEST(Brands, ARecommendationUsesAnotherBrandsHistoryOnlyWhileThePersonAllowsIt) {
  CollectFixture f(TwoBrandExample());
  const service::Principal admin{service::Role::kAdmin, "admin", "a"};
  nlohmann::json catalog = nlohmann::json::array();
  for (int i = 0; i < 40; ++i) catalog.push_back({{"id", "sku-" + std::to_string(i)}, {"category", "kitchen"}});
  ASSERT_OK(f.services().recs.UpsertCatalog(admin, nlohmann::json{{"items", catalog}}.dump()));
  const auto view = [&](const std::string& who, int item, const std::string& key) {
    return f.Send(profile::CallType::kTrack,
                  nlohmann::json{{"userId", who},
                                 {"event", "Product Viewed"},
                                 {"properties", {{"product_id", "sku-" + std::to_string(item)}}},
                                 {"context", {{"channel", "web"}, {"consent", {{"categoryPreferences", {{"Personalization", true}}}}}}}}
                      .dump(),
                  key);
  };
  // Shoppers at the fashion brand teach the model what goes together.
  for (int u = 0; u < 60; ++u)
    for (int k = 0; k < 6; ++k) ASSERT_OK(view("u" + std::to_string(u), (u % 2) * 20 + (u + k) % 20, "demo-write-key"));
  // Mia shops at fashion; at home she allowed personalization but did nothing yet.
  for (int k = 0; k < 6; ++k) ASSERT_OK(view("mia", k, "demo-write-key"));
  ASSERT_OK(f.Send(profile::CallType::kIdentify, R"({"userId":"mia","context":{"channel":"web",
      "consent":{"categoryPreferences":{"Personalization":true}}}})", "home-write-key-1"));
  ASSERT_OK(f.services().recs.Train());

  const auto at_home = [&] {
    service::RecommendRequest req;
    req.brand = "home";
    auto r = f.services().recs.Recommend(kGroupAdmin, "mia", req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : nlohmann::json::object();
  };
  nlohmann::json r = at_home();
  EXPECT_EQ(r["brand"], "home");
  EXPECT_EQ(r["history_items"], 0) << "fashion's history is not home's to use";
  EXPECT_EQ(r["data_brands_used"], nlohmann::json::array());
  EXPECT_EQ(r["personalized"], false);

  ASSERT_OK(f.ChangeConsent(kGroupAdmin, "mia",
                          R"({"brand":"*","changes":[{"purpose":"cross_brand_personalization","status":"granted"}]})"));
  r = at_home();
  EXPECT_EQ(r["history_items"], 6);
  EXPECT_EQ(r["data_brands_used"], nlohmann::json::array({"fashion"}));
  EXPECT_EQ(r["personalized"], true);

  f.env().Advance(1000);
  ASSERT_OK(f.ChangeConsent(kGroupAdmin, "mia",
                          R"({"brand":"*","changes":[{"purpose":"cross_brand_personalization","status":"withdrawn"}]})"));
  r = at_home();
  EXPECT_EQ(r["history_items"], 0) << "stops at once when withdrawn";
  EXPECT_EQ(r["personalized"], false);
}

TEST(Brands, EachBrandRecommendsOnlyFromItsOwnCatalogue) {
  CollectFixture f(TwoBrandExample());
  const service::Principal admin{service::Role::kAdmin, "admin", "a"};
  nlohmann::json catalog = nlohmann::json::array();
  for (int i = 0; i < 40; ++i) {
    catalog.push_back({{"id", "sku-" + std::to_string(i)},
                       {"category", i < 20 ? "apparel" : "kitchen"},
                       {"brands", {i < 20 ? "fashion" : "home"}}});
  }
  ASSERT_OK(f.services().recs.UpsertCatalog(admin, nlohmann::json{{"items", catalog}}.dump()));
  EXPECT_THAT(f.services().recs.UpsertCatalog(admin, R"({"items":[{"id":"x","brands":["garden"]}]})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("items[0].brands: no brand 'garden'")));
  for (int u = 0; u < 40; ++u) {
    for (int k = 0; k < 6; ++k) {
      ASSERT_OK(f.Send(profile::CallType::kTrack,
                       nlohmann::json{{"userId", "u" + std::to_string(u)},
                                      {"event", "Product Viewed"},
                                      {"properties", {{"product_id", "sku-" + std::to_string((u + 7 * k) % 40)}}},
                                      {"context", {{"consent", {{"categoryPreferences", {{"Personalization", true}}}}}}}}
                           .dump()));
    }
  }
  auto trained = f.services().recs.Train();
  ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  for (const std::string brand : {"fashion", "home"}) {
    service::RecommendRequest req;
    req.brand = brand;
    req.n = 10;
    auto r = f.services().recs.Recommend(admin, "someone-new", req);
    ASSERT_OK(r);
    ASSERT_FALSE((*r)["items"].empty());
    for (const auto& item : (*r)["items"]) {
      const int n = std::stoi(item["item"].get<std::string>().substr(4));
      EXPECT_EQ(n < 20 ? "fashion" : "home", brand) << item["item"] << " is not sold by " << brand;
    }
  }
}

}  // namespace
}  // namespace shinrai
