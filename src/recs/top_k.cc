#include "recs/top_k.h"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace shinrai::recs {

int TopK(std::span<const float> scores, std::span<const char> excluded, std::span<int32_t> out) {
  const size_t k = out.size();
  if (k == 0) return 0;
  // Under "better" the heap front is the worst of the best k kept so far.
  auto better = [&](int32_t a, int32_t b) { return scores[a] != scores[b] ? scores[a] > scores[b] : a < b; };
  std::vector<int32_t> heap;
  heap.reserve(k + 1);
  // Once k are kept, most items lose to the worst of them on the score
  // alone: one comparison of floats, no heap work (this runs over the whole
  // catalogue on every request).
  float floor = -std::numeric_limits<float>::infinity();
  const auto n = static_cast<int32_t>(scores.size());
  for (int32_t i = 0; i < n; ++i) {
#ifdef __SSE2__
    // Sixteen at a time while none of them reaches the floor (SSE2 is in
    // every x86-64): the scalar loop spent ~1 ns an item.
    if (heap.size() == k && (i & 15) == 0) {
      const __m128 f = _mm_set1_ps(floor);
      while (i + 16 <= n) {
        const float* p = scores.data() + i;
        const __m128 any = _mm_or_ps(_mm_or_ps(_mm_cmpge_ps(_mm_loadu_ps(p), f), _mm_cmpge_ps(_mm_loadu_ps(p + 4), f)),
                                     _mm_or_ps(_mm_cmpge_ps(_mm_loadu_ps(p + 8), f), _mm_cmpge_ps(_mm_loadu_ps(p + 12), f)));
        if (_mm_movemask_ps(any) != 0) break;
        i += 16;
      }
      if (i >= n) break;
    }
#endif
    if (scores[i] < floor) continue;
    if (!excluded.empty() && excluded[i]) continue;
    if (std::isinf(scores[i]) && scores[i] < 0) continue;
    if (heap.size() < k) {
      heap.push_back(i);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (better(i, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = i;
      std::push_heap(heap.begin(), heap.end(), better);
    } else {
      continue;
    }
    if (heap.size() == k) floor = scores[heap.front()];
  }
  std::sort_heap(heap.begin(), heap.end(), better);
  std::copy(heap.begin(), heap.end(), out.begin());
  return static_cast<int>(heap.size());
}

void Standardize(std::span<float> s) {
  if (s.empty()) return;
  // Eigen's vectorised reductions: this runs over the whole catalogue on every request.
  Eigen::Map<Eigen::ArrayXf> a(s.data(), static_cast<Eigen::Index>(s.size()));
  const float mean = a.mean();
  const float sd = std::sqrt((a - mean).square().mean()) + 1e-9f;
  a = (a - mean) * (1.0f / sd);
}

}  // namespace shinrai::recs
