// Implicit-feedback matrix factorization (Hu, Koren & Volinsky 2008) solved by
// alternating least squares with a few conjugate-gradient steps per row
// (Takács et al. 2011), the algorithm `implicit` ships. Confidence of an
// observed entry is alpha × value; regularization is a plain λI.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "recs/csr.h"
#include "recs/factors.h"
#include "recs/input_weighting.h"

namespace shinrai::recs {

struct AlsParams {
  int factors = 64;
  float regularization = 10.0f;
  float alpha = 5.0f;
  int iterations = 15;
  int cg_steps = 3;
  uint64_t seed = 42;
  int threads = 0;  // 0: all cores
};

struct AlsModel {
  AlsParams params;
  InputWeighting weighting;  // applied to the training rows and to every history folded in
  RowMatrix user_factors;
  RowMatrix item_factors;
  Eigen::MatrixXf item_gramian;  // Y^T Y, kept for fold-in
  Eigen::MatrixXf base_inverse;  // (Y^T Y + λI)⁻¹: fold-in of a short history solves only its own small system

  // Computes item_gramian and base_inverse from the item factors (after
  // training or loading; fold-in reads both).
  void PrepareFoldIn();

  // A person's solved system: their vector, and what explains any item's
  // score for them without solving again. A person's system is
  // B + Y_hᵀ D Y_h (B = YᵀY + λI, Y_h their items' factors, D = c − 1): with
  // fewer items than half the factors it is solved through its n × n
  // Woodbury form (B⁻¹ is the model's), else factorized whole.
  struct UserSolve {
    Vector vector;
    bool small = false;
    Eigen::VectorXf c;  // each history item's confidence (α × its weighted strength)
    // small: P = Y_h B⁻¹ (n × k), K = P Y_hᵀ, S = I + D K, and D = c − 1.
    Eigen::MatrixXf p, k;
    Eigen::PartialPivLU<Eigen::MatrixXf> s;
    Eigen::VectorXf d;
    // otherwise:
    Eigen::LDLT<Eigen::MatrixXf> system;
  };
  // The vector a person with this history (raw strengths: the model applies
  // its weighting) would get, solved exactly against the current item
  // factors: how fold-in reacts to new events without retraining.
  UserSolve FoldIn(std::span<const int32_t> items, std::span<const float> values) const;
  // How much each past item contributed to `item`'s score for the history
  // `solve` was folded in from (score = sum of the contributions), in the
  // order of `items`.
  std::vector<float> Explain(const UserSolve& solve, std::span<const int32_t> items, int32_t item) const;
};

AlsModel FitAls(const Csr& user_items, const AlsParams& params, Weighting input = Weighting::kNone);

}  // namespace shinrai::recs
