// The offline half of the recommender against research/peer-baseline.md:
// the PCG64 stream, the split fingerprints and the most-popular metrics are
// pinned there, so a drift in any of them fails here. Runs on the public
// datasets when ../shared/datasets is present (CI) and skips otherwise.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "recs/eval/blend.h"
#include "recs/dataset.h"
#include "recs/eval/dataset_files.h"
#include "recs/eval/evaluation.h"
#include "recs/popularity.h"
#include "recs/eval/split.h"
#include "recs/top_k.h"

namespace shinrai::recs {
namespace {

std::string DatasetsDir() { return std::string(SHINRAI_SOURCE_DIR) + "/../shared/datasets"; }

TEST(Pcg64, MatchesNumpyDefaultRng42) {
  Pcg64 rng = Pcg64::NumpyDefaultRng42();
  EXPECT_EQ(rng.NextU64(), 0xc621fbcd16d92688ULL);
  EXPECT_EQ(rng.NextU64(), 0x705a5661a791ffc1ULL);
  Pcg64 again = Pcg64::NumpyDefaultRng42();
  EXPECT_DOUBLE_EQ(again.NextDouble(), 0.7739560485559633);
}

TEST(Split, LeaveLastOutBreaksTiesToTheLargerItem) {
  Dataset d = BuildDataset({{"1", "10", 1, 5}, {"1", "11", 1, 5}, {"1", "12", 1, 3}, {"2", "10", 1, 1}}, {});
  Split s = SplitLeaveLastOut(d.matrix, d.times);
  ASSERT_EQ(s.test.Row(0).size(), 1u);
  EXPECT_EQ(s.test.Row(0)[0], 1);      // item "11": same time as "10", larger index
  EXPECT_TRUE(s.test.Row(1).empty());  // one interaction: stays in train
}

// Three baskets on three days: the test holds out the last day's larger
// item, the validation replays that on the days before (the last day's other
// item is left out of it, as it came at the test's moment).
TEST(Split, ValidationReplaysLeaveLastOutOnTheMomentBefore) {
  const int64_t day = 86'400'000;
  Dataset d = BuildDataset({{"1", "10", 1, day},
                            {"1", "11", 1, 2 * day},
                            {"1", "12", 1, 2 * day},
                            {"1", "13", 1, day},
                            {"1", "14", 1, 3 * day},
                            {"1", "15", 1, 3 * day},
                            {"2", "10", 1, day}},
                           {});
  Split outer = SplitLeaveLastOut(d.matrix, d.times);
  ASSERT_EQ(outer.test.Row(0).size(), 1u);
  EXPECT_EQ(outer.test.Row(0)[0], 5);  // "15"
  Split v = SplitLeaveLastOutBefore(outer);
  ASSERT_EQ(v.test.Row(0).size(), 1u);
  EXPECT_EQ(v.test.Row(0)[0], 2);  // "12": the larger of day 2
  EXPECT_EQ(std::vector<int32_t>(v.train.Row(0).begin(), v.train.Row(0).end()), (std::vector<int32_t>{0, 1, 3}));
  EXPECT_EQ(v.train_times.size(), 4u);  // person 2 keeps their one interaction
  EXPECT_EQ(v.train.Row(1).size(), 1u);
  EXPECT_TRUE(v.test.Row(1).empty());
}

// The same three days, "10" bought on day 1 and again on day 3. The dataset
// keeps it once, on day 3; the day before the test's, it was a day-1
// purchase, and the validation sees it there instead of losing it.
TEST(Split, ValidationKeepsAPairAtItsPurchaseBeforeTheMoment) {
  const int64_t day = 86'400'000;
  ReadOptions keep;
  keep.keep_earlier_times = true;
  Dataset d = BuildDataset({{"1", "10", 1, day},
                            {"1", "10", 1, 3 * day},
                            {"1", "10", 1, 3 * day},  // the same day twice: one purchase
                            {"1", "11", 1, 2 * day},
                            {"1", "13", 1, 2 * day},
                            {"1", "12", 1, 3 * day}},
                           keep);
  ASSERT_EQ(d.times[0], 3 * day);
  ASSERT_EQ(std::vector<int64_t>(d.earlier.Of(0).begin(), d.earlier.Of(0).end()), std::vector<int64_t>{day});
  EXPECT_TRUE(d.earlier.Of(1).empty());

  Split outer = SplitLeaveLastOut(d.matrix, d.times, &d.earlier);
  EXPECT_EQ(outer.test.Row(0)[0], 2);  // "12": the larger of day 3
  Split v = SplitLeaveLastOutBefore(outer);
  ASSERT_EQ(v.test.Row(0).size(), 1u);
  EXPECT_EQ(v.test.Row(0)[0], 3);  // "13": the larger of day 2
  EXPECT_EQ(std::vector<int32_t>(v.train.Row(0).begin(), v.train.Row(0).end()), (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(v.train_times[0], day);  // "10" as it was recorded before day 3

  // Counted, "10" is worth its two purchases in the test's training part,
  // one in the validation's: it had been bought once by then.
  EXPECT_EQ(CountRepeats(outer).RowValues(0)[0], 2.0f);
  EXPECT_EQ(CountRepeats(v).RowValues(0)[0], 1.0f);

  // Without the earlier purchases the replay can only drop it.
  Split blind = SplitLeaveLastOutBefore(SplitLeaveLastOut(d.matrix, d.times));
  EXPECT_EQ(std::vector<int32_t>(blind.train.Row(0).begin(), blind.train.Row(0).end()), (std::vector<int32_t>{1}));
}

// Popularity of a counted matrix is purchases, of a binary one buyers; the
// search offers counted inputs only where some pair was recorded twice.
TEST(Evaluate, CountedInputsAreSearchedOnlyWhereTheDataRepeats) {
  std::vector<RawInteraction> rows;
  for (int u = 0; u < 40; ++u) {
    const std::string person = std::to_string(u);
    for (int day = 1; day <= 4; ++day) {
      rows.push_back({person, "staple", 1, day * 86'400 + u});
      rows.push_back({person, "item" + std::to_string((u + day) % 7), 1, day * 86'400 + u});
    }
  }
  ReadOptions keep;
  keep.keep_earlier_times = true;
  Dataset repeats = BuildDataset(rows, keep);
  ASSERT_TRUE(repeats.earlier.any_repeat());
  EvalOptions o;
  o.split = "leave-last-out";
  o.models = {"popular", "itemknn"};
  o.count_repeats = true;
  auto r = Evaluate(repeats, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const ModelResult& m : r->results) EXPECT_TRUE(m.settings.contains("input")) << m.family;

  for (auto& row : rows) row.time = (&row - rows.data());  // every pair once
  std::vector<RawInteraction> once;
  for (const auto& row : rows)
    if (std::none_of(once.begin(), once.end(), [&](const RawInteraction& x) { return x.user == row.user && x.item == row.item; }))
      once.push_back(row);
  auto single = Evaluate(BuildDataset(once, keep), o);
  ASSERT_TRUE(single.ok()) << single.status().ToString();
  for (const ModelResult& m : single->results) EXPECT_FALSE(m.settings.contains("input")) << m.family;

  Csr counted;
  counted.rows = 2;
  counted.cols = 2;
  counted.indptr = {0, 1, 3};
  counted.indices = {0, 0, 1};
  counted.values = {1, 1, 5};  // item 0: two buyers once each; item 1: one buyer, five times
  PopularityModel p = FitPopularity(counted);
  EXPECT_EQ(p.count, (std::vector<float>{2, 5}));
}

// Random ties still hold out an entry of the latest moment, not always the
// largest item, and the same one on every run and in every replay.
TEST(Split, RandomTiesPickFromTheLatestMomentInAFixedOrder) {
  std::vector<RawInteraction> rows;
  for (int u = 0; u < 200; ++u) {
    const std::string person = std::to_string(u);
    for (int i = 0; i < 6; ++i) rows.push_back({person, "item" + std::to_string(i), 1, i < 2 ? 1 : 2});  // items 2..5: one moment
  }
  Dataset d = BuildDataset(rows, {});
  Split peer = SplitLeaveLastOut(d.matrix, d.times);
  Split random = SplitLeaveLastOut(d.matrix, d.times, nullptr, Ties::kRandom);
  Split again = SplitLeaveLastOut(d.matrix, d.times, nullptr, Ties::kRandom);
  std::vector<int> held(6, 0);
  for (int32_t u = 0; u < 200; ++u) {
    EXPECT_EQ(peer.test.Row(u)[0], 5);
    const int32_t item = random.test.Row(u)[0];
    EXPECT_GE(item, 2) << "not from the latest moment";
    EXPECT_EQ(again.test.Row(u)[0], item);
    ++held[item];
  }
  for (int i = 2; i < 6; ++i) EXPECT_GT(held[i], 20) << "item" << i << " is almost never held out";
  EXPECT_EQ(SplitLeaveLastOutBefore(random).ties, Ties::kRandom);

  EvalOptions o;
  o.split = "random80";
  o.ties = Ties::kRandom;
  o.models = {"popular"};
  auto r = Evaluate(d, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("--ties decides leave-last-out's pick"), std::string::npos) << r.status().ToString();
}

TEST(Split, LeaveLastOutWithoutTimesIsRefusedByName) {
  Dataset d = BuildDataset({{"1", "10", 1, 0}, {"1", "11", 1, 0}}, {});
  d.times.clear();  // as read from a CSV without --time-col
  EvalOptions o;
  o.split = "leave-last-out";
  o.models = {"popular"};
  auto r = Evaluate(d, o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("leave-last-out needs the time of every interaction (--time-col)"), std::string::npos)
      << r.status().ToString();
}

// The weight search reads members' scores kept in memory; without room to
// keep them, the same blend asks the members each time.
TEST(Blend, KeptScoresBlendLikeFreshOnes) {
  Csr test;
  test.rows = 3;
  test.cols = 4;
  test.indptr = {0, 1, 1, 2};
  test.indices = {2, 3};
  test.values = {1, 1};
  auto member = [](float slope) {
    return ScoreFn([slope](int32_t u, std::span<float> s) {
      for (size_t i = 0; i < s.size(); ++i) s[i] = slope * static_cast<float>(i) + static_cast<float>(u * u) * (i % 2 ? 1.0f : -1.0f);
    });
  };
  MemberScores kept({member(1), member(-2), nullptr}, test, 4);
  MemberScores fresh({member(1), member(-2), nullptr}, test, 4, 0);
  const std::vector<float> w = {1.5f, 0.25f, 0};
  for (int32_t u : {0, 2}) {
    std::vector<float> a(4), b(4), manual(4, 0.0f), m(4);
    kept.Blend(w)(u, a);
    fresh.Blend(w)(u, b);
    for (int k = 0; k < 2; ++k) {
      member(k == 0 ? 1.0f : -2.0f)(u, m);
      Standardize(m);
      for (int i = 0; i < 4; ++i) manual[i] += w[k] * m[i];
    }
    for (int i = 0; i < 4; ++i) {
      EXPECT_FLOAT_EQ(a[i], manual[i]) << "user " << u << " item " << i;
      EXPECT_FLOAT_EQ(b[i], manual[i]) << "user " << u << " item " << i;
    }
  }
}

// ML-100K, or nothing where the datasets are absent.
std::optional<Dataset> Ml100k() {
  const std::string dir = DatasetsDir();
  if (!std::filesystem::exists(dir + "/movielens-100k/u.data")) return std::nullopt;
  auto ds = ReadMovieLens(dir + "/movielens-100k", {});
  EXPECT_TRUE(ds.ok()) << ds.status().ToString();
  if (!ds.ok()) return std::nullopt;
  return std::move(*ds);
}

struct Pinned {
  const char* key;
  int64_t train_nnz, test_nnz, test_users, sum_u, sum_i;
};

TEST(PeerBaseline, SplitFingerprintsMatch) {
  const std::string dir = DatasetsDir();
  if (!std::filesystem::exists(dir + "/movielens-100k/u.data"))
    GTEST_SKIP() << "../shared/datasets is absent: the public-data checks run in CI";
  const Pinned pinned[] = {
      {"ml100k/random80", 80081, 19919, 942, 9211681, 8493939},
      {"ml100k/lastout", 99057, 943, 943, 444153, 566364},
      {"ml100k_ge4/random80", 44387, 10988, 925, 5017557, 4109345},
      {"ml100k_ge4/lastout", 54433, 942, 942, 443211, 468247},
      {"mlsmall/random80", 80712, 20124, 610, 6565154, 62424030},
      {"mlsmall/lastout", 100226, 610, 610, 185745, 1964984},
      {"mlsmall_ge4/random80", 38924, 9656, 591, 3045922, 20734592},
      {"mlsmall_ge4/lastout", 47972, 608, 608, 184923, 1355818},
      {"groceries/random80", 27872, 6894, 3100, 13450068, 616782},
      {"groceries/lastout", 30874, 3892, 3892, 7578799, 507893},
  };
  for (const Pinned& p : pinned) {
    const std::string key = p.key;
    const std::string data = key.substr(0, key.find('/'));
    ReadOptions o;
    if (data.ends_with("_ge4")) o.min_weight = 4.0;
    Result<Dataset> ds = Status();
    if (data.starts_with("ml100k")) ds = ReadMovieLens(dir + "/movielens-100k", o);
    else if (data.starts_with("mlsmall")) ds = ReadMovieLens(dir + "/movielens-latest-small/ml-latest-small.zip", o);
    else ds = ReadCsv(dir + "/groceries-kaggle/Groceries_dataset.csv", {"Member_number", "itemDescription", "Date", ""}, o);
    ASSERT_TRUE(ds.ok()) << key << ": " << ds.status().ToString();
    Split s = key.ends_with("random80") ? SplitRandom(ds->matrix, Pcg64::NumpyDefaultRng42())
                                        : SplitLeaveLastOut(ds->matrix, ds->times);
    Fingerprint f = FingerprintOf(s);
    EXPECT_EQ(f.train_nnz, p.train_nnz) << key;
    EXPECT_EQ(f.test_nnz, p.test_nnz) << key;
    EXPECT_EQ(f.test_users, p.test_users) << key;
    EXPECT_EQ(f.sum_u, p.sum_u) << key;
    EXPECT_EQ(f.sum_i, p.sum_i) << key;
  }
}

TEST(PeerBaseline, MostPopularMetricsMatchThePeerEvaluator) {
  std::optional<Dataset> ds = Ml100k();
  if (!ds) GTEST_SKIP() << "../shared/datasets is absent: the public-data checks run in CI";
  EvalOptions o;
  o.models = {"popular", "als"};
  o.tune = false;
  auto r = Evaluate(*ds, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Peer table: most-popular P@10 0.2271, NDCG@10 0.2155, MAP@10 0.1131.
  EXPECT_NEAR(r->results[0].test.precision, 0.2271, 0.0001);
  EXPECT_NEAR(r->results[0].test.ndcg, 0.2155, 0.0001);
  EXPECT_NEAR(r->results[0].test.map, 0.1131, 0.0001);
  // ALS at its default setting must clearly beat popularity.
  EXPECT_GT(r->results[1].test.ndcg, 0.35);  // ALS at its default setting: far above popularity
}

// The quality target of the recommender: NDCG@10 >= 0.455 on ML-100K random80
// (1.05x the tuned peer's 0.4348), with every setting and blend weight chosen
// on validation splits cut from the training part. `shinrai eval` measured
// 0.4565 here; the autoencoder's training follows the BLAS kernels of the
// CPU it runs on, so another CPU may land a little either side, and this
// guard sits 0.003 below the target instead of on it.
TEST(PeerBaseline, TheTunedHybridBeatsThePeerOnMl100kRandom80) {
  std::optional<Dataset> ds = Ml100k();
  if (!ds) GTEST_SKIP() << "../shared/datasets is absent: the public-data checks run in CI";
  EvalOptions o;
  o.threads = 2;
  auto r = Evaluate(*ds, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ModelResult& chosen = r->results[r->chosen];
  EXPECT_EQ(chosen.family, "hybrid");
  EXPECT_GE(chosen.test.ndcg, 0.452);
  for (const ModelResult& m : r->results) {
    if (m.family == "popular") EXPECT_NEAR(m.test.ndcg, 0.2155, 0.0001);
    else EXPECT_LE(m.test.ndcg, chosen.test.ndcg + 0.005) << m.family << " beat the chosen blend by a margin";
  }
}

// The retail floor: on Groceries leave-last-out the validated choice, on the
// peer's binary input, beats most-popular (0.3300) by a margin (it scores
// 0.3439 here; the peer's BM25 item-kNN, 0.3486, is not beaten).
TEST(PeerBaseline, TheValidatedChoiceBeatsMostPopularOnGroceriesLeaveLastOut) {
  const std::string path = DatasetsDir() + "/groceries-kaggle/Groceries_dataset.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "../shared/datasets is absent: the public-data checks run in CI";
  ReadOptions keep;
  keep.keep_earlier_times = true;
  auto ds = ReadCsv(path, {"Member_number", "itemDescription", "Date", ""}, keep);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EvalOptions o;
  o.split = "leave-last-out";
  o.threads = 2;
  auto r = Evaluate(*ds, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const ModelResult& chosen = r->results[r->chosen];
  EXPECT_GT(chosen.test.ndcg, 0.3300 + 0.01) << chosen.family;
}

TEST(Dataset, BadCsvNamesTheProblem) {
  const std::string path = std::filesystem::temp_directory_path() / "shinrai_bad.csv";
  FILE* f = std::fopen(path.c_str(), "w");
  std::fputs("user,item,when\nu1,i1,notadate\n", f);
  std::fclose(f);
  auto ds = ReadCsv(path, {"user", "item", "when", ""}, {});
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.status().message().find("record 2"), std::string::npos) << ds.status().message();
  auto missing = ReadCsv(path, {"customer", "item", "", ""}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("customer"), std::string::npos);
  std::filesystem::remove(path);
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = std::filesystem::temp_directory_path() / name;
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  return path;
}

// Issue 16: a quoted header was "not in the header", and quoted rows counted
// the wrong people (views into a vector that reallocated).
TEST(Dataset, QuotedEscapedAndCrlfCsvIsReadAsWritten) {
  const std::string path = WriteTemp("shinrai_quoted.csv",
                                     "\xEF\xBB\xBF\"user\",\"item\",\"when\"\r\n"
                                     "\"Doe, Jane\",\"say \"\"hi\"\"\",2024-01-02\r\n"
                                     "\"Doe, Jane\",\"two\nlines\",2024-01-03\r\n"
                                     "\"Roe, Rick\",plain,2024-01-04\r\n"
                                     "\r\n"
                                     "u4,\"a,b,c\",2024-01-05\r\n");
  auto ds = ReadCsv(path, {"user", "item", "when", ""}, {});
  std::filesystem::remove(path);
  ASSERT_TRUE(ds.ok()) << ds.status().ToString();
  EXPECT_EQ(ds->rows_read, 4);
  EXPECT_EQ(ds->users, (std::vector<std::string>{"Doe, Jane", "Roe, Rick", "u4"}));
  EXPECT_EQ(ds->items, (std::vector<std::string>{"a,b,c", "plain", "say \"hi\"", "two\nlines"}));
  EXPECT_EQ(ds->matrix.nnz(), 4);
}

TEST(Dataset, AnOpenQuoteIsAnErrorNamingTheRecord) {
  const std::string path = WriteTemp("shinrai_open_quote.csv", "user,item\nu1,i1\nu2,\"never closed\n");
  auto ds = ReadCsv(path, {"user", "item", "", ""}, {});
  std::filesystem::remove(path);
  ASSERT_FALSE(ds.ok());
  EXPECT_NE(ds.status().message().find("record 3"), std::string::npos) << ds.status().message();
}

// Issue 16: 2026-02-31 became March 3rd.
TEST(Dataset, ImpossibleDatesAreRefusedNotRolledOver) {
  for (const char* when : {"31-02-2026", "2026-02-31", "2025-02-29"}) {
    auto t = ParseDatasetTime(when);
    ASSERT_FALSE(t.ok()) << when;
    EXPECT_NE(t.status().message().find("has 28 days"), std::string::npos) << t.status().message();
  }
  EXPECT_EQ(*ParseDatasetTime("29-02-2024"), *ParseDatasetTime("2024-02-29"));
  EXPECT_EQ(*ParseDatasetTime("2024-02-29T00:00:01"), *ParseDatasetTime("1709164801"));
}

}  // namespace
}  // namespace shinrai::recs
