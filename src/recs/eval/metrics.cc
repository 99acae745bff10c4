#include "recs/eval/metrics.h"

#include <algorithm>
#include <cmath>

namespace shinrai::recs {

RankingMetrics EvaluateRanking(const Csr& train, const Csr& test, int k, const TopKFn& top_k) {
  RankingMetrics m;
  double hits_total = 0, denominator = 0;
  std::vector<int32_t> top(static_cast<size_t>(k));
  std::vector<char> recommended(static_cast<size_t>(test.cols), 0);
  std::vector<double> discount(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) discount[i] = 1.0 / std::log2(i + 2.0);
  for (int32_t u = 0; u < test.rows; ++u) {
    auto truth = test.Row(u);
    if (truth.empty()) continue;
    std::fill(top.begin(), top.end(), -1);
    top_k(u, top);
    const int c = std::min<int>(k, static_cast<int>(truth.size()));
    double hits = 0, dcg = 0, ap = 0, idcg = 0;
    for (int i = 0; i < k; ++i) {
      if (top[i] < 0) continue;
      recommended[top[i]] = 1;
      if (!std::binary_search(truth.begin(), truth.end(), top[i])) continue;
      hits += 1;
      dcg += discount[i];
      ap += hits / (i + 1);
    }
    for (int j = 0; j < c; ++j) idcg += discount[j];
    hits_total += hits;
    denominator += c;
    m.recall += hits / static_cast<double>(truth.size());
    m.ndcg += dcg / idcg;
    m.map += ap / c;
    ++m.users;
  }
  if (m.users > 0) {
    m.precision = hits_total / denominator;
    m.recall /= static_cast<double>(m.users);
    m.ndcg /= static_cast<double>(m.users);
    m.map /= static_cast<double>(m.users);
  }
  m.coverage = static_cast<double>(std::count(recommended.begin(), recommended.end(), 1)) /
               std::max<int32_t>(1, test.cols);
  return m;
}

}  // namespace shinrai::recs
