// Why a model placed an item: how much each item of the person's history
// contributed to its score. The served models are linear in the history
// (EASE: a weighted sum of item-to-item weights; ALS: the folded-in user
// vector, solved from the history), so the contributions add up to the score
// and the largest are the honest answer to "why am I seeing this?".
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "recs/serving/model_snapshot.h"

namespace shinrai::recs {

struct Contribution {
  size_t history_pos;  // index into the history given
  float weight;        // > 0
};

// The history items that drew `item` most, largest first, at most `limit`,
// positive contributions only. `solve` is the person's ALS fold-in (unused
// when the snapshot serves EASE).
std::vector<Contribution> TopContributions(const ModelSnapshot& model, std::span<const int32_t> history_items,
                                           std::span<const float> history_weights, const AlsModel::UserSolve& solve,
                                           int32_t item, size_t limit);

}  // namespace shinrai::recs
