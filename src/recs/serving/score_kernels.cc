#include "recs/serving/score_kernels.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace shinrai::recs {
namespace {

// Codes are stored in panels of kPanel items: panel p holds, for each
// dimension d, the codes of its items side by side, so one pass reads the
// panel front to back while the panel's sums stay in vector registers.
constexpr int64_t kPanel = QuantizedFactors::kBlock;

// What a kernel writes for item i: score × a + b + w × add[i] (add may be null).
struct Epilogue {
  float a = 1, b = 0, w = 0;
  const float* add = nullptr;
  float* panel_max = nullptr;  // when set: the largest value written in each panel
};

size_t CodeAt(int64_t item, int64_t d, int64_t dims) {
  return static_cast<size_t>(((item / kPanel) * dims + d) * kPanel + item % kPanel);
}

// The same codes for VNNI's 4-byte dot products: panel p holds, for each
// group of four dimensions, each item's four codes side by side.
int64_t Groups(int64_t dims) { return (dims + 3) / 4; }
size_t QuadAt(int64_t item, int64_t d, int64_t dims) {
  return static_cast<size_t>((((item / kPanel) * Groups(dims) + d / 4) * kPanel + item % kPanel) * 4 + d % 4);
}

bool HasVnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vnni");
}

// GCC 12 warns that the intrinsics' own undefined source vector "may be used
// uninitialized" (GCC bug 105593): the instructions never read it.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
[[gnu::target("avx512f")]] inline __m512 Load16(const int8_t* c) {
  return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c))));
}

// o × a + b + w × add: the blend, written as the scores are.
[[gnu::target("avx512f")]] inline __m512 Finish(__m512 o, __m512 a, __m512 b, __m512 w, const float* add) {
  return _mm512_fmadd_ps(o, a, add ? _mm512_fmadd_ps(_mm512_loadu_ps(add), w, b) : b);
}

[[gnu::target("avx512f")]] void PanelsAvx512(const int8_t* codes, const float* scale, int64_t panels, int64_t dims,
                                             const float* v, const Epilogue& e, float* out) {
  const __m512 ea = _mm512_set1_ps(e.a), eb = _mm512_set1_ps(e.b), ew = _mm512_set1_ps(e.w);
  for (int64_t p = 0; p < panels; ++p) {
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    const int8_t* c = codes + p * dims * kPanel;
    for (int64_t d = 0; d < dims; ++d, c += kPanel) {
      const __m512 vd = _mm512_set1_ps(v[d]);
      a0 = _mm512_fmadd_ps(Load16(c), vd, a0);
      a1 = _mm512_fmadd_ps(Load16(c + 16), vd, a1);
      a2 = _mm512_fmadd_ps(Load16(c + 32), vd, a2);
      a3 = _mm512_fmadd_ps(Load16(c + 48), vd, a3);
    }
    const __m512 acc[4] = {a0, a1, a2, a3};
    __m512 top = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for (int k = 0; k < 4; ++k) {
      const int64_t at = p * kPanel + 16 * k;
      const __m512 scored = _mm512_mul_ps(acc[k], _mm512_loadu_ps(scale + at));
      const __m512 written = Finish(scored, ea, eb, ew, e.add ? e.add + at : nullptr);
      _mm512_storeu_ps(out + at, written);
      top = _mm512_max_ps(top, written);
    }
    if (e.panel_max) e.panel_max[p] = _mm512_reduce_max_ps(top);
  }
}

// The query too as bytes: VNNI multiplies unsigned by signed bytes, so it
// is sent as q + 128 and 128 × each item's code sum taken off again.
[[gnu::target("avx512f,avx512vnni")]] void PanelsVnni(const int8_t* quads, const int32_t* biased_sums,
                                                      const float* scale, int64_t panels, int64_t groups,
                                                      const uint32_t* query, float query_scale, const Epilogue& e,
                                                      float* out) {
  const __m512 ea = _mm512_set1_ps(e.a), eb = _mm512_set1_ps(e.b), ew = _mm512_set1_ps(e.w);
  const __m512 qs = _mm512_set1_ps(query_scale);
  for (int64_t p = 0; p < panels; ++p) {
    __m512i acc[4] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    const int8_t* c = quads + p * groups * kPanel * 4;
    for (int64_t g = 0; g < groups; ++g, c += kPanel * 4) {
      const __m512i q = _mm512_set1_epi32(static_cast<int>(query[g]));
      for (int k = 0; k < 4; ++k) acc[k] = _mm512_dpbusd_epi32(acc[k], q, _mm512_loadu_si512(c + 64 * k));
    }
    __m512 top = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
    for (int k = 0; k < 4; ++k) {
      const int64_t at = p * kPanel + 16 * k;
      const __m512i dot = _mm512_sub_epi32(acc[k], _mm512_loadu_si512(biased_sums + at));
      const __m512 scored = _mm512_mul_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(qs, _mm512_loadu_ps(scale + at)));
      const __m512 written = Finish(scored, ea, eb, ew, e.add ? e.add + at : nullptr);
      _mm512_storeu_ps(out + at, written);
      top = _mm512_max_ps(top, written);
    }
    if (e.panel_max) e.panel_max[p] = _mm512_reduce_max_ps(top);
  }
}

#pragma GCC diagnostic pop

[[gnu::target("avx2,fma")]] void PanelsAvx2(const int8_t* codes, const float* scale, int64_t panels, int64_t dims,
                                            const float* v, const Epilogue& e, float* out) {
  const __m256 ea = _mm256_set1_ps(e.a), eb = _mm256_set1_ps(e.b), ew = _mm256_set1_ps(e.w);
  for (int64_t p = 0; p < panels; ++p) {
    __m256 a[8];
    for (auto& x : a) x = _mm256_setzero_ps();
    const int8_t* c = codes + p * dims * kPanel;
    for (int64_t d = 0; d < dims; ++d, c += kPanel) {
      const __m256 vd = _mm256_set1_ps(v[d]);
      for (int k = 0; k < 8; ++k) {
        const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(c + 8 * k));
        a[k] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(bytes)), vd, a[k]);
      }
    }
    __m256 top = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    for (int k = 0; k < 8; ++k) {
      const int64_t at = p * kPanel + 8 * k;
      const __m256 base = e.add ? _mm256_fmadd_ps(_mm256_loadu_ps(e.add + at), ew, eb) : eb;
      const __m256 written = _mm256_fmadd_ps(_mm256_mul_ps(a[k], _mm256_loadu_ps(scale + at)), ea, base);
      _mm256_storeu_ps(out + at, written);
      top = _mm256_max_ps(top, written);
    }
    if (e.panel_max) {
      alignas(32) float lanes[8];
      _mm256_store_ps(lanes, top);
      e.panel_max[p] = *std::max_element(lanes, lanes + 8);
    }
  }
}

void PanelsPortable(const int8_t* codes, const float* scale, int64_t panels, int64_t dims, const float* v,
                    const Epilogue& e, float* out) {
  for (int64_t p = 0; p < panels; ++p) {
    float acc[kPanel] = {};
    const int8_t* c = codes + p * dims * kPanel;
    for (int64_t d = 0; d < dims; ++d, c += kPanel)
      for (int64_t k = 0; k < kPanel; ++k) acc[k] += static_cast<float>(c[k]) * v[d];
    for (int64_t k = 0; k < kPanel; ++k) {
      const int64_t at = p * kPanel + k;
      out[at] = acc[k] * scale[at] * e.a + e.b + (e.add ? e.w * e.add[at] : 0.0f);
    }
    if (e.panel_max) e.panel_max[p] = *std::max_element(out + p * kPanel, out + (p + 1) * kPanel);
  }
}

QuantizedFactors::Isa WidestIsa() {
  __builtin_cpu_init();
  using Isa = QuantizedFactors::Isa;
  if (HasVnni()) return Isa::kAvx512Vnni;
  if (__builtin_cpu_supports("avx512f")) return Isa::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::kAvx2;
  return Isa::kPortable;
}

}  // namespace

QuantizedFactors::QuantizedFactors(const RowMatrix& f) : rows_(f.rows()), dims_(f.cols()) {
  const int64_t padded = (rows_ + kPanel - 1) / kPanel * kPanel;  // the last panel is filled with zeros
  codes_.assign(static_cast<size_t>(padded * dims_), 0);
  scale_.assign(static_cast<size_t>(padded), 0.0f);
  for (int64_t i = 0; i < rows_; ++i) {
    const float top = f.row(i).cwiseAbs().maxCoeff();
    scale_[i] = top > 0 ? top / 127.0f : 0.0f;
    const float inv = top > 0 ? 127.0f / top : 0.0f;
    for (int64_t d = 0; d < dims_; ++d) codes_[CodeAt(i, d, dims_)] = static_cast<int8_t>(std::lround(f(i, d) * inv));
  }
  if (HasVnni()) {
    quads_.assign(static_cast<size_t>(padded * Groups(dims_) * 4), 0);
    biased_sums_.assign(static_cast<size_t>(padded), 0);
    for (int64_t i = 0; i < rows_; ++i)
      for (int64_t d = 0; d < dims_; ++d) {
        const int8_t code = codes_[CodeAt(i, d, dims_)];
        quads_[QuadAt(i, d, dims_)] = code;
        biased_sums_[static_cast<size_t>(i)] += 128 * code;
      }
  }
  // The moments of the rows as scored (codes × scale), so SpreadOf is exact for them.
  mean_ = Eigen::VectorXd::Zero(dims_);
  Eigen::MatrixXd second = Eigen::MatrixXd::Zero(dims_, dims_);
  Eigen::VectorXd row(dims_);
  for (int64_t i = 0; i < rows_; ++i) {
    for (int64_t d = 0; d < dims_; ++d) row(d) = static_cast<double>(codes_[CodeAt(i, d, dims_)]) * scale_[i];
    mean_ += row;
    second.selfadjointView<Eigen::Lower>().rankUpdate(row);
  }
  if (rows_ > 0) {
    mean_ /= static_cast<double>(rows_);
    second = second.selfadjointView<Eigen::Lower>();
    covariance_ = second / static_cast<double>(rows_) - mean_ * mean_.transpose();
  }
}

void QuantizedFactors::Score(const Vector& vector, std::span<float> scores, Isa isa, const ScoreBlend& blend) const {
  static const Isa widest = WidestIsa();
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  Isa use = isa == Isa::kWidest ? widest : isa;
  if ((use == Isa::kAvx512Vnni && quads_.empty()) || (use == Isa::kAvx512 && !avx512) || (use == Isa::kAvx2 && !avx2))
    use = Isa::kPortable;
  // VNNI's query: one byte per dimension (its largest |value| at 127), four to a word.
  std::vector<uint32_t> query;
  float query_scale = 0;
  // A query that is not finite cannot be coded in bytes; the float kernels
  // give it the NaN scores selection passes over.
  if (use == Isa::kAvx512Vnni && !vector.allFinite()) use = Isa::kAvx512;
  if (use == Isa::kAvx512Vnni) {
    const float top = dims_ ? vector.cwiseAbs().maxCoeff() : 0.0f;
    query_scale = top > 0 ? top / 127.0f : 0.0f;
    const float inv = top > 0 ? 127.0f / top : 0.0f;
    query.assign(static_cast<size_t>(Groups(dims_)), 0);
    for (int64_t d = 0; d < dims_; ++d) {
      const auto biased = static_cast<uint32_t>(std::lround(vector(d) * inv) + 128);
      query[static_cast<size_t>(d / 4)] |= biased << (8 * (d % 4));
    }
    // Padding dimensions carry 128 against codes of 0: nothing.
    for (int64_t d = dims_; d < Groups(dims_) * 4; ++d) query[static_cast<size_t>(d / 4)] |= 128u << (8 * (d % 4));
  }
  // Panels [first, first + panels) written to out (which starts at panel `first`).
  auto run = [&](int64_t first, int64_t panels, const Epilogue& e, float* out) {
    const float* scale = scale_.data() + first * kPanel;
    switch (use) {
      case Isa::kAvx512Vnni:
        PanelsVnni(quads_.data() + first * Groups(dims_) * kPanel * 4, biased_sums_.data() + first * kPanel, scale,
                   panels, Groups(dims_), query.data(), query_scale, e, out);
        break;
      case Isa::kAvx512:
        PanelsAvx512(codes_.data() + first * dims_ * kPanel, scale, panels, dims_, vector.data(), e, out);
        break;
      case Isa::kAvx2:
        PanelsAvx2(codes_.data() + first * dims_ * kPanel, scale, panels, dims_, vector.data(), e, out);
        break;
      default:
        PanelsPortable(codes_.data() + first * dims_ * kPanel, scale, panels, dims_, vector.data(), e, out);
    }
  };
  Epilogue e;
  if (blend.spread) {
    e.a = blend.weight / blend.spread->sd;
    e.b = -blend.spread->mean * e.a;
  }
  if (!blend.add.empty()) {
    e.w = blend.add_weight;
    e.add = blend.add.data();
  }
  if (!blend.block_max.empty()) e.panel_max = blend.block_max.data();
  const int64_t full = rows_ / kPanel;
  run(0, full, e, scores.data());
  if (rows_ % kPanel == 0) return;
  // The zero-padded last panel, written to a buffer and copied: `scores` (and
  // `add`) hold only rows_, and its padding must not count towards its maximum.
  float tail[kPanel], add_tail[kPanel] = {};
  if (e.add) {
    std::copy(e.add + full * kPanel, e.add + rows_, add_tail);
    e.add = add_tail;
  }
  e.panel_max = nullptr;
  run(full, 1, e, tail);
  const int64_t left = rows_ % kPanel;
  std::copy(tail, tail + left, scores.begin() + full * kPanel);
  if (!blend.block_max.empty()) blend.block_max[static_cast<size_t>(full)] = *std::max_element(tail, tail + left);
}

Spread QuantizedFactors::SpreadOf(const Vector& vector) const {
  if (rows_ == 0) return {};
  const Eigen::VectorXd v = vector.cast<double>();
  const double mean = mean_.dot(v);
  const double variance = std::max(0.0, v.dot(covariance_ * v));
  return {static_cast<float>(mean), static_cast<float>(std::sqrt(variance)) + 1e-9f};
}

}  // namespace shinrai::recs
