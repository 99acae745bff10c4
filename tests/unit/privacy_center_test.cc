// Issue 18, item 4 (its back end): the signed, expiring, single-person link
// a brand's back end asks for, and what the person may do with it.
#include <gtest/gtest.h>

#include <future>

#include "consent/quiet_hours.h"
#include "core/time_format.h"
#include "crypto/aead.h"
#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"
#include "transparency/privacy_center_link.h"

namespace shinrai {
namespace {

using ::testing::HasSubstr;
using testing::CollectFixture;
using testing::StatusIs;

const service::Principal kService{service::Role::kService, "back end", "s"};
const service::Principal kAdmin{service::Role::kAdmin, "admin", "a"};

std::string TokenOf(const nlohmann::json& link) {
  const std::string url = link["url"];
  return url.substr(url.find("#t=") + 3);
}

Result<nlohmann::json> Change(CollectFixture& f, const std::string& token, const std::string& body) {
  std::promise<Result<nlohmann::json>> done;
  f.services().privacy_center.ChangeConsent(token, body, [&](Result<nlohmann::json> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

TEST(PrivacyCenterLink, OnlyTheServerReadsItAndOnlyUntilItExpires) {
  ASSERT_OK(crypto::InitCrypto());
  const crypto::SecretKey key = crypto::SecretKey::Random();
  const std::string token = transparency::IssuePrivacyCenterToken(key, {"p123", "home", 10'000});
  auto read = transparency::ReadPrivacyCenterToken(key, token, 9'999);
  ASSERT_OK(read);
  EXPECT_EQ(read->profile_id, "p123");
  EXPECT_EQ(read->brand, "home");
  EXPECT_EQ(token.find("p123"), std::string::npos) << "the profile id cannot be read out of it";
  EXPECT_THAT(transparency::ReadPrivacyCenterToken(key, token, 10'000),
              StatusIs(Code::kUnauthenticated, HasSubstr("expired")));
  std::string altered = token;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(transparency::ReadPrivacyCenterToken(key, altered, 0), StatusIs(Code::kUnauthenticated, HasSubstr("altered")));
  EXPECT_THAT(transparency::ReadPrivacyCenterToken(crypto::SecretKey::Random(), token, 0),
              StatusIs(Code::kUnauthenticated));
  EXPECT_THAT(transparency::ReadPrivacyCenterToken(key, "", 0), StatusIs(Code::kUnauthenticated));
}

TEST(PrivacyCenter, TheLinkOpensThePersonsOwnChoicesAndRecordsTheirChangesAsTheirs) {
  CollectFixture f(testing::ExampleConfig());
  ASSERT_OK(f.Identify(R"({"userId":"pia","traits":{"email":"pia@example.org"}})"));
  auto link = f.services().privacy_center.CreateLink(kService, R"({"subject":"email:pia@example.org","ttl_seconds":900})");
  ASSERT_OK(link);
  EXPECT_EQ((*link)["url"].get<std::string>().rfind("http://127.0.0.1:8088/privacy-center/#t=pc1.", 0), 0u);
  const std::string token = TokenOf(*link);

  auto me = f.services().privacy_center.Me(token, "ja");
  ASSERT_OK(me);
  EXPECT_EQ((*me)["notice"]["lang"], "ja");
  EXPECT_EQ((*me)["choices"]["purposes"]["sms_marketing"]["channels"]["sms"].is_null(), true);
  EXPECT_EQ((*me)["choices"]["purposes"]["email_marketing"]["channels"]["email"]["allowed"], false);

  // Per purpose and per channel, never all-or-nothing.
  ASSERT_OK(Change(f, token, R"({"changes":[{"purpose":"email_marketing","channel":"email","status":"granted"},
                                            {"purpose":"personalization","status":"granted"}]})"));
  auto history = f.services().consent.History(kAdmin, "pia");
  ASSERT_OK(history);
  ASSERT_EQ((*history)["records"].size(), 2u);
  for (const auto& r : (*history)["records"]) {
    EXPECT_EQ(r["source"], "privacy_center");
    EXPECT_EQ(r["notice_version"], f.config().declaration.consent.notice_version);
  }
  auto state = f.services().consent.State(kAdmin, "pia");
  EXPECT_EQ((*state)["purposes"]["email_marketing"]["channels"]["email"]["allowed"], true);
  EXPECT_EQ((*state)["purposes"]["email_marketing"]["channels"]["web"]["allowed"], false);

  // The page states choices only: not their source, brand or notice.
  EXPECT_THAT(Change(f, token, R"({"changes":[{"purpose":"advertising","status":"granted","source":"consent_manager"}]})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("'source'")));
  EXPECT_THAT(Change(f, token, R"({"changes":[],"source":"x"})"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(Change(f, token + "A", R"({"changes":[]})"), StatusIs(Code::kUnauthenticated));

  // The data report and the export are the person's; erasure needs a yes.
  auto data = f.services().privacy_center.Data(token, "en");
  ASSERT_OK(data);
  ASSERT_FALSE((*data)["held"].empty());
  EXPECT_EQ((*data)["held"][0]["what"], "identify");
  auto exported = f.services().privacy_center.Export(token);
  ASSERT_OK(exported);
  EXPECT_EQ((*exported)["identities"]["user_id"], "pia");
  for (const char* unsure : {"{}", R"({"confirm":"true"})", R"({"confirm":1})", R"({"confirm":true,"also":1})", "\xff"})
    EXPECT_THAT(f.services().privacy_center.Erase(token, unsure), StatusIs(Code::kInvalidArgument, HasSubstr("confirm")))
        << unsure;
  // A refused request writes nothing, even with the GPC signal.
  const size_t records = (*f.services().consent.History(kAdmin, "pia"))["records"].size();
  EXPECT_THAT(f.services().privacy_center.Me(token, "xx", /*gpc=*/true), StatusIs(Code::kInvalidArgument));
  EXPECT_EQ((*f.services().consent.History(kAdmin, "pia"))["records"].size(), records);
  EXPECT_THAT(f.services().privacy_center.Data(token, "fr"), StatusIs(Code::kInvalidArgument, HasSubstr("lang")));

  // After the person's erasure, their link opens, files and names nothing.
  auto erased = f.services().privacy_center.Erase(token, R"({"confirm":true})");
  ASSERT_OK(erased);
  EXPECT_EQ((*erased)["status"], "completed");
  const size_t requests = f.services().rights.List()->size();
  for (auto r : {f.services().privacy_center.Me(token, "en"), f.services().privacy_center.Export(token),
                 f.services().privacy_center.Erase(token, R"({"confirm":true})"), Change(f, token, R"({"changes":[]})")}) {
    EXPECT_THAT(r, StatusIs(Code::kNotFound, HasSubstr("nothing is held about you")));
    EXPECT_EQ(r.status().message().find("profile"), std::string::npos) << r.status().message();
  }
  EXPECT_EQ(f.services().rights.List()->size(), requests);

  // An expired link opens nothing.
  f.env().Advance(int64_t{900} * 1'000'000);  // microseconds
  EXPECT_THAT(f.services().privacy_center.Me(token, "en"), StatusIs(Code::kUnauthenticated, HasSubstr("expired")));
}

TEST(PrivacyCenter, OnlyABrandsBackEndAsksAndOnlyForItsOwnCustomers) {
  CollectFixture f(testing::ExampleConfig());
  ASSERT_OK(f.Identify(R"({"userId":"pia"})"));
  const service::Principal agent{service::Role::kAgent, "agent", "ag"};
  EXPECT_THAT(f.services().privacy_center.CreateLink(agent, R"({"subject":"pia"})"),
              StatusIs(Code::kPermissionDenied, HasSubstr("privacy center link")));
  EXPECT_THAT(f.services().privacy_center.CreateLink(kService, R"({"subject":"nobody"})"), StatusIs(Code::kNotFound));
  EXPECT_THAT(f.services().privacy_center.CreateLink(kService, R"({"subject":"pia","ttl_seconds":0})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("ttl_seconds")));
  EXPECT_THAT(f.services().privacy_center.CreateLink(kService, R"({"subject":"pia","ttl_seconds":99999999})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("a week")));
  EXPECT_THAT(f.services().privacy_center.CreateLink(kService, R"({"subject":"pia","extra":1})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("'extra'")));
  EXPECT_THAT(f.services().privacy_center.CreateLink(kService, "\xff"), StatusIs(Code::kInvalidArgument));
}

}  // namespace
// Issue 18, item 3: "why am I seeing this?" for a recommendation, in plain
// words, and the one-click switch that turns that personalization off.
Result<nlohmann::json> TurnOff(CollectFixture& f, const std::string& body) {
  std::promise<Result<nlohmann::json>> done;
  f.services().privacy_center.TurnOff(body, [&](Result<nlohmann::json> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

nlohmann::json View(const std::string& user, const std::string& item) {
  return {{"userId", user},
          {"type", "track"},
          {"event", "Product Viewed"},
          {"properties", {{"product_id", item}}},
          {"context", {{"channel", "web"}, {"consent", {{"categoryPreferences", {{"Personalization", true}}}}}}}};
}

TEST(WhyThis, SaysWhyInPlainWordsAndItsSwitchTurnsThatPersonalizationOff) {
  CollectFixture f(testing::ExampleConfig());
  f.config().recommendations.holdout_share = 0;
  auto& recs = f.services().recs;
  auto& center = f.services().privacy_center;
  nlohmann::json items = nlohmann::json::array();
  for (int i = 0; i < 20; ++i)
    items.push_back({{"id", "t" + std::to_string(i)}, {"name", "Tea no. " + std::to_string(i)}, {"category", "tea"}});
  ASSERT_OK(recs.UpsertCatalog(kAdmin, nlohmann::json{{"items", items}}.dump()));
  // Two tastes: even people view t0-t9, odd ones t10-t19.
  nlohmann::json batch = nlohmann::json::array();
  for (int u = 0; u < 40; ++u)
    for (int k = 0; k < 6; ++k)
      batch.push_back(View("u" + std::to_string(u), "t" + std::to_string((u % 2) * 10 + (u * 3 + k) % 10)));
  ASSERT_OK(f.Send(std::nullopt, nlohmann::json{{"batch", batch}}.dump()));
  ASSERT_OK(recs.Train());

  auto rec = recs.Recommend(kService, "u2", {});
  ASSERT_OK(rec);
  ASSERT_TRUE((*rec)["personalized"].get<bool>()) << rec->dump();
  const std::string rid = (*rec)["recommendation_id"];
  EXPECT_EQ((*rec)["why_url"], "http://127.0.0.1:8088/privacy-center/why.html#r=" + rid);
  std::string mine;
  nlohmann::json because;
  for (const auto& i : (*rec)["items"])
    if (i["source"] == "collaborative" && !i["because"]["items"].empty() && mine.empty()) {
      mine = i["item"];
      because = i["because"]["items"];
    }
  ASSERT_FALSE(mine.empty()) << rec->dump();

  auto why = center.Why(nlohmann::json{{"recommendation_id", rid}, {"item", mine}}.dump());
  ASSERT_OK(why);
  ASSERT_EQ((*why)["items"].size(), 1u);
  const std::string text = (*why)["items"][0]["text"];
  EXPECT_THAT(text, HasSubstr("We suggest Tea no. " + mine.substr(1) + " because of what you chose before: "));
  for (const auto& past : because)
    EXPECT_THAT(text, HasSubstr("Tea no. " + past["item"].get<std::string>().substr(1))) << "names the past items";
  EXPECT_TRUE((*why)["personalized"].get<bool>());
  EXPECT_THAT((*why)["data_used"].get<std::string>(), HasSubstr("To choose it we used: "));
  EXPECT_FALSE((*why)["switch"].contains("on")) << "the person's consent now is not for whoever holds the id";
  EXPECT_EQ((*why)["switch"]["label"], "Turn off personalized suggestions on our website");
  auto ja = center.Why(nlohmann::json{{"recommendation_id", rid}, {"lang", "ja"}}.dump());
  ASSERT_OK(ja);
  EXPECT_EQ((*ja)["items"].size(), (*rec)["items"].size()) << "without an item, every item";
  EXPECT_THAT((*ja)["title"].get<std::string>(), HasSubstr("理由"));

  // Refused, naming the problem, and nothing is written.
  std::string altered = rid;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(center.Why(nlohmann::json{{"recommendation_id", altered}}.dump()),
              StatusIs(Code::kInvalidArgument, HasSubstr("recommendation_id")));
  EXPECT_THAT(center.Why(nlohmann::json{{"recommendation_id", rid}, {"item", "t-never"}}.dump()),
              StatusIs(Code::kInvalidArgument, HasSubstr("was not in this recommendation")));
  EXPECT_THAT(center.Why(nlohmann::json{{"recommendation_id", rid}, {"lang", "fr"}}.dump()),
              StatusIs(Code::kInvalidArgument, HasSubstr("lang")));
  EXPECT_THAT(center.Why("\xff"), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(TurnOff(f, nlohmann::json{{"recommendation_id", rid}, {"purpose", "advertising"}}.dump()),
              StatusIs(Code::kInvalidArgument, HasSubstr("'purpose'")));
  EXPECT_TRUE((*f.services().consent.History(kAdmin, "u2"))["records"].size() == 1);

  // One click: the person's own withdrawal, on the channel it was shown on.
  auto off = TurnOff(f, nlohmann::json{{"recommendation_id", rid}}.dump());
  ASSERT_OK(off);
  EXPECT_EQ(*off, (nlohmann::json{{"turned_off", true}, {"recorded", 1}})) << "nothing else about the person";
  auto history = f.services().consent.History(kAdmin, "u2");
  const nlohmann::json& last = (*history)["records"].back();
  EXPECT_EQ(last["purpose"], "personalization");
  EXPECT_EQ(last["channel"], "web");
  EXPECT_EQ(last["status"], "withdrawn");
  EXPECT_EQ(last["source"], "privacy_center");
  EXPECT_FALSE((*recs.Recommend(kService, "u2", {}))["personalized"].get<bool>());
  EXPECT_EQ((*TurnOff(f, nlohmann::json{{"recommendation_id", rid}}.dump()))["recorded"], 0) << "a second click changes nothing";

  // For nobody known: popular, nothing about anyone, nothing to turn off.
  auto anon = recs.Recommend(kService, "never-seen", {});
  ASSERT_OK(anon);
  auto anon_why = center.Why(nlohmann::json{{"recommendation_id", (*anon)["recommendation_id"]}}.dump());
  ASSERT_OK(anon_why);
  EXPECT_TRUE((*anon_why)["switch"].is_null());
  EXPECT_THAT((*anon_why)["items"][0]["text"].get<std::string>(), HasSubstr("Nothing about you was used"));
  EXPECT_THAT(TurnOff(f, nlohmann::json{{"recommendation_id", (*anon)["recommendation_id"]}}.dump()),
              StatusIs(Code::kInvalidArgument, HasSubstr("nothing to turn off")));

  // After the person's erasure the explanation names nobody.
  ASSERT_OK(f.services().rights.Create(kAdmin, R"({"type":"erasure","subject":"u2"})"));
  EXPECT_THAT(center.Why(nlohmann::json{{"recommendation_id", rid}}.dump()),
              StatusIs(Code::kNotFound, HasSubstr("nothing is held about you")));
}

Result<nlohmann::json> Quiet(CollectFixture& f, const std::string& token, const std::string& body) {
  std::promise<Result<nlohmann::json>> done;
  f.services().privacy_center.SetQuietHours(token, body, [&](Result<nlohmann::json> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

int64_t At(const char* iso) { return *ParseIso8601Millis(iso); }

TEST(QuietHours, AreKeptInThePersonsOwnTimeZoneAcrossMidnightAndDaylightSaving) {
  auto tokyo = consent::ParseQuietHours({{"from", "21:00"}, {"to", "08:00"}, {"time_zone", "Asia/Tokyo"}});
  ASSERT_OK(tokyo);
  EXPECT_TRUE(consent::InQuietHours(*tokyo, At("2026-11-30T13:00:00Z")));   // 22:00 in Tokyo
  EXPECT_TRUE(consent::InQuietHours(*tokyo, At("2026-11-30T22:59:00Z")));   // 07:59
  EXPECT_FALSE(consent::InQuietHours(*tokyo, At("2026-11-30T23:00:00Z")));  // 08:00
  EXPECT_FALSE(consent::InQuietHours(*tokyo, At("2026-11-30T03:00:00Z")));  // noon
  auto paris = consent::ParseQuietHours({{"from", "22:00"}, {"to", "23:00"}, {"time_zone", "Europe/Paris"}});
  ASSERT_OK(paris);
  EXPECT_TRUE(consent::InQuietHours(*paris, At("2026-07-01T20:30:00Z"))) << "22:30 in summer (UTC+2)";
  EXPECT_FALSE(consent::InQuietHours(*paris, At("2026-01-15T20:30:00Z"))) << "21:30 in winter (UTC+1)";
  EXPECT_EQ(consent::QuietHoursToJson(*tokyo), nlohmann::json::parse(R"({"from":"21:00","to":"08:00","time_zone":"Asia/Tokyo"})"));

  for (const char* bad : {R"({"from":"25:00","to":"08:00","time_zone":"Asia/Tokyo"})",
                          R"({"from":"9:00","to":"08:00","time_zone":"Asia/Tokyo"})",
                          R"({"from":"08:00","to":"08:00","time_zone":"Asia/Tokyo"})",
                          R"({"from":"21:00","to":"08:00","time_zone":"Mars/Olympus"})",
                          R"({"from":"21:00","to":"08:00"})", R"({"from":"21:00","to":"08:00","time_zone":"UTC","x":1})",
                          R"("21:00-08:00")"})
    EXPECT_THAT(consent::ParseQuietHours(nlohmann::json::parse(bad)), StatusIs(Code::kInvalidArgument, HasSubstr("quiet_hours")))
        << bad;
}

TEST(QuietHours, ThePersonSetsThemInThePrivacyCenterAndTheyGoWithTheirErasure) {
  CollectFixture f(testing::ExampleConfig());
  ASSERT_OK(f.Identify(R"({"userId":"qin","traits":{"email":"qin@example.org"}})"));
  const std::string token = TokenOf(*f.services().privacy_center.CreateLink(kService, R"({"subject":"qin"})"));
  EXPECT_TRUE((*f.services().privacy_center.Me(token, "en"))["quiet_hours"].is_null());
  auto set = Quiet(f, token, R"({"quiet_hours":{"from":"22:00","to":"07:30","time_zone":"Asia/Tokyo"}})");
  ASSERT_OK(set);
  EXPECT_EQ((*set)["quiet_hours"]["to"], "07:30");
  EXPECT_EQ((*f.services().privacy_center.Me(token, "en"))["quiet_hours"]["from"], "22:00");
  auto exported = f.services().privacy_center.Export(token);
  ASSERT_OK(exported);
  EXPECT_EQ((*exported)["quiet_hours"]["*"]["time_zone"], "Asia/Tokyo") << "the person's data, in their export";

  for (const char* bad : {"{}", R"({"quiet_hours":{"from":"22:00"}})", R"({"quiet_hours":null,"also":1})", "\xff"})
    EXPECT_THAT(Quiet(f, token, bad), StatusIs(Code::kInvalidArgument)) << bad;
  EXPECT_EQ((*f.services().privacy_center.Me(token, "en"))["quiet_hours"]["from"], "22:00") << "a refusal changes nothing";
  EXPECT_THAT(Quiet(f, token + "x", R"({"quiet_hours":null})"), StatusIs(Code::kUnauthenticated));

  ASSERT_OK(Quiet(f, token, R"({"quiet_hours":null})"));
  EXPECT_TRUE((*f.services().privacy_center.Me(token, "en"))["quiet_hours"].is_null());
  ASSERT_OK(Quiet(f, token, R"({"quiet_hours":{"from":"22:00","to":"07:30","time_zone":"UTC"}})"));
  const std::string pid = (*exported)["profile_id"];
  ASSERT_OK(f.services().privacy_center.Erase(token, R"({"confirm":true})"));
  int left = 0;
  store::ScanOptions so;
  so.prefix = consent::QuietHoursPrefix(pid);
  ASSERT_OK(f.store().Scan(so, [&](std::string_view, std::string_view) { return ++left, true; }));
  EXPECT_EQ(left, 0) << "erased with the person";
  EXPECT_THAT(Quiet(f, token, R"({"quiet_hours":null})"), StatusIs(Code::kNotFound, HasSubstr("nothing is held")));
}

TEST(QuietHours, FollowThePersonThroughAMergeAndReachTheSender) {
  CollectFixture f(testing::ExampleConfig());
  ASSERT_OK(f.Track(R"({"anonymousId":"anon-qh","event":"Product Viewed","properties":{"product_id":"p1"}})"));
  const std::string anon = TokenOf(*f.services().privacy_center.CreateLink(kService, R"({"subject":"anon-qh"})"));
  ASSERT_OK(Quiet(f, anon, R"({"quiet_hours":{"from":"22:00","to":"07:00","time_zone":"Asia/Tokyo"}})"));
  ASSERT_OK(f.Identify(R"({"anonymousId":"anon-qh","userId":"ria"})"));  // the device was ria's
  const std::string ria = TokenOf(*f.services().privacy_center.CreateLink(kService, R"({"subject":"ria"})"));
  EXPECT_EQ((*f.services().privacy_center.Me(ria, "en"))["quiet_hours"]["from"], "22:00");
  EXPECT_EQ((*f.services().privacy_center.Export(ria))["quiet_hours"]["*"]["to"], "07:00");
  // Changed through either link, it is the one person's.
  ASSERT_OK(Quiet(f, anon, R"({"quiet_hours":{"from":"23:00","to":"06:00","time_zone":"Asia/Tokyo"}})"));
  EXPECT_EQ((*f.services().privacy_center.Me(ria, "en"))["quiet_hours"]["from"], "23:00");
  // What a brand's sender reads before sending.
  auto state = f.services().consent.State(kAdmin, "ria");
  ASSERT_OK(state);
  EXPECT_EQ((*state)["quiet_hours"]["from"], "23:00");
  EXPECT_TRUE((*state)["in_quiet_hours_now"].is_boolean());
}

}  // namespace shinrai
