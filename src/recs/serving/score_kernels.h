// Exact scoring of a whole catalogue on every request reads every item's
// factors: at 10,000 items × 64 floats that is 2.5 MiB a request, more than
// the cache holds, so memory bandwidth, not arithmetic, sets the pace. Codes
// of one byte per factor (a scale per item) read a quarter of that, and the
// loop is compiled for the widest vector instructions the CPU offers (chosen
// once, at load: the project builds for portable x86-64).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "recs/factors.h"
#include "recs/top_k.h"

namespace shinrai::recs {

// Serving blends the scores' z-scores with a fallback; done as the scores
// are written, that costs no pass over the catalogue of its own.
struct ScoreBlend {
  std::optional<Spread> spread;  // write weight × (score − mean) / sd
  float weight = 1;
  std::span<const float> add;    // plus add_weight × add[i] (one per row)
  float add_weight = 0;
  // When not empty (one per QuantizedFactors::kBlock rows, the last block
  // possibly short): the largest score written in each block, for TopKInBlocks.
  std::span<float> block_max;
};

class QuantizedFactors {
 public:
  QuantizedFactors() = default;
  // Each item's factors as int8 codes × a per-item scale (largest |factor| / 127).
  explicit QuantizedFactors(const RowMatrix& factors);

  // Which instructions score: the widest this CPU has, or a narrower one
  // (tests check each; one the CPU lacks scores portably). VNNI also codes
  // the query in bytes: a quarter fewer cycles (38,116 items × 64: 39 → 29
  // µs, of which reading the codes is 22) for a wider error bound.
  enum class Isa { kWidest, kAvx512Vnni, kAvx512, kAvx2, kPortable };
  // scores[i] ≈ factors.row(i) · vector for every item (relative error ~1/254
  // of the item's largest factor; VNNI adds as much again from the query's
  // largest |value|), blended as asked.
  void Score(const Vector& vector, std::span<float> scores, Isa isa = Isa::kWidest, const ScoreBlend& blend = {}) const;
  // The mean and standard deviation of Score's scores over every row (as
  // Standardize computes them), from the rows' moments: O(dims²), not O(rows).
  Spread SpreadOf(const Vector& vector) const;
  int64_t rows() const { return rows_; }
  static constexpr int32_t kBlock = 64;  // rows a block_max entry covers (the kernels' panel)
  static size_t Blocks(int64_t rows) { return static_cast<size_t>((rows + kBlock - 1) / kBlock); }

 private:
  int64_t rows_ = 0, dims_ = 0;
  std::vector<int8_t> codes_;  // in panels of 64 items, dimension by dimension (score_kernels.cc)
  std::vector<float> scale_;
  std::vector<int8_t> quads_;         // the codes again for VNNI (only where the CPU has it; score_kernels.cc)
  std::vector<int32_t> biased_sums_;  // 128 × each item's code sum: what VNNI's biased query adds
  Eigen::VectorXd mean_;        // of the rows as coded
  Eigen::MatrixXd covariance_;  // of the rows as coded (population)
};

}  // namespace shinrai::recs
