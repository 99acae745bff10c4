#include "recs/item_knn.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "recs/input_weighting.h"

namespace shinrai::recs {

ItemKnnModel FitItemKnn(const Csr& user_items, const ItemKnnParams& params) {
  ItemKnnModel model;
  model.params = params;
  const Csr x = params.bm25 ? InputWeighting::Fit(user_items, Weighting::kBm25, params.k1, params.b).Apply(user_items) : user_items;
  const Csr xt = x.Transposed();
  const int32_t n = x.cols;
  std::vector<float> norm(static_cast<size_t>(n), 0.0f);
  for (int32_t i = 0; i < n; ++i) {
    double s = 0;
    for (float v : xt.RowValues(i)) s += double(v) * v;
    norm[i] = static_cast<float>(std::sqrt(s));
  }
  model.neighbours.resize(static_cast<size_t>(n));
#pragma omp parallel
  {
    std::vector<float> dot(static_cast<size_t>(n), 0.0f);
    std::vector<int32_t> count(static_cast<size_t>(n), 0);
    std::vector<int32_t> touched;
#pragma omp for schedule(dynamic, 16)
    for (int32_t i = 0; i < n; ++i) {
      touched.clear();
      auto users = xt.Row(i);
      auto uv = xt.RowValues(i);
      for (size_t a = 0; a < users.size(); ++a) {
        auto items = x.Row(users[a]);
        auto iv = x.RowValues(users[a]);
        for (size_t c = 0; c < items.size(); ++c) {
          const int32_t j = items[c];
          if (j == i) continue;
          if (count[j]++ == 0) touched.push_back(j);
          dot[j] += uv[a] * iv[c];
        }
      }
      std::vector<Neighbour> out;
      out.reserve(touched.size());
      for (int32_t j : touched) {
        float sim = norm[i] > 0 && norm[j] > 0 ? dot[j] / (norm[i] * norm[j]) : 0.0f;
        if (params.shrink > 0) sim *= count[j] / (count[j] + params.shrink);
        if (sim > 0) out.push_back({j, sim});
        dot[j] = 0;
        count[j] = 0;
      }
      const size_t keep = std::min<size_t>(out.size(), static_cast<size_t>(params.neighbours));
      std::partial_sort(out.begin(), out.begin() + keep, out.end(), [](const Neighbour& a, const Neighbour& b) {
        return a.similarity != b.similarity ? a.similarity > b.similarity : a.item < b.item;
      });
      out.resize(keep);
      model.neighbours[i] = std::move(out);
    }
  }
  return model;
}

void ItemKnnModel::Score(std::span<const int32_t> items, std::span<const float> values, std::span<float> scores) const {
  std::fill(scores.begin(), scores.end(), 0.0f);
  for (size_t n = 0; n < items.size(); ++n) {
    for (const Neighbour& nb : neighbours[items[n]]) scores[nb.item] += values[n] * nb.similarity;
  }
}

}  // namespace shinrai::recs
