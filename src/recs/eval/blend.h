// Blending the evaluation's model families: a weighted sum of standardized
// scores, its weights searched on validation NDCG.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "recs/csr.h"

namespace shinrai::recs {

// Scores every item for user u (span of the catalogue's size).
using ScoreFn = std::function<void(int32_t u, std::span<float> scores)>;

// The standardized scores of a blend's members for the people one split
// tests. The weight search scores the same people a hundred times, so their
// scores are kept when they fit in `budget_floats`; otherwise each blend asks
// the members again. A null member is one the blend never weighs.
class MemberScores {
 public:
  MemberScores(std::vector<ScoreFn> members, const Csr& test, int32_t items, size_t budget_floats = size_t{1} << 28);
  // The weighted sum (weights aligned with the members).
  ScoreFn Blend(std::vector<float> weights) const;

 private:
  std::vector<ScoreFn> members_;
  int32_t items_;
  std::vector<int32_t> row_of_user_;        // -1: not tested (empty when nothing is kept)
  std::vector<std::vector<float>> kept_;    // [member][row * items + item]
};

// Blend weights by coordinate ascent on `evaluate` (validation NDCG of one
// weight vector): start from the best single member, then try each member's
// weight over a ladder, keeping what helps, until a round changes nothing.
// Adds the number of weight vectors tried to *tried.
std::vector<float> SearchWeights(size_t members, const std::function<double(const std::vector<float>&)>& evaluate,
                                 int* tried);

}  // namespace shinrai::recs
