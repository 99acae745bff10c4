// The HNSW index built on every core finds what exact scoring finds.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "recs/serving/ann_index.h"
#include "recs/top_k.h"

namespace shinrai::recs {
namespace {

TEST(AnnIndex, FindsNearlyAllOfTheExactTopKByInnerProduct) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  RowMatrix items(6000, 32);
  for (Eigen::Index i = 0; i < items.rows(); ++i) {
    for (Eigen::Index j = 0; j < items.cols(); ++j) items(i, j) = normal(rng);
  }
  const AnnIndex index(items);
  double found = 0, wanted = 0;
  for (int q = 0; q < 30; ++q) {
    Vector query(32);
    for (Eigen::Index j = 0; j < query.size(); ++j) query(j) = normal(rng);
    Vector scores = items * query;
    std::vector<int32_t> exact(50);
    const int got = TopK(std::span<const float>(scores.data(), static_cast<size_t>(scores.size())), {}, exact);
    ASSERT_EQ(got, 50);
    const std::vector<int32_t> approx = index.Search(query, 50);
    ASSERT_EQ(approx.size(), 50u);
    // Best first.
    for (size_t k = 1; k < approx.size(); ++k) EXPECT_GE(scores(approx[k - 1]) + 1e-4f, scores(approx[k]));
    const std::set<int32_t> truth(exact.begin(), exact.end());
    for (int32_t i : approx) found += truth.count(i);
    wanted += 50;
  }
  EXPECT_GE(found / wanted, 0.9) << "recall of the approximate top 50";
}

}  // namespace
}  // namespace shinrai::recs
