#include "recs/top_k.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace shinrai::recs {

namespace {

// The first index from `i` whose score beats `floor` (n when none does).
// Most of a catalogue is passed over here, sixteen at a time (SSE2 is in
// every x86-64; AVX-512 compares measured no faster: the loads bound it).
int32_t NextAbove(const float* s, int32_t i, int32_t n, float floor) {
#ifdef __SSE2__
  const __m128 f = _mm_set1_ps(floor);
  for (; i + 16 <= n; i += 16) {
    const int a = _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(s + i), f));
    const int b = _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(s + i + 4), f));
    const int c = _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(s + i + 8), f));
    const int d = _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(s + i + 12), f));
    if (const int all = a | b << 4 | c << 8 | d << 12) return i + __builtin_ctz(all);
  }
#endif
  while (i < n && !(s[i] > floor)) ++i;
  return i;
}

// Best first: the higher score, ties to the smaller item.
struct Better {
  std::span<const float> scores;
  bool operator()(int32_t a, int32_t b) const { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; }
};

// Writes the best of `pool` (a superset of the best out.size() items) to `out`, best first.
int WriteBest(std::vector<int32_t>& pool, std::span<const float> scores, std::span<int32_t> out) {
  const size_t kept = std::min(out.size(), pool.size());
  std::partial_sort(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(kept), pool.end(), Better{scores});
  std::copy(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(kept), out.begin());
  return static_cast<int>(kept);
}

}  // namespace

int TopK(std::span<const float> scores, std::span<const char> excluded, std::span<int32_t> out) {
  const size_t k = out.size();
  if (k == 0) return 0;
  // Items that might be among the best k, gathered without ordering them;
  // when the pool fills, it is cut back to its best k and the worst of those
  // becomes the floor. A heap kept in order instead did most of the
  // selection's work: items arrive in no order, so hundreds enter it before
  // the floor settles (38,000 scores in random order: 1.5–2 × faster).
  const size_t pool_cap = std::max<size_t>(4 * k, 256);
  std::vector<int32_t> pool;
  pool.reserve(pool_cap);
  // An item must beat the floor strictly: items come in ascending order, so
  // one equal to the k-th best kept loses the tie to it. -inf and NaN never
  // beat any floor.
  float floor = -std::numeric_limits<float>::infinity();
  const auto n = static_cast<int32_t>(scores.size());
  for (int32_t i = NextAbove(scores.data(), 0, n, floor); i < n; i = NextAbove(scores.data(), i + 1, n, floor)) {
    if (!excluded.empty() && excluded[i]) continue;
    pool.push_back(i);
    if (pool.size() < pool_cap) continue;
    std::nth_element(pool.begin(), pool.begin() + static_cast<std::ptrdiff_t>(k - 1), pool.end(), Better{scores});
    pool.resize(k);
    floor = scores[pool[k - 1]];  // the worst kept: nth_element put every better one before it
  }
  return WriteBest(pool, scores, out);
}

int TopKInBlocks(std::span<const float> scores, std::span<const float> block_max, int32_t block,
                 std::span<int32_t> out) {
  const size_t k = out.size();
  if (k == 0) return 0;
  if (block_max.size() <= k) return TopK(scores, {}, out);
  // At least k items score the k-th largest block maximum or more (one in
  // each of those blocks), so no item below it is among the best k, and a
  // block whose maximum is below it holds none of them.
  std::vector<float> maxima(block_max.begin(), block_max.end());
  std::nth_element(maxima.begin(), maxima.begin() + static_cast<std::ptrdiff_t>(k - 1), maxima.end(),
                   std::greater<float>());
  const float bar = maxima[k - 1];
  if (!std::isfinite(bar)) return TopK(scores, {}, out);
  const float floor = std::nextafter(bar, -std::numeric_limits<float>::infinity());  // the bar itself counts
  const auto n = static_cast<int32_t>(scores.size());
  std::vector<int32_t> pool;
  for (size_t b = 0; b < block_max.size(); ++b) {
    if (!(block_max[b] > floor)) continue;
    const int32_t end = static_cast<int32_t>(std::min<int64_t>(n, static_cast<int64_t>(b + 1) * block));
    for (int32_t i = NextAbove(scores.data(), static_cast<int32_t>(b) * block, end, floor); i < end;
         i = NextAbove(scores.data(), i + 1, end, floor))
      pool.push_back(i);
  }
  return WriteBest(pool, scores, out);
}

Spread SpreadOf(std::span<const float> s) {
  if (s.empty()) return {};
  // Eigen's vectorised reductions: this runs over the whole catalogue on every request.
  Eigen::Map<const Eigen::ArrayXf> a(s.data(), static_cast<Eigen::Index>(s.size()));
  const float mean = a.mean();
  return {mean, std::sqrt((a - mean).square().mean()) + 1e-9f};
}

void Standardize(std::span<float> s) {
  if (s.empty()) return;
  const Spread spread = SpreadOf(s);
  Eigen::Map<Eigen::ArrayXf> a(s.data(), static_cast<Eigen::Index>(s.size()));
  a = (a - spread.mean) * (1.0f / spread.sd);
}

}  // namespace shinrai::recs
