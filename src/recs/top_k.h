// Exact top-k selection over a dense score vector, skipping excluded items.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace shinrai::recs {

// Writes the indices of the k best scores (best first; ties to the smaller
// index) into `out`, skipping items whose `excluded` flag is set and -inf scores.
// Returns how many were written.
int TopK(std::span<const float> scores, std::span<const char> excluded, std::span<int32_t> out);

// The same selection (no exclusions) when the largest score of each block
// of `block` items is known, as exact scoring writes it: only the blocks
// that can hold one of the best k are read.
int TopKInBlocks(std::span<const float> scores, std::span<const float> block_max, int32_t block,
                 std::span<int32_t> out);

// Replaces scores by their z-scores, so scores of different models (or a
// model and a fallback) can be added with weights.
void Standardize(std::span<float> scores);

// The mean and standard deviation Standardize uses (sd never 0), for
// callers that standardize only the scores they read.
struct Spread {
  float mean = 0;
  float sd = 1;
};
Spread SpreadOf(std::span<const float> scores);

}  // namespace shinrai::recs
