// Issue 17, items 2 and 6: people are one person across the group's brands
// only where the declaration says so (identity.across_brands); otherwise
// each brand keeps its own person, linked to nothing. Rights reach one
// brand or the whole group.
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <thread>

#include "app/data_dir.h"
#include "consent/ledger.h"
#include "consent/policy.h"
#include "testing/collect_fixture.h"
#include "testing/flaky_store.h"
#include "testing/status_matchers.h"

namespace shinrai {
namespace {

using ::testing::HasSubstr;
using testing::CollectFixture;
using testing::StatusIs;

constexpr const char* kBrands = R"(
brands:
  - {id: fashion, name: Fashion, controller: Example Fashion Ltd, contact: privacy@fashion.example, default: true}
  - {id: home, name: Home, controller: Example Home Ltd, contact: privacy@home.example}
keys:
  - {key: fashion-write-key, kind: write, brand: fashion}
  - {key: home-write-key, kind: write, brand: home}
channels: [web]
purposes:
  service: contract
  analytics: legitimate_interest
  personalization: consent
  group_account: {legal_basis: legitimate_interest, description: one customer account across the group}
consent:
  notice_version: "v1"
  categories: {Personalization: [personalization]}
categories:
  behavior: {description: clicks}
  contact: {description: e-mail}
traits:
  email: {type: email, category: contact, purposes: [service], retention: 1y}
events:
  Viewed:
    category: behavior
    purposes: [analytics]
    retention: 1y
    properties:
      item: {type: string}
)";

schema::Config Config(bool across_brands, bool home_runs_group_account = true) {
  std::string yaml = kBrands;
  if (across_brands) yaml += "identity: {across_brands: group_account}\n";
  if (!home_runs_group_account) {
    const std::string home = "contact: privacy@home.example";
    yaml.insert(yaml.find(home) + home.size(), ", purposes: [service, analytics, personalization]");
  }
  auto cfg = schema::ParseConfig(yaml, "brands.yaml");
  if (!cfg.ok()) throw std::runtime_error(cfg.status().ToString());
  return std::move(*cfg);
}

const service::Principal kGroupAdmin{service::Role::kAdmin, "group admin", "g"};
const service::Principal kOfficer{service::Role::kPrivacyOfficer, "officer", "o"};

Status View(CollectFixture& f, const std::string& who, const std::string& item, const std::string& key,
            bool consent = false) {
  nlohmann::json body = {{"userId", who},
                         {"event", "Viewed"},
                         {"properties", {{"item", item}}},
                         {"context", {{"channel", "web"}}}};
  if (consent) body["context"]["consent"] = {{"categoryPreferences", {{"Personalization", true}}}};
  auto sent = f.Send(profile::CallType::kTrack, body.dump(), key);
  if (!sent.ok()) return sent.status();
  return sent->accepted == 1 ? Status::Ok() : Internal("the event was not accepted");
}

Status Identify(CollectFixture& f, const std::string& who, const std::string& key) {
  auto sent = f.Send(profile::CallType::kIdentify,
                     nlohmann::json{{"userId", who}, {"traits", {{"email", who + "@example.org"}}}}.dump(), key);
  return sent.ok() ? Status::Ok() : sent.status();
}

profile::ProfileReader Reader(CollectFixture& f) { return profile::ProfileReader(&f.store(), &f.config().declaration); }

TEST(BrandIdentity, EachBrandKeepsItsOwnPersonUnlessTheDeclarationUnifiesThem) {
  {
    CollectFixture f(Config(/*across_brands=*/false));
    ASSERT_OK(View(f, "ana", "scarf", "fashion-write-key", /*consent=*/true));
    ASSERT_OK(View(f, "ana", "lamp", "home-write-key"));
    ASSERT_OK(Identify(f, "ana", "fashion-write-key"));
    ASSERT_OK(Identify(f, "ana", "home-write-key"));
    profile::ProfileReader reader = Reader(f);
    auto at_fashion = reader.View("ana", 10, "fashion");
    auto at_home = reader.View("ana", 10, "home");
    ASSERT_OK(at_fashion);
    ASSERT_OK(at_home);
    EXPECT_NE(at_fashion->profile.id, at_home->profile.id) << "the same user id at two brands is two people";
    EXPECT_EQ(at_home->profile.brands, std::vector<std::string>{"home"});
    ASSERT_EQ(at_home->recent_events.size(), 2u);
    for (const auto& e : at_home->recent_events) EXPECT_EQ(e.brand, "home");
    EXPECT_TRUE(at_home->merges.empty()) << "linked to nothing";
    // The grant stated at fashion was stated by fashion's person only.
    auto home_state = consent::ConsentLedger(&f.store()).State(at_home->profile.id);
    ASSERT_OK(home_state);
    EXPECT_EQ(home_state->Find("personalization", "web", "home"), nullptr);
    // The group must say which person it means; e-mails are per brand too.
    EXPECT_THAT(reader.Find("ana"), StatusIs(Code::kConflict, HasSubstr("fashion, home")));
    EXPECT_THAT(reader.Find("email:ana@example.org"), StatusIs(Code::kConflict));
    EXPECT_EQ(reader.Find("email:ana@example.org", "home")->id, at_home->profile.id);
    EXPECT_EQ(reader.Find("profile:" + at_home->profile.id)->id, at_home->profile.id);
    // A group-wide choice cannot guess which of the two was meant; one brand's can.
    EXPECT_THAT(f.ChangeConsent(kGroupAdmin, "ana", R"({"brand":"*","changes":[{"purpose":"personalization","status":"granted"}]})"),
                StatusIs(Code::kConflict, HasSubstr("\"brand\"")));
    ASSERT_OK(f.ChangeConsent(kGroupAdmin, "ana", R"({"brand":"home","changes":[{"purpose":"personalization","status":"granted"}]})"));
    auto now_home = consent::ConsentLedger(&f.store()).State(at_home->profile.id);
    EXPECT_TRUE(policy::Decide(f.config().declaration, *now_home, {"personalization", "web", "home"}).allowed);
    // Through the API, the group names the brand with ?brand=.
    EXPECT_THAT(f.services().profiles.Get(kGroupAdmin, "ana"), StatusIs(Code::kConflict, HasSubstr("?brand=")));
    auto as_home = f.services().profiles.Get(kGroupAdmin, "ana", "", "", "home");
    ASSERT_OK(as_home);
    EXPECT_EQ((*as_home)["profile_id"], at_home->profile.id);
    EXPECT_EQ((*f.services().consent.State(kGroupAdmin, "ana", "fashion"))["profile_id"], at_fashion->profile.id);
    EXPECT_THAT(f.services().consent.History(kGroupAdmin, "ana"), StatusIs(Code::kConflict));
    EXPECT_EQ((*f.services().consent.History(kGroupAdmin, "ana", "home"))["profile_id"], at_home->profile.id);
    // Someone only one brand knows is found by the group without naming it.
    ASSERT_OK(View(f, "solo", "rug", "home-write-key"));
    EXPECT_EQ(reader.Find("solo")->brands, std::vector<std::string>{"home"});
  }
  {
    CollectFixture f(Config(/*across_brands=*/true));
    ASSERT_OK(View(f, "ana", "scarf", "fashion-write-key"));
    ASSERT_OK(View(f, "ana", "lamp", "home-write-key"));
    auto ana = Reader(f).View("ana", 10, "*");
    ASSERT_OK(ana);
    EXPECT_EQ(ana->profile.brands, (std::vector<std::string>{"fashion", "home"}));
    EXPECT_EQ(ana->recent_events.size(), 2u);
  }
}

TEST(BrandIdentity, ABrandsKeyCannotReachAnotherBrandsPeopleByFeedbackHistoryRectificationOrProfileId) {
  CollectFixture f(Config(/*across_brands=*/false));
  ASSERT_OK(View(f, "ana", "scarf", "fashion-write-key", /*consent=*/true));
  ASSERT_OK(View(f, "ana", "lamp", "home-write-key"));
  ASSERT_OK(View(f, "cleo", "hat", "fashion-write-key"));
  ASSERT_OK(Identify(f, "cleo", "fashion-write-key"));
  const service::Principal home_service{service::Role::kService, "home service", "hs", 0, "home"};
  ASSERT_OK(f.ChangeConsent(home_service, "ana", R"({"changes":[{"purpose":"personalization","status":"denied"}]})"));

  // Consent history: home reads what was said to home (or to every brand) only.
  auto history = f.services().consent.History(home_service, "ana");
  ASSERT_OK(history);
  ASSERT_EQ((*history)["records"].size(), 1u);
  EXPECT_EQ((*history)["records"][0]["brand"], "home");
  EXPECT_EQ((*f.services().consent.History(kGroupAdmin, "ana", "fashion"))["records"].size(), 1u);

  // Feedback naming a subject: home's back end reports on home's customers only.
  EXPECT_THAT(f.services().recs.Feedback(home_service, R"({"type":"click","items":["x"],"subject":"cleo"})"),
              StatusIs(Code::kNotFound));

  // A profile id does not carry a choice across to another brand's person.
  const std::string cleo = Reader(f).Find("cleo")->id;
  EXPECT_THAT(f.ChangeConsent(kGroupAdmin, "profile:" + cleo,
                              R"({"brand":"home","changes":[{"purpose":"personalization","status":"granted"}]})"),
              StatusIs(Code::kConflict, HasSubstr("person of brand 'fashion'")));
  EXPECT_EQ(Reader(f).Find("profile:" + cleo)->brands, std::vector<std::string>{"fashion"});

  // Rectifying home's person moves links in home's index only: cleo's address
  // at fashion is neither revealed (no conflict) nor taken over.
  auto fixed = f.services().rights.Create(
      kOfficer, R"({"type":"rectification","subject":"ana","brand":"home","traits":{"email":"cleo@example.org"}})");
  ASSERT_OK(fixed);
  EXPECT_EQ(Reader(f).Find("email:cleo@example.org", "fashion")->id, cleo);
  EXPECT_EQ(Reader(f).Find("email:cleo@example.org", "home")->id, Reader(f).Find("ana", "home")->id);
}

TEST(BrandIdentity, ADataDirectoryKeepsTheWayItNamesPeople) {
  testing::TempDir dir;
  schema::Config single = testing::ExampleConfig();
  single.security.encrypt_at_rest = false;
  schema::Config group = Config(/*across_brands=*/true);
  schema::Config separate = Config(/*across_brands=*/false);
  for (auto* c : {&group, &separate}) c->security = single.security;
  ASSERT_OK(app::OpenData(dir.path(), single).status());
  // One organisation may become a group of brands, once.
  ASSERT_OK(app::OpenData(dir.path(), group).status());
  ASSERT_OK(app::OpenData(dir.path(), group).status());
  EXPECT_THAT(app::OpenData(dir.path(), separate).status(),
              StatusIs(Code::kInvalidArgument, HasSubstr("names people as 'group'")));
  EXPECT_THAT(app::OpenData(dir.path(), single).status(), StatusIs(Code::kInvalidArgument, HasSubstr("'single'")));
}

TEST(BrandIdentity, UnifyingAcrossBrandsNeedsADeclaredPurposeThatDoesNotRestOnConsent) {
  const auto error = [](const std::string& yaml) {
    auto r = schema::ParseConfig(yaml, "bad.yaml");
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_THAT(error(std::string(kBrands) + "identity: {across_brands: personalization}\n"),
              HasSubstr("rests on consent"));
  EXPECT_THAT(error(std::string(kBrands) + "identity: {across_brands: loyalty}\n"), HasSubstr("unknown purpose 'loyalty'"));
  EXPECT_THAT(error("channels: [web]\npurposes: {service: contract}\nidentity: {across_brands: service}\n"),
              HasSubstr("needs brands"));
}

TEST(BrandIdentity, ErasureReachesOneBrandsPersonOrEveryBrands) {
  CollectFixture f(Config(/*across_brands=*/false));
  ASSERT_OK(View(f, "ana", "scarf", "fashion-write-key"));
  ASSERT_OK(View(f, "ana", "lamp", "home-write-key"));
  profile::ProfileReader reader = Reader(f);
  const std::string fashion_id = reader.Find("ana", "fashion")->id;

  auto at_home = f.services().rights.Create(kOfficer, R"({"type":"erasure","subject":"ana","brand":"home"})");
  ASSERT_OK(at_home);
  EXPECT_EQ((*at_home)["status"], "completed");
  EXPECT_EQ((*at_home)["brand"], "home");
  EXPECT_THAT(reader.Find("ana", "home"), StatusIs(Code::kNotFound));
  EXPECT_EQ(reader.Find("ana", "fashion")->id, fashion_id) << "fashion's person is not home's to erase";
  // Home's erased person is not rebuilt by home's later events; fashion collects on.
  auto late = f.Send(profile::CallType::kTrack, R"({"userId":"ana","event":"Viewed","properties":{"item":"vase"}})",
                     "home-write-key");
  ASSERT_OK(late);
  EXPECT_EQ(late->accepted, 0);
  EXPECT_OK(View(f, "ana", "belt", "fashion-write-key"));

  auto everywhere = f.services().rights.Create(kOfficer, R"({"type":"erasure","subject":"ana"})");
  ASSERT_OK(everywhere);
  EXPECT_EQ((*everywhere)["erased_profiles"], nlohmann::json::array({fashion_id}));
  EXPECT_THAT(reader.Find("ana", "fashion"), StatusIs(Code::kNotFound));
}

TEST(BrandIdentity, ABrandsErasureOfASharedPersonTakesOnlyWhatThatBrandCollected) {
  CollectFixture f(Config(/*across_brands=*/true));
  ASSERT_OK(View(f, "dan", "coat", "fashion-write-key"));
  ASSERT_OK(View(f, "dan", "hat", "fashion-write-key"));
  ASSERT_OK(View(f, "dan", "lamp", "home-write-key"));
  auto erased = f.services().rights.Create(kOfficer, R"({"type":"erasure","subject":"dan","brand":"home"})");
  ASSERT_OK(erased);
  EXPECT_EQ((*erased)["outcome"]["events_deleted"], 1);
  EXPECT_EQ((*erased)["outcome"]["still_a_customer_of"], nlohmann::json::array({"fashion"}));
  profile::ProfileReader reader = Reader(f);
  EXPECT_THAT(reader.Find("dan", "home"), StatusIs(Code::kNotFound)) << "to home, dan is nobody now";
  auto dan = reader.View("dan", 10, "*");
  ASSERT_OK(dan);
  ASSERT_EQ(dan->recent_events.size(), 2u);
  for (const auto& e : dan->recent_events) EXPECT_EQ(e.brand, "fashion");
  EXPECT_NE(f.DumpStore().find("coat"), std::string::npos);
  EXPECT_EQ(f.DumpStore().find("lamp"), std::string::npos) << "no byte of home's event is left";
  // Home's later events for dan are dropped (he asked home to erase him);
  // fashion goes on collecting, and home's erasure asked again finds nothing.
  auto late = f.Send(profile::CallType::kTrack, R"({"userId":"dan","event":"Viewed","properties":{"item":"rug"}})",
                     "home-write-key");
  ASSERT_OK(late);
  EXPECT_EQ(late->accepted, 0);
  EXPECT_THAT(reader.Find("dan", "home"), StatusIs(Code::kNotFound));
  EXPECT_OK(View(f, "dan", "belt", "fashion-write-key"));
  auto again = f.services().rights.Create(kOfficer, R"({"type":"erasure","subject":"dan","brand":"home"})");
  ASSERT_OK(again);
  EXPECT_EQ((*again)["outcome"]["found"], false);
  // The profile's counts are those of what stays.
  auto whole = f.services().profiles.Get(kGroupAdmin, "dan");
  ASSERT_OK(whole);
  EXPECT_EQ((*whole)["event_count"], 3);
}

// The brand's erasure is one transaction: a write that fails leaves the
// person as they were at both brands (nothing half deleted), and the request
// asked again does it whole.
TEST(BrandIdentity, ABrandsErasureThatCannotBeWrittenChangesNothingAndCanBeAskedAgain) {
  auto inner = store::NewMemoryStore();
  auto flaky = std::make_unique<testing::FlakyStore>(inner.get());
  testing::FlakyStore* disk = flaky.get();
  CollectFixture f(Config(/*across_brands=*/true), std::move(flaky));
  ASSERT_OK(View(f, "dan", "coat", "fashion-write-key"));
  ASSERT_OK(View(f, "dan", "lamp", "home-write-key"));
  ASSERT_OK(View(f, "dan", "vase", "home-write-key"));
  const std::string before = f.DumpStore();
  const std::string body = R"({"type":"erasure","subject":"dan","brand":"home"})";

  disk->failing = true;
  EXPECT_FALSE(f.services().rights.Create(kOfficer, body).ok());
  disk->failing = false;
  for (int i = 0; i < 200 && !f.writer().health().ok(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_OK(f.writer().health());
  EXPECT_EQ(f.DumpStore(), before) << "a failed erasure leaves nothing half done";
  const auto collected_by = [&](const std::string& brand) {
    int n = 0;
    auto view = Reader(f).View("dan", 10, "*");  // kept: a range over a temporary's member would dangle
    for (const auto& e : view->recent_events) n += e.brand == brand;
    return n;
  };
  EXPECT_EQ(collected_by("home"), 2);

  auto retried = f.services().rights.Create(kOfficer, body);
  ASSERT_OK(retried);
  EXPECT_EQ((*retried)["outcome"]["events_deleted"], 2);
  EXPECT_THAT(Reader(f).Find("dan", "home"), StatusIs(Code::kNotFound));
  EXPECT_EQ(collected_by("home"), 0);
  EXPECT_EQ(collected_by("fashion"), 1);
}

TEST(BrandIdentity, ABrandThatDoesNotRunTheGroupIdentitySeesOnlyTheIdentifiersItCollected) {
  CollectFixture f(Config(/*across_brands=*/true, /*home_runs_group_account=*/false));
  ASSERT_OK(f.Send(profile::CallType::kIdentify,
                   R"({"userId":"dan","anonymousId":"fashion-device","traits":{"email":"dan@fashion.example"}})",
                   "fashion-write-key"));
  ASSERT_OK(f.Send(profile::CallType::kTrack,
                   R"({"anonymousId":"home-device","event":"Viewed","properties":{"item":"lamp"}})", "home-write-key"));
  ASSERT_OK(f.Send(profile::CallType::kIdentify,
                   R"({"userId":"dan","anonymousId":"home-device","traits":{"email":"dan@home.example"}})",
                   "home-write-key"));
  const std::string reason = f.config().security.access_reasons.front();
  const service::Principal home_agent{service::Role::kAgent, "home agent", "ha", 0, "home"};
  auto seen = f.services().profiles.Get(home_agent, "dan", reason);
  ASSERT_OK(seen);
  EXPECT_EQ((*seen)["identities"]["anonymous_ids"], nlohmann::json::array({"home-device"}));
  EXPECT_EQ((*seen)["identities"]["emails"], nlohmann::json::array({"dan@home.example"}));
  EXPECT_EQ((*seen)["merges"], nlohmann::json::array()) << "how home's visitor was joined to the group's person";
  auto whole = f.services().profiles.Get(kGroupAdmin, "dan");
  ASSERT_OK(whole);
  EXPECT_EQ((*whole)["identities"]["anonymous_ids"].size(), 2u);
  EXPECT_EQ((*whole)["identities"]["emails"].size(), 2u);
  EXPECT_FALSE((*whole)["merges"].empty());
}

TEST(BrandIdentity, TheAccessExportListsWhatEachBrandHolds) {
  {
    CollectFixture f(Config(/*across_brands=*/true));
    ASSERT_OK(View(f, "dan", "coat", "fashion-write-key", /*consent=*/true));
    ASSERT_OK(View(f, "dan", "hat", "fashion-write-key"));
    ASSERT_OK(View(f, "dan", "lamp", "home-write-key"));
    auto e = f.services().rights.Export("dan");
    ASSERT_OK(e);
    ASSERT_EQ((*e)["brands"].size(), 2u);
    const auto& fashion = (*e)["brands"][0];
    EXPECT_EQ(fashion["brand"], "fashion");
    EXPECT_EQ(fashion["controller"], "Example Fashion Ltd");
    EXPECT_EQ(fashion["events"], 2);
    EXPECT_EQ(fashion["choices_stated_to_it"], 1);
    EXPECT_EQ(fashion["decisions"]["personalization"]["web"]["allowed"], true);
    const auto& home = (*e)["brands"][1];
    EXPECT_EQ(home["events"], 1);
    EXPECT_EQ(home["decisions"]["personalization"]["web"]["allowed"], false) << "granted to fashion only";
    std::multiset<std::string> collected_by;
    for (const auto& ev : (*e)["events"]) collected_by.insert(ev["brand"].get<std::string>());
    EXPECT_EQ(collected_by, (std::multiset<std::string>{"fashion", "fashion", "home"}))
        << "each event says which brand collected it";
  }
  {
    CollectFixture f(Config(/*across_brands=*/false));
    ASSERT_OK(View(f, "ana", "scarf", "fashion-write-key"));
    ASSERT_OK(View(f, "ana", "lamp", "home-write-key"));
    auto filed = f.services().rights.Create(kOfficer, R"({"type":"access","subject":"ana"})");
    ASSERT_OK(filed);
    EXPECT_EQ((*filed)["profile_ids"].size(), 2u) << "the group's request reaches the person at each brand";
    auto record = f.services().rights.Get(kOfficer, (*filed)["id"].get<std::string>());
    ASSERT_OK(record);
    const auto& e = (*record)["export"];
    ASSERT_EQ(e["brands"].size(), 2u);
    EXPECT_EQ(e["brands"][0]["brand"], "fashion");
    EXPECT_EQ(e["brands"][1]["brand"], "home");
    ASSERT_EQ(e["people_at_other_brands"].size(), 1u);
    EXPECT_EQ(e["people_at_other_brands"][0]["events"][0]["properties"]["item"], "lamp");
    auto one = f.services().rights.Create(kOfficer, R"({"type":"access","subject":"ana","brand":"home"})");
    ASSERT_OK(one);
    EXPECT_FALSE(one->contains("profile_ids"));
  }
}

}  // namespace
}  // namespace shinrai
