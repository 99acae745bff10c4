// The two models that lifted ML-100K past the quality target, on data small
// enough to know the right answer: the autoencoder must learn which items go
// together, and the time kernel must tell "chosen at one sitting" from
// "chosen by the same person a day later", which plain EASE cannot.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numeric>
#include <random>
#include <vector>

#include "recs/dae.h"
#include "recs/ease.h"
#include "recs/score_kernels.h"
#include "recs/top_k.h"

namespace shinrai::recs {
namespace {

// Ranks the items outside `history` by score, best first.
std::vector<int32_t> Ranking(const std::vector<float>& scores, const std::vector<int32_t>& history) {
  std::vector<int32_t> order;
  for (int32_t i = 0; i < static_cast<int32_t>(scores.size()); ++i)
    if (std::find(history.begin(), history.end(), i) == history.end()) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
  return order;
}

// 400 people with one of two tastes: items 0..19 or items 20..39, eight each.
Csr TwoTastes() {
  std::mt19937_64 rng(5);
  std::vector<Triplet> t;
  for (int32_t u = 0; u < 400; ++u) {
    std::vector<int32_t> pool(20);
    std::iota(pool.begin(), pool.end(), u % 2 == 0 ? 0 : 20);
    std::shuffle(pool.begin(), pool.end(), rng);
    for (int n = 0; n < 8; ++n) t.push_back({u, pool[n], 1.0f});
  }
  return CsrFromTriplets(400, 40, std::move(t));
}

TEST(Dae, LearnsWhichItemsGoTogether) {
  DaeParams p;
  p.hidden = 16;
  p.epochs = 60;
  p.members = 2;
  auto model = FitDae(TwoTastes(), p);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  for (int32_t first : {0, 20}) {
    const std::vector<int32_t> history = {first + 1, first + 4, first + 9};
    const std::vector<float> values(history.size(), 1.0f);
    std::vector<float> scores(40);
    model->Score(history, values, scores);
    std::vector<int32_t> ranking = Ranking(scores, history);
    // Every one of the 17 unseen items of the same taste ranks above every item of the other.
    for (int n = 0; n < 17; ++n) EXPECT_TRUE(ranking[n] >= first && ranking[n] < first + 20) << "rank " << n;
  }
}

TEST(Dae, RefusesCataloguesAndSettingsItCannotServe) {
  DaeParams p;
  p.max_items = 30;
  auto big = FitDae(TwoTastes(), p);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("at most 30 items"), std::string::npos) << big.status().message();
  p = DaeParams{};
  p.dropout = 1.0f;
  EXPECT_FALSE(FitDae(TwoTastes(), p).ok());
}

// Five pairs (2k, 2k+1). Person u picks the pair k = u % 5 ten seconds apart,
// and the first item of the next pair a day later: in co-occurrence counts
// item 2k+1 and item 2(k+1) are alike for item 2k; in time they are not.
struct Sittings {
  Csr matrix;
  std::vector<int64_t> times;  // aligned with the CSR's entries
};
Sittings PairsAndNextDay() {
  std::vector<Triplet> t;
  std::vector<std::tuple<int32_t, int32_t, int64_t>> when;
  for (int32_t u = 0; u < 100; ++u) {
    const int32_t k = u % 5;
    const int64_t t0 = 1'000'000 + int64_t(u) * 7 * 86400;
    when.emplace_back(u, 2 * k, t0);
    when.emplace_back(u, 2 * k + 1, t0 + 10);
    when.emplace_back(u, 2 * ((k + 1) % 5), t0 + 86400);
  }
  std::sort(when.begin(), when.end());
  Sittings s;
  for (auto [u, i, at] : when) {
    t.push_back({u, i, 1.0f});
    s.times.push_back(at);
  }
  s.matrix = CsrFromTriplets(100, 10, std::move(t));
  return s;
}

TEST(SessionEase, ItemsChosenAtOneSittingOutrankItemsChosenADayApart) {
  Sittings s = PairsAndNextDay();
  const std::vector<int32_t> history = {0};
  const std::vector<float> values = {1.0f};
  std::vector<float> scores(10);

  EaseParams plain;
  plain.lambda = 10;
  auto ease = FitEase(s.matrix, plain);
  ASSERT_TRUE(ease.ok());
  ease->Score(history, values, scores);
  const float plain_gap = scores[1] - scores[2];
  EXPECT_LT(std::abs(plain_gap), 0.1f);  // co-occurrence alone hardly tells them apart

  SessionEaseParams p;
  p.ease.lambda = 10;
  p.base = 0;
  p.tau_seconds = 120;
  auto session = FitSessionEase(s.matrix, s.times, p);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  session->Score(history, values, scores);
  EXPECT_GT(scores[1] - scores[2], 0.3f) << scores[1] << " vs " << scores[2];
  EXPECT_EQ(Ranking(scores, history)[0], 1);

  std::vector<int64_t> missing(s.times.begin(), s.times.end() - 1);
  EXPECT_FALSE(FitSessionEase(s.matrix, missing, p).ok());
}

}  // namespace
}  // namespace shinrai::recs

namespace shinrai::recs {
namespace {

// Serving scores from byte codes must stay within the promised error of the
// exact product, odd sizes included, and keep the exact top 10 (as a set).
TEST(QuantizedFactors, ScoresFollowTheExactProduct) {
  for (auto [rows, cols] : {std::pair{10000, 64}, std::pair{1537, 13}, std::pair{37, 13}, std::pair{1, 1}}) {
    RowMatrix m = RowMatrix::Random(rows, cols);
    Vector v = Vector::Random(cols);
    Vector want = m * v;
    std::vector<float> got(static_cast<size_t>(rows));
    const float bound = v.cwiseAbs().sum() / 254.0f + 1e-5f;  // per item: its largest |factor| is at most 1
    QuantizedFactors codes(m);
    for (auto isa : {QuantizedFactors::Isa::kPortable, QuantizedFactors::Isa::kAvx2, QuantizedFactors::Isa::kWidest}) {
      std::fill(got.begin(), got.end(), -1e9f);
      codes.Score(v, got, isa);
      for (int r = 0; r < rows; ++r)
        ASSERT_NEAR(got[r], want(r), bound) << rows << "x" << cols << " row " << r << " isa " << int(isa);
    }
    if (rows < 1000) continue;
    std::vector<float> exact(want.data(), want.data() + rows);
    std::vector<int32_t> a(10), b(10);
    TopK(exact, {}, a);
    TopK(got, {}, b);
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    std::vector<int32_t> both;
    std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
    EXPECT_GE(both.size(), 9u) << rows << "x" << cols;
  }
}

}  // namespace
}  // namespace shinrai::recs
