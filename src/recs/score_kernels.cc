#include "recs/score_kernels.h"

#include <cstdint>

namespace shinrai::recs {
namespace {

[[gnu::target_clones("avx512f", "avx2", "default")]]
void DotEachRow(const float* __restrict m, int64_t rows, int64_t cols, const float* __restrict v, float* __restrict out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = m + r * cols;
    float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
    for (int64_t c = 0; c < cols; ++c) acc += row[c] * v[c];
    out[r] = acc;
  }
}

}  // namespace

void ScoreAllRows(const RowMatrix& factors, const Vector& vector, std::span<float> scores) {
  DotEachRow(factors.data(), factors.rows(), factors.cols(), vector.data(), scores.data());
}

}  // namespace shinrai::recs
