// Recommendations end to end through the real collection pipeline: events go
// in through CollectService, the model trains from the store, and every rule
// the issue names is checked on what a person would be shown. The history is
// a slice of MovieLens 100K (users 1-120, ratings >= 4 as views, 5 as
// purchases) when ../shared/datasets is present, else a generated shop with
// two tastes.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <thread>

#include "consent/ledger.h"
#include "recs/dataset.h"
#include "personalize/recommendation_service.h"
#include "testing/collect_fixture.h"

namespace shinrai::service {
namespace {

using nlohmann::json;
using testing::CollectFixture;

struct Row {
  std::string user, item;
  bool purchase;
};

std::vector<Row> SliceOrGenerated(bool* real) {
  std::vector<Row> rows;
  const std::string path = std::string(SHINRAI_SOURCE_DIR) + "/../shared/datasets/movielens-100k/u.data";
  std::ifstream in(path);
  *real = static_cast<bool>(in);
  if (*real) {
    int u, i, r;
    long t;
    while (in >> u >> i >> r >> t)
      if (u <= 120 && r >= 4) rows.push_back({"u" + std::to_string(u), "m" + std::to_string(i), r == 5});
    return rows;
  }
  for (int u = 0; u < 120; ++u)
    for (int k = 0; k < 12; ++k) {
      const int taste = u % 2;
      rows.push_back({"u" + std::to_string(u), "m" + std::to_string(taste * 100 + (u * 7 + k * 3) % 40), k % 4 == 0});
    }
  return rows;
}

std::string Consent(bool personalization) {
  return json{{"categoryPreferences", {{"Personalization", personalization}, {"Analytics", true}}}}.dump();
}

json Call(const std::string& user, const std::string& item, bool purchase, bool consent = true) {
  json c = {{"userId", user}, {"type", "track"}, {"context", {{"channel", "web"}, {"consent", json::parse(Consent(consent))}}}};
  if (purchase) {
    c["event"] = "Order Completed";
    c["properties"] = {{"order_id", "o-" + user + item}, {"products", json::array({{{"product_id", item}}})}};
  } else {
    c["event"] = "Product Viewed";
    c["properties"] = {{"product_id", item}};
  }
  return c;
}

class RecommendationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fx_ = std::make_unique<CollectFixture>(testing::ExampleConfig());
    fx_->config().recommendations.holdout_share = 0;
    recs_ = std::make_unique<RecommendationService>(fx_->deps(), "");
    ASSERT_TRUE(recs_->Load().ok());
    rows_ = SliceOrGenerated(&real_);
    std::set<std::string> items;
    for (const Row& r : rows_) items.insert(r.item);
    json catalog = json::array();
    for (const std::string& i : items) {
      const int n = std::stoi(i.substr(1));
      // Five categories; wellness maps to the sensitive "health" category in examples/shinrai.yaml.
      static const char* kCats[] = {"books", "garden", "kitchen", "tea", "wellness"};
      catalog.push_back({{"id", i}, {"category", kCats[n % 5]}, {"repurchasable", n % 5 == 3}});
    }
    ASSERT_TRUE(recs_->UpsertCatalog(admin_, json{{"items", catalog}}.dump()).ok());
    json batch = json::array();
    for (const Row& r : rows_) {
      batch.push_back(Call(r.user, r.item, r.purchase));
      if (batch.size() == 500) Flush(batch);
    }
    Flush(batch);
    auto trained = recs_->Train();
    ASSERT_TRUE(trained.ok()) << trained.status().ToString();
  }

  void Flush(json& batch) {
    if (batch.empty()) return;
    auto r = fx_->Send(std::nullopt, json{{"batch", batch}}.dump());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    batch = json::array();
  }

  json Recommend(const std::string& who, int n = 10, const std::string& context = "") {
    RecommendRequest req;
    req.n = n;
    req.context_item = context;
    auto r = recs_->Recommend(service_, who, req);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : json::object();
  }

  std::set<std::string> Items(const json& reply) {
    std::set<std::string> out;
    for (const auto& i : reply["items"]) out.insert(i["item"].get<std::string>());
    return out;
  }

  std::unique_ptr<CollectFixture> fx_;
  std::unique_ptr<RecommendationService> recs_;
  std::vector<Row> rows_;
  bool real_ = false;
  Principal admin_{Role::kAdmin, "test", "t"};
  Principal service_{Role::kService, "test", "t"};
};

TEST_F(RecommendationTest, PurchasedItemsNeverComeBackUnlessRepurchasable) {
  std::map<std::string, std::set<std::string>> bought;
  for (const Row& r : rows_)
    if (r.purchase && std::stoi(r.item.substr(1)) % 5 != 3) bought[r.user].insert(r.item);
  int checked = 0;
  for (const auto& [user, items] : bought) {
    json reply = Recommend(user, 50);
    ASSERT_TRUE(reply["personalized"].get<bool>()) << user;
    for (const std::string& i : Items(reply)) EXPECT_FALSE(items.count(i)) << user << " was offered " << i << " again";
    if (++checked == 40) break;
  }
  EXPECT_GE(checked, 10) << (real_ ? "MovieLens slice" : "generated shop");
}

TEST_F(RecommendationTest, DiversityCapsEveryCategory) {
  json reply = Recommend("u1", 12);
  std::map<std::string, int> per;
  for (const auto& i : reply["items"]) ++per[i["category"].get<std::string>()];
  for (const auto& [cat, n] : per) EXPECT_LE(n, fx_->config().recommendations.max_per_category) << cat;
  EXPECT_GE(per.size(), 3u);
}

TEST_F(RecommendationTest, WithoutConsentOnlyNonPersonalizedResults) {
  auto r = fx_->Send(std::nullopt, json{{"batch", {Call("u2", "m1", false, false)}}}.dump());
  ASSERT_TRUE(r.ok());
  json reply = Recommend("u2");
  EXPECT_FALSE(reply["personalized"].get<bool>());
  EXPECT_EQ(reply["reason"], "consent_denied");
  EXPECT_EQ(reply["confidence"], 0.0);
  EXPECT_TRUE(reply["data_categories_used"].empty());
  ASSERT_FALSE(reply["items"].empty());
  for (const auto& i : reply["items"]) {
    EXPECT_EQ(i["source"], "popular");
    // Sensitive categories need explicit consent, which u2 no longer gives.
    EXPECT_NE(i["category"], "wellness");
  }
  // An unknown visitor gets popular items, and is told why.
  json anon = Recommend("nobody-known");
  EXPECT_FALSE(anon["personalized"].get<bool>());
  EXPECT_EQ(anon["reason"], "no_profile");
}

TEST_F(RecommendationTest, ExplanationsNameRealPastItems) {
  std::set<std::string> history;
  for (const Row& r : rows_)
    if (r.user == "u3") history.insert(r.item);
  json reply = Recommend("u3");
  int explained = 0;
  for (const auto& i : reply["items"]) {
    if (i["source"] != "collaborative") continue;
    for (const auto& past : i["because"]["items"]) {
      EXPECT_TRUE(history.count(past["item"].get<std::string>())) << past.dump();
      ++explained;
    }
  }
  EXPECT_GT(explained, 0) << reply.dump();
  EXPECT_TRUE(reply["data_categories_used"].size() >= 1);
}

TEST_F(RecommendationTest, FoldInReactsToNewEventsWithoutRetraining) {
  // A newcomer with one view: thin profile, low confidence, mostly popular.
  ASSERT_TRUE(fx_->Send(std::nullopt, json{{"batch", {Call("newcomer", rows_[0].item, false)}}}.dump()).ok());
  json before = Recommend("newcomer");
  EXPECT_LT(before["confidence"].get<double>(), 1.0);
  // Then the newcomer views what u5 liked.
  json batch = json::array();
  for (const Row& r : rows_)
    if (r.user == "u5" && batch.size() < 15) batch.push_back(Call("newcomer", r.item, false));
  ASSERT_TRUE(fx_->Send(std::nullopt, json{{"batch", batch}}.dump()).ok());
  json after = Recommend("newcomer");
  EXPECT_EQ(before["model_version"], after["model_version"]);
  EXPECT_GT(after["confidence"].get<double>(), before["confidence"].get<double>());
  EXPECT_NE(Items(before), Items(after));
}

TEST_F(RecommendationTest, IgnoredItemsRestAfterTheFrequencyCap) {
  json first = Recommend("u4", 5);
  const std::string top = first["items"][0]["item"];
  const int cap = fx_->config().recommendations.frequency_cap;
  for (int k = 0; k < cap; ++k) {
    fx_->env().Advance(60'000'000);
    ASSERT_TRUE(recs_->Feedback(service_, json{{"type", "impression"}, {"subject", "u4"}, {"items", {top}}}.dump()).ok());
  }
  json capped = Recommend("u4", 5);
  EXPECT_FALSE(Items(capped).count(top));
  EXPECT_GE(capped["excluded"]["frequency_cap"].get<int>(), 1);
  fx_->env().Advance((fx_->config().recommendations.rest_seconds + 60) * 1'000'000);
  EXPECT_TRUE(Items(Recommend("u4", 5)).count(top)) << "rest is over";
}

// Issue 14, defect 6: the write key ships in web pages. Its feedback counts
// only against a recommendation this server issued, for the items shown;
// replays change nothing, and the answer tells nothing about the person.
TEST_F(RecommendationTest, BrowserFeedbackCountsOnlyForWhatThatBrowserWasShown) {
  const Principal browser{Role::kWriteKey, "demo write key", "w"};
  json rec = Recommend("u4", 5);
  const std::string top = rec["items"][0]["item"];
  const std::string token = rec["recommendation_id"];
  const std::string pid = rec["profile_id"];
  EXPECT_EQ(token.find(pid), std::string::npos) << "the token names the profile in the clear";

  auto send = [&](json body) { return recs_->Feedback(browser, body.dump()); };
  // Probing or tampering by naming a person: refused, whoever it is.
  auto probe = send({{"type", "impression"}, {"subject", "u4"}, {"items", {top}}});
  EXPECT_EQ(probe.status().code(), Code::kInvalidArgument);
  auto probe_nobody = send({{"type", "impression"}, {"subject", "nobody-ever"}, {"items", {top}}});
  EXPECT_EQ(probe_nobody.status().message(), probe.status().message());
  std::string altered = token;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_EQ(send({{"type", "impression"}, {"items", {top}}, {"recommendation_id", altered}}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(send({{"type", "impression"}, {"items", {"never-shown"}}, {"recommendation_id", token}}).status().code(),
            Code::kInvalidArgument);

  // Fifteen replays of one impression are one impression: the top item stays.
  for (int k = 0; k < 15; ++k) {
    fx_->env().Advance(60'000'000);
    auto r = send({{"type", "impression"}, {"items", {top}}, {"recommendation_id", token}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, (json{{"accepted", 1}})) << "the reply must not reveal the person";
  }
  EXPECT_TRUE(Items(Recommend("u4", 5)).count(top));

  // A recommendation for nobody known answers the same.
  json unknown = Recommend("nobody-known", 3);
  ASSERT_FALSE(unknown["items"].empty());
  auto r = send({{"type", "click"}, {"items", {unknown["items"][0]["item"]}},
                 {"recommendation_id", unknown["recommendation_id"]}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (json{{"accepted", 1}}));
}

TEST_F(RecommendationTest, ModelSwapUnderConcurrentRequests) {
  std::atomic<bool> stop{false};
  std::atomic<int> served{0}, failed{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      RecommendRequest req;
      while (!stop) {
        auto r = recs_->Recommend(service_, "u" + std::to_string(1 + t), req);
        if (!r.ok() || (*r)["items"].size() != 10u) ++failed;
        ++served;
      }
    });
  }
  int64_t last = recs_->model()->version;
  for (int k = 0; k < 4; ++k) {
    fx_->env().Advance(1'000'000);
    auto trained = recs_->Train();
    ASSERT_TRUE(trained.ok());
    EXPECT_GT(trained->version, last);
    last = trained->version;
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(served.load(), 0);
  EXPECT_EQ(recs_->model()->version, last);
}

TEST_F(RecommendationTest, BadRequestsNameTheProblem) {
  RecommendRequest req;
  req.n = 0;
  EXPECT_EQ(recs_->Recommend(service_, "u1", req).status().code(), Code::kInvalidArgument);
  req.n = 5;
  req.channel = "carrier-pigeon";
  EXPECT_NE(recs_->Recommend(service_, "u1", req).status().message().find("carrier-pigeon"), std::string::npos);
  EXPECT_EQ(recs_->Feedback(service_, R"({"type":"glance","subject":"u1","items":["m1"]})").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(recs_->Recommend(Principal{Role::kAnalyst, "a", "a"}, "u1", {}).status().code(), Code::kPermissionDenied);
}

TEST_F(RecommendationTest, TheModelFileHoldsNoPersonsVector) {
  testing::TempDir dir;
  RecommendationService on_disk(fx_->deps(), dir.path());
  ASSERT_TRUE(on_disk.Train().ok());
  auto loaded = recs::LoadSnapshot(dir.path() + "/model.bin", 1'000'000);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->als.user_factors.size(), 0);
  EXPECT_EQ((*loaded)->items, on_disk.model()->items);
  EXPECT_TRUE((*loaded)->als.item_factors.isApprox(on_disk.model()->als.item_factors));
  ASSERT_EQ((*loaded)->ease.weights.rows(), static_cast<Eigen::Index>((*loaded)->items.size()));  // a small catalogue: EASE too
  EXPECT_TRUE((*loaded)->ease.weights.isApprox(on_disk.model()->ease.weights));
  EXPECT_EQ((*loaded)->als.weighting.kind, recs::Weighting::kNone);
}

// Declared, the served EASE learns from what people chose close together in
// time as well; it is still served and explained as EASE.
TEST_F(RecommendationTest, SessionEaseIsServedWhenDeclared) {
  const Eigen::MatrixXf plain = recs_->model()->ease.weights;
  fx_->config().recommendations.ease_session_seconds = 300;
  fx_->env().Advance(1'000'000);
  ASSERT_TRUE(recs_->Train().ok());
  auto model = recs_->model();
  ASSERT_EQ(model->ease.weights.rows(), plain.rows());
  EXPECT_GT((model->ease.weights - plain).cwiseAbs().maxCoeff(), 1e-3f);
  json reply = Recommend("u3");
  int explained = 0;
  for (const auto& i : reply["items"]) {
    if (i["source"] != "collaborative") continue;
    EXPECT_EQ(i["because"]["rule"], "chosen by people who chose these");
    for (const auto& past : i["because"]["items"]) {
      const float link = model->ease.weights(model->Find(past["item"].get<std::string>()), model->Find(i["item"].get<std::string>()));
      EXPECT_GE(past["contribution"].get<float>() / link, 0.99f) << past.dump();
      ++explained;
    }
  }
  EXPECT_GT(explained, 0) << reply.dump();
}

// With BM25 weighting the model keeps each item's idf, so a history folded
// in at serving time (after a restart too) is weighted as the training rows were.
TEST_F(RecommendationTest, AWeightedModelWeighsHistoriesAsItsTrainingRows) {
  fx_->config().recommendations.weighting = "bm25";
  fx_->config().recommendations.ease_max_items = 0;  // served by ALS, which reads the weighting
  testing::TempDir dir;
  RecommendationService on_disk(fx_->deps(), dir.path());
  ASSERT_TRUE(on_disk.Train().ok());
  const recs::InputWeighting& trained = on_disk.model()->als.weighting;
  ASSERT_EQ(trained.kind, recs::Weighting::kBm25);
  ASSERT_EQ(trained.idf.size(), on_disk.model()->items.size());
  auto loaded = recs::LoadSnapshot(dir.path() + "/model.bin", 1'000'000);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->als.weighting.kind, recs::Weighting::kBm25);
  EXPECT_EQ((*loaded)->als.weighting.idf, trained.idf);
  EXPECT_EQ((*loaded)->als.weighting.average_length, trained.average_length);
  // A popular item weighs less than a rare one bought as often.
  const std::vector<int32_t> items = {0, 1};
  const std::vector<float> once = {1, 1};
  std::vector<float> w = trained.Apply(items, once);
  const auto& pop = on_disk.model()->popularity;
  if (pop[0] != pop[1]) {
    EXPECT_EQ(pop[0] > pop[1], w[0] < w[1]) << pop[0] << " " << pop[1];
  }
  auto served = on_disk.Recommend(service_, "u3", {});
  ASSERT_TRUE(served.ok()) << served.status().ToString();
  const json& reply = *served;
  EXPECT_TRUE(reply["personalized"].get<bool>()) << reply.dump();
  int explained = 0;
  for (const auto& i : reply["items"])
    if (i["source"] == "collaborative" && !i["because"]["items"].empty()) ++explained;
  EXPECT_GT(explained, 0) << reply.dump();
}

TEST_F(RecommendationTest, SmallCataloguesAreScoredAndExplainedByEaseLargerOnesByAls) {
  auto model = recs_->model();
  ASSERT_EQ(model->ease.weights.rows(), static_cast<Eigen::Index>(model->items.size()));
  auto explained = [&](const json& reply, const std::string& rule) {
    int n = 0;
    for (const auto& i : reply["items"]) {
      if (i["source"] != "collaborative") continue;
      EXPECT_EQ(i["because"]["rule"], rule);
      for (const auto& past : i["because"]["items"]) {
        if (rule.starts_with("chosen by")) {
          // EASE explains exactly: the past item's weight in the history times its link to this item.
          const float link = model->ease.weights(model->Find(past["item"].get<std::string>()), model->Find(i["item"].get<std::string>()));
          EXPECT_GT(link, 0.0f);
          EXPECT_GE(past["contribution"].get<float>() / link, 0.99f) << past.dump();
        }
        ++n;
      }
    }
    return n;
  };
  EXPECT_GT(explained(Recommend("u3"), "chosen by people who chose these"), 0);

  fx_->config().recommendations.ease_max_items = 0;  // as if the catalogue were too large for EASE
  fx_->env().Advance(1'000'000);
  ASSERT_TRUE(recs_->Train().ok());
  EXPECT_EQ(recs_->model()->ease.weights.rows(), 0);
  EXPECT_GT(explained(Recommend("u3"), "similar people also chose it"), 0);
}

// Large catalogues take their candidates from the HNSW index instead of
// scoring every item: the people shown must see (nearly) what exact scoring
// shows them, under the same rules.
TEST_F(RecommendationTest, TheIndexServesWhatExactScoringServes) {
  fx_->config().recommendations.ease_max_items = 0;  // ALS, as on large catalogues
  fx_->env().Advance(1'000'000);
  ASSERT_TRUE(recs_->Train().ok());
  ASSERT_EQ(recs_->model()->ann, nullptr);
  std::vector<std::set<std::string>> exact;
  const std::vector<std::string> people = {"u1", "u3", "u7", "u20", "u42", "u99"};
  for (const auto& who : people) exact.push_back(Items(Recommend(who)));

  fx_->config().recommendations.ann_min_items = 1;
  fx_->env().Advance(1'000'000);
  ASSERT_TRUE(recs_->Train().ok());
  ASSERT_NE(recs_->model()->ann, nullptr);
  size_t shared = 0, shown = 0;
  for (size_t p = 0; p < people.size(); ++p) {
    const json reply = Recommend(people[p]);
    EXPECT_EQ(reply["items"].size(), 10u) << people[p];
    EXPECT_TRUE(reply["personalized"].get<bool>()) << people[p];
    for (const auto& i : reply["items"]) {
      EXPECT_EQ(i["source"], "collaborative") << people[p] << " " << i.dump();
      shared += exact[p].count(i["item"].get<std::string>());
      ++shown;
    }
  }
  EXPECT_GE(static_cast<double>(shared), 0.9 * static_cast<double>(shown)) << shared << " of " << shown;
}

TEST_F(RecommendationTest, UpliftCountsFeedbackByGroupAndKeepsItAcrossRestarts) {
  fx_->config().recommendations.holdout_share = 0.5;  // both groups get people
  int personalized = 0, holdout = 0;
  for (int u = 1; u <= 40; ++u) {
    const std::string who = "u" + std::to_string(u);
    auto shown = recs_->Feedback(service_, json{{"type", "impression"}, {"subject", who}, {"items", {"m1", "m2"}}}.dump());
    if (!shown.ok()) continue;  // not every test user exists in every slice
    ((*shown)["group"] == "holdout" ? holdout : personalized) += 2;
    if (u % 4 == 0) {
      ASSERT_TRUE(recs_->Feedback(service_, json{{"type", "click"}, {"subject", who}, {"items", {"m1"}}}.dump()).ok());
    }
  }
  ASSERT_GT(personalized, 0);
  ASSERT_GT(holdout, 0);
  Principal analyst{Role::kAnalyst, "test", "a"};
  auto stats = recs_->Stats(analyst);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["groups"]["personalized"]["impressions"], personalized);
  EXPECT_EQ((*stats)["groups"]["holdout"]["impressions"], holdout);
  ASSERT_TRUE(fx_->writer().Flush().ok());
  RecommendationService restarted(fx_->deps(), "");
  ASSERT_TRUE(restarted.Load().ok());
  auto again = restarted.Stats(analyst);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)["groups"], (*stats)["groups"]);
  EXPECT_EQ(recs_->Stats(service_).status().code(), Code::kPermissionDenied);
}

TEST_F(RecommendationTest, SensitiveItemsOnlyWithTheirOwnExplicitConsent) {
  // u5 consented to personalization, not to the use of health data.
  auto wellness = [&](const json& reply) {
    int n = 0;
    for (const auto& i : reply["items"]) n += i["category"] == "wellness";
    return n;
  };
  json before = Recommend("u5", 50);
  ASSERT_TRUE(before["personalized"].get<bool>());
  EXPECT_EQ(wellness(before), 0);

  auto person = fx_->Find("u5");
  ASSERT_TRUE(person.ok());
  store::Transaction txn = fx_->writer().Begin();
  auto state = consent::ConsentLedger::CurrentState(txn, person->id);
  ASSERT_TRUE(state.ok());
  consent::ConsentRecord explicit_consent;
  explicit_consent.subject = person->id;
  explicit_consent.purpose = "health_personalization";
  explicit_consent.channel = "web";
  explicit_consent.status = consent::ConsentStatus::kGranted;
  explicit_consent.source = "privacy_center";
  explicit_consent.at_ms = fx_->env().NowMillis();
  ASSERT_TRUE(consent::ConsentLedger::Record(txn, person->id, &*state, {explicit_consent}).ok());
  std::promise<Status> done;
  fx_->writer().Submit(std::move(txn), [&done](const Status& st) { done.set_value(st); });
  ASSERT_TRUE(done.get_future().get().ok());

  json after = Recommend("u5", 50);
  EXPECT_GT(wellness(after), 0) << after["items"].dump();
  EXPECT_LE(wellness(after), fx_->config().recommendations.max_per_category);
}

TEST_F(RecommendationTest, ACachedHistoryNeverOutlivesAConsentChangeOrNewEvents) {
  json first = Recommend("u3");
  ASSERT_TRUE(first["personalized"].get<bool>());
  EXPECT_GE(recs_->cached_people(), 1u);
  // Withdrawn with an event that is not kept: the profile's history is the
  // same, the consent state is not, and the next answer follows the consent.
  auto r = fx_->Send(std::nullopt, json{{"batch", {Call("u3", "m1", false, false)}}}.dump());
  ASSERT_TRUE(r.ok());
  json withdrawn = Recommend("u3");
  EXPECT_FALSE(withdrawn["personalized"].get<bool>());
  EXPECT_TRUE(withdrawn["data_categories_used"].empty());
  // Granted again (the fake clock stands still: same millisecond), then
  // views of items u3 had not seen: the history grows at once.
  ASSERT_TRUE(fx_->Send(std::nullopt, json{{"batch", {Call("u3", "m1", false, true)}}}.dump()).ok());
  json granted = Recommend("u3");
  ASSERT_TRUE(granted["personalized"].get<bool>());
  json batch = json::array();
  for (int i = 1; i <= 60; ++i) batch.push_back(Call("u3", "m" + std::to_string(i), false, true));
  ASSERT_TRUE(fx_->Send(std::nullopt, json{{"batch", batch}}.dump()).ok());
  json back = Recommend("u3");
  EXPECT_TRUE(back["personalized"].get<bool>());
  EXPECT_GT(back["history_items"].get<int>(), granted["history_items"].get<int>());
  recs_->ForgetEveryone();
  EXPECT_EQ(recs_->cached_people(), 0u);
}

}  // namespace
}  // namespace shinrai::service

namespace shinrai::service {
namespace {

// A restart (or another node's catalogue notice) reads the catalogue back:
// every item under its own id, not all of them under one.
TEST(Catalog, ReadBackFromTheStoreHoldsEveryItem) {
  auto store = store::NewMemoryStore();
  Catalog written;
  std::vector<ItemInfo> items;
  for (const char* id : {"sku-1", "sku-2", "sku-3"}) items.push_back({id, std::string("Item ") + id, "books"});
  ASSERT_TRUE(written.Upsert(*store, items).ok());
  Catalog read;
  ASSERT_TRUE(read.Load(*store).ok());
  EXPECT_EQ(read.size(), 3u);
  ASSERT_NE(read.Find("sku-2"), nullptr);
  EXPECT_EQ(read.Find("sku-2")->name, "Item sku-2");
}

}  // namespace
}  // namespace shinrai::service
