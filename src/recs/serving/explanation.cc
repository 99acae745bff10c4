#include "recs/serving/explanation.h"

#include <algorithm>
#include <numeric>

namespace shinrai::recs {

std::vector<Contribution> TopContributions(const ModelSnapshot& model, std::span<const int32_t> history_items,
                                           std::span<const float> history_weights, const AlsModel::UserSolve& solve,
                                           int32_t item, size_t limit) {
  std::vector<float> contrib(history_items.size());
  if (model.ease.weights.rows() > 0) {
    for (size_t n = 0; n < contrib.size(); ++n)
      contrib[n] = history_weights[n] * model.ease.weights(history_items[n], item);
  } else {
    contrib = model.als.Explain(solve, history_items, item);
  }
  std::vector<size_t> order(contrib.size());
  std::iota(order.begin(), order.end(), size_t{0});
  const size_t keep = std::min(limit, order.size());
  std::partial_sort(order.begin(), order.begin() + keep, order.end(),
                    [&](size_t a, size_t b) { return contrib[a] > contrib[b]; });
  std::vector<Contribution> out;
  for (size_t k = 0; k < keep && contrib[order[k]] > 0; ++k) out.push_back({order[k], contrib[order[k]]});
  return out;
}

}  // namespace shinrai::recs
