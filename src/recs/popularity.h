// Most-popular and trending items: the non-personalized answer for people
// without consent or history, and the floor every model must beat.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "recs/csr.h"

namespace shinrai::recs {

struct PopularityModel {
  std::vector<float> count;  // the item's column sum: buyers of a binary matrix, purchases of a counted one (ties ranked by index, as the peer does)

  void Score(std::span<float> scores) const;
};

PopularityModel FitPopularity(const Csr& user_items);

// Recency-weighted popularity: each interaction counts 2^(-age / half_life).
std::vector<float> TrendingScores(const Csr& user_items, const std::vector<int64_t>& times, int64_t now,
                                  double half_life_seconds);

}  // namespace shinrai::recs
