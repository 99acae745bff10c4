#include "recs/input_weighting.h"

#include <algorithm>
#include <cmath>

namespace shinrai::recs {

std::string_view WeightingName(Weighting w) {
  switch (w) {
    case Weighting::kBm25: return "bm25";
    case Weighting::kTfidf: return "tfidf";
    case Weighting::kNone: break;
  }
  return "none";
}

std::optional<Weighting> ParseWeighting(std::string_view name) {
  for (Weighting w : {Weighting::kNone, Weighting::kBm25, Weighting::kTfidf})
    if (name == WeightingName(w)) return w;
  return std::nullopt;
}

InputWeighting InputWeighting::Fit(const Csr& m, Weighting kind, float k1, float b) {
  InputWeighting w;
  w.kind = kind;
  w.k1 = k1;
  w.b = b;
  if (kind == Weighting::kNone) return w;
  std::vector<int64_t> df(static_cast<size_t>(m.cols), 0);
  for (int32_t i : m.indices) ++df[i];
  w.average_length = m.rows > 0 ? std::max(1.0, static_cast<double>(m.nnz()) / m.rows) : 1.0;
  const double people = std::max(1, m.rows);
  w.idf.resize(static_cast<size_t>(m.cols));
  for (int32_t i = 0; i < m.cols; ++i) {
    // BM25 as `implicit` writes it, log N − log(1 + df); TF-IDF's log(N / df).
    const double idf = kind == Weighting::kBm25 ? std::log(people) - std::log1p(static_cast<double>(df[i]))
                                                : std::log(people / std::max<double>(1, df[i]));
    w.idf[i] = static_cast<float>(std::max(0.0, idf));
  }
  return w;
}

std::vector<float> InputWeighting::Apply(std::span<const int32_t> items, std::span<const float> values) const {
  std::vector<float> out(values.begin(), values.end());
  if (kind == Weighting::kNone) return out;
  const double len_norm = (1.0 - b) + b * static_cast<double>(items.size()) / average_length;
  for (size_t n = 0; n < items.size(); ++n) {
    const int32_t i = items[n];
    const double weight = i >= 0 && static_cast<size_t>(i) < idf.size() ? idf[i] : 0.0;
    const double x = values[n];
    out[n] = static_cast<float>(kind == Weighting::kBm25 ? x * (k1 + 1.0) / (k1 * len_norm + x) * weight : x * weight);
  }
  return out;
}

Csr InputWeighting::Apply(const Csr& m) const {
  Csr w = m;
  if (kind == Weighting::kNone) return w;
  for (int32_t u = 0; u < m.rows; ++u) {
    std::vector<float> row = Apply(m.Row(u), m.RowValues(u));
    std::copy(row.begin(), row.end(), w.values.begin() + m.indptr[u]);
  }
  return w;
}

}  // namespace shinrai::recs
