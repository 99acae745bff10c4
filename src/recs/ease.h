// EASE (Steck 2019): a closed-form item-item model B = I - P·diag(1/diag(P)),
// P = (XᵀX + λI)⁻¹, with a zero diagonal. Exact and strong on small and
// medium catalogues; its cost grows with items³, so the trainer only picks it
// below a declared catalogue size.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"
#include "recs/csr.h"
#include "recs/factors.h"

namespace shinrai::recs {

struct EaseParams {
  float lambda = 250.0f;
  // Each person's rows count |history|^-a in XᵀX: a = 0 is plain EASE; a > 0
  // keeps heavy raters from dominating the item-item statistics.
  float user_weight_exponent = 0.0f;
  int max_items = 6000;  // above this the O(items³) inverse is refused
};

// How much person weights of exponent a shrink XᵀX (a typical history's
// weight, 50^-a): λ and any term added to XᵀX shrink alike, so one λ grid
// fits every exponent.
inline float PersonWeightShrink(float exponent) { return std::pow(50.0f, -exponent); }

struct EaseModel {
  EaseParams params;
  RowMatrix weights;  // items × items; row j says how history item j raises each item

  void Score(std::span<const int32_t> items, std::span<const float> values, std::span<float> scores) const;
};

Result<EaseModel> FitEase(const Csr& user_items, const EaseParams& params);
// "Chosen at the same moment" as well as "chosen by the same person": EASE
// over G = base·Σ w_u x_uᵀx_u + kernel·Σ_u Σ_{a,b} exp(−|t_a − t_b| / τ) e_a e_bᵀ.
// The second term counts pairs of one person's items by how close in time
// they were chosen (a positive-definite kernel, so G stays a Gram matrix);
// base = 0 leaves only the sittings. `times`: one per entry of user_items.
struct SessionEaseParams {
  EaseParams ease;            // λ and the person weighting of the base term
  float base = 1.0f;
  float kernel = 1.0f;
  double tau_seconds = 120;
};
Result<EaseModel> FitSessionEase(const Csr& user_items, const std::vector<int64_t>& times,
                                 const SessionEaseParams& params);

}  // namespace shinrai::recs
