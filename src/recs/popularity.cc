#include "recs/popularity.h"

#include <algorithm>
#include <cmath>

namespace shinrai::recs {

PopularityModel FitPopularity(const Csr& m) {
  PopularityModel p;
  p.count.assign(static_cast<size_t>(m.cols), 0.0f);
  for (int64_t n = 0; n < m.nnz(); ++n) p.count[m.indices[n]] += m.values[n];
  return p;
}

void PopularityModel::Score(std::span<float> scores) const { std::copy(count.begin(), count.end(), scores.begin()); }

std::vector<float> TrendingScores(const Csr& m, const std::vector<int64_t>& times, int64_t now, double half_life) {
  std::vector<float> s(static_cast<size_t>(m.cols), 0.0f);
  for (int64_t n = 0; n < m.nnz(); ++n) {
    const double age = std::max<double>(0.0, static_cast<double>(now - times[n]));
    s[m.indices[n]] += static_cast<float>(std::exp2(-age / half_life));
  }
  return s;
}

}  // namespace shinrai::recs
