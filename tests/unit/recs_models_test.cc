// The two models that lifted ML-100K past the quality target, on data small
// enough to know the right answer: the autoencoder must learn which items go
// together, and the time kernel must tell "chosen at one sitting" from
// "chosen by the same person a day later", which plain EASE cannot.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "recs/als.h"
#include "recs/dae.h"
#include "recs/input_weighting.h"
#include "recs/ease.h"
#include "recs/serving/score_kernels.h"
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
    // VNNI rounds the query to bytes too: up to half its step per dimension.
    const float vnni_bound = bound + v.cwiseAbs().maxCoeff() * static_cast<float>(cols) / 254.0f;
    QuantizedFactors codes(m);
    for (auto isa : {QuantizedFactors::Isa::kPortable, QuantizedFactors::Isa::kAvx2, QuantizedFactors::Isa::kAvx512,
                     QuantizedFactors::Isa::kAvx512Vnni, QuantizedFactors::Isa::kWidest}) {
      std::fill(got.begin(), got.end(), -1e9f);
      codes.Score(v, got, isa);
      const bool vnni = isa == QuantizedFactors::Isa::kAvx512Vnni || isa == QuantizedFactors::Isa::kWidest;
      for (int r = 0; r < rows; ++r)
        ASSERT_NEAR(got[r], want(r), vnni ? vnni_bound : bound) << rows << "x" << cols << " row " << r << " isa " << int(isa);
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

// A query that is not finite must not come out as finite scores (which
// selection would rank): coding it in bytes would make it so.
TEST(QuantizedFactors, ANonFiniteQueryScoresNothing) {
  RowMatrix m = RowMatrix::Random(200, 16);
  QuantizedFactors codes(m);
  Vector v = Vector::Random(16);
  v(3) = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> got(200);
  for (auto isa : {QuantizedFactors::Isa::kPortable, QuantizedFactors::Isa::kAvx2, QuantizedFactors::Isa::kAvx512,
                   QuantizedFactors::Isa::kAvx512Vnni, QuantizedFactors::Isa::kWidest}) {
    codes.Score(v, got, isa);
    std::vector<int32_t> top(10);
    EXPECT_EQ(TopK(got, {}, top), 0) << "isa " << int(isa);
  }
}

// Serving writes the blend as it scores: each item's z-score (over the whole
// catalogue, from the codes' moments) weighted, plus the weighted fallback,
// the same as scoring, standardizing and adding would give, on every ISA.
TEST(QuantizedFactors, BlendsAsItScores) {
  for (auto [rows, cols] : {std::pair{5000, 64}, std::pair{1537, 13}, std::pair{37, 13}}) {
    RowMatrix m = RowMatrix::Random(rows, cols);
    m.col(0).array() += 0.5f;  // scores with a mean well away from 0
    Vector v = Vector::Random(cols);
    QuantizedFactors codes(m);
    std::vector<float> plain(static_cast<size_t>(rows)), fallback(static_cast<size_t>(rows));
    for (int r = 0; r < rows; ++r) fallback[r] = std::sin(static_cast<float>(r));
    codes.Score(v, plain, QuantizedFactors::Isa::kPortable);  // the codes' own scores, which the moments describe
    const Spread measured = SpreadOf(plain);
    const Spread given = codes.SpreadOf(v);
    EXPECT_NEAR(given.mean, measured.mean, 1e-4f * (1 + std::abs(measured.mean))) << rows;
    EXPECT_NEAR(given.sd, measured.sd, 1e-4f * measured.sd) << rows;
    for (auto isa : {QuantizedFactors::Isa::kPortable, QuantizedFactors::Isa::kAvx2, QuantizedFactors::Isa::kAvx512,
                     QuantizedFactors::Isa::kAvx512Vnni}) {
      codes.Score(v, plain, isa);
      std::vector<float> blended(static_cast<size_t>(rows), -1e9f);
      std::vector<float> block_max(QuantizedFactors::Blocks(rows), -1e9f);
      codes.Score(v, blended, isa,
                  {.spread = given, .weight = 0.7f, .add = fallback, .add_weight = 0.3f, .block_max = block_max});
      for (int r = 0; r < rows; ++r) {
        const float want = 0.7f * (plain[r] - measured.mean) / measured.sd + 0.3f * fallback[r];
        ASSERT_NEAR(blended[r], want, 1e-3f) << rows << "x" << cols << " row " << r << " isa " << int(isa);
      }
      for (size_t b = 0; b < block_max.size(); ++b) {
        const auto from = blended.begin() + static_cast<std::ptrdiff_t>(b * QuantizedFactors::kBlock);
        const auto to = b + 1 == block_max.size() ? blended.end() : from + QuantizedFactors::kBlock;
        ASSERT_EQ(block_max[b], *std::max_element(from, to)) << rows << " block " << b << " isa " << int(isa);
      }
    }
  }
}

// Fold-in solves a short history through its small Woodbury system and a
// long one whole: both must give the vector of the person's full normal
// equations, and explanations that add up to the item's score.
TEST(AlsFoldIn, ShortAndLongHistoriesSolveTheFullSystem) {
  AlsModel m;
  m.params.factors = 16;
  m.params.regularization = 3.0f;
  m.params.alpha = 4.0f;
  m.item_factors = RowMatrix::Random(200, 16) * 0.5f;
  m.PrepareFoldIn();
  std::mt19937 rng(3);
  for (bool weighted : {false, true})
  for (int n : {1, 3, 8, 9, 40}) {  // 2n <= 16 takes the small system
    m.weighting.kind = weighted ? Weighting::kTfidf : Weighting::kNone;
    m.weighting.idf.assign(200, 0.0f);
    for (int i = 0; i < 200; ++i) m.weighting.idf[i] = 0.5f + static_cast<float>(i % 7) * 0.25f;
    std::vector<int32_t> items(200);
    std::iota(items.begin(), items.end(), 0);
    std::shuffle(items.begin(), items.end(), rng);
    items.resize(static_cast<size_t>(n));
    std::vector<float> values;
    for (int j = 0; j < n; ++j) values.push_back(j % 3 == 0 ? 0.25f : 1.0f + static_cast<float>(j % 4));  // c − 1 < 0 too
    Eigen::MatrixXd a = m.item_factors.cast<double>().transpose() * m.item_factors.cast<double>();
    a.diagonal().array() += m.params.regularization;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(16);
    for (int j = 0; j < n; ++j) {
      const double c = m.params.alpha * values[j] * (weighted ? m.weighting.idf[items[j]] : 1.0f);
      Eigen::VectorXd y = m.item_factors.row(items[j]).transpose().cast<double>();
      a += (c - 1.0) * y * y.transpose();
      b += c * y;
    }
    const Eigen::VectorXd want = a.ldlt().solve(b);
    AlsModel::UserSolve solve = m.FoldIn(items, values);
    EXPECT_EQ(solve.small, 2 * n <= 16) << n;
    for (int f = 0; f < 16; ++f) EXPECT_NEAR(solve.vector[f], want[f], 1e-3 * (1 + std::abs(want[f]))) << n << " factor " << f;
    for (int32_t item : {0, 77, 199}) {
      std::vector<float> parts = m.Explain(solve, items, item);
      const float score = m.item_factors.row(item).dot(solve.vector);
      EXPECT_NEAR(std::accumulate(parts.begin(), parts.end(), 0.0f), score, 1e-3f * (1 + std::abs(score))) << n << " item " << item;
    }
  }
}

// Selection skips most items on one comparison with the worst score kept:
// ties must still go to the smaller item, and excluded or -inf items never
// come back, exactly as a full sort would order them.
TEST(TopK, MatchesAFullSortWithTiesAndExclusions) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> level(0, 40);  // few distinct scores: many ties
  std::normal_distribution<float> spread;              // or none: most blocks of 16 skipped whole
  enum Shape { kTies, kSpread, kRising };               // rising: every item beats the floor, cut after cut
  for (Shape shape : {kTies, kSpread, kRising})
  for (int n : {0, 1, 7, 100, 5000, 10007}) {
    std::vector<float> scores(static_cast<size_t>(n));
    std::vector<char> excluded(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      const float s = shape == kTies     ? static_cast<float>(level(rng))
                      : shape == kSpread ? spread(rng)
                                         : static_cast<float>(i / 3);
      scores[i] = i % 97 == 3 ? -std::numeric_limits<float>::infinity() : s;
      excluded[i] = i % 13 == 0;
    }
    std::vector<int32_t> want;
    for (int i = 0; i < n; ++i)
      if (!excluded[i] && !std::isinf(scores[i])) want.push_back(i);
    std::stable_sort(want.begin(), want.end(), [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
    for (size_t k : {size_t{1}, size_t{10}, size_t{64}, size_t{6000}}) {
      std::vector<int32_t> got(k);
      got.resize(static_cast<size_t>(TopK(scores, excluded, got)));
      std::vector<int32_t> expected(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(std::min(k, want.size())));
      EXPECT_EQ(got, expected) << n << " items, k " << k;
    }
  }
}

// Reading only the blocks whose maximum reaches the k-th largest block
// maximum must select exactly what a full selection does, ties included.
TEST(TopK, InBlocksMatchesTheFullSelection) {
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> level(0, 40);
  std::normal_distribution<float> spread;
  for (bool ties : {true, false})
  for (int32_t block : {64, 7})
  for (int n : {1, 100, 5000, 10007}) {
    std::vector<float> scores(static_cast<size_t>(n));
    for (auto& s : scores) s = ties ? static_cast<float>(level(rng)) : spread(rng);
    std::vector<float> block_max;
    for (int b = 0; b < n; b += block)
      block_max.push_back(*std::max_element(scores.begin() + b, scores.begin() + std::min(n, b + block)));
    for (size_t k : {size_t{1}, size_t{10}, size_t{72}, size_t{2000}}) {
      std::vector<int32_t> want(k), got(k);
      want.resize(static_cast<size_t>(TopK(scores, {}, want)));
      got.resize(static_cast<size_t>(TopKInBlocks(scores, block_max, block, got)));
      EXPECT_EQ(got, want) << n << " items, blocks of " << block << ", k " << k << (ties ? ", ties" : "");
    }
  }
}

// BM25 and TF-IDF as written down (BM25 as `implicit` has it), an item
// everyone has weighs nothing, and a person's row is weighted as the matrix's.
TEST(InputWeighting, FollowsTheFormulasRowByRow) {
  Csr m;  // 4 people, 3 items; item 0 is everyone's
  m.rows = 4;
  m.cols = 3;
  m.indptr = {0, 3, 4, 6, 7};
  m.indices = {0, 1, 2, 0, 0, 1, 0};
  m.values = {2, 1, 1, 1, 1, 3, 1};
  InputWeighting bm25 = InputWeighting::Fit(m, Weighting::kBm25);
  const double avg = 7.0 / 4;
  auto expect_bm25 = [&](double x, double len, int df) {
    return x * 2.2 / (1.2 * (0.25 + 0.75 * len / avg) + x) * std::max(0.0, std::log(4.0) - std::log1p(df));
  };
  Csr w = bm25.Apply(m);
  EXPECT_NEAR(w.values[0], expect_bm25(2, 3, 4), 1e-5);
  EXPECT_EQ(w.values[0], 0.0f);  // df = N: log 4 − log 5 < 0, clamped
  EXPECT_NEAR(w.values[1], expect_bm25(1, 3, 2), 1e-5);
  EXPECT_NEAR(w.values[5], expect_bm25(3, 2, 2), 1e-5);
  std::vector<float> row = bm25.Apply(m.Row(2), m.RowValues(2));
  EXPECT_EQ(row, std::vector<float>(w.values.begin() + 4, w.values.begin() + 6));
  InputWeighting tfidf = InputWeighting::Fit(m, Weighting::kTfidf);
  Csr t = tfidf.Apply(m);
  EXPECT_NEAR(t.values[1], std::log(4.0 / 2), 1e-6);
  EXPECT_NEAR(t.values[2], std::log(4.0 / 1), 1e-6);
  EXPECT_EQ(t.values[0], 0.0f);
  EXPECT_EQ(InputWeighting::Fit(m, Weighting::kNone).Apply(m).values, m.values);
  EXPECT_EQ(ParseWeighting("tfidf"), Weighting::kTfidf);
  EXPECT_FALSE(ParseWeighting("log").has_value());
}

}  // namespace
}  // namespace shinrai::recs
