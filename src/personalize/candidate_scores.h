// One request's scores over the items it may show: confidence × the
// personal model's z-score + (1 − confidence) × the fallback's (popularity,
// or similarity to the item in view), over the whole catalogue, or on
// catalogues with an HNSW index over its nearest items plus the popular and
// contextual ones. The rules then walk them best first.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "recs/serving/model_snapshot.h"
#include "recs/top_k.h"

namespace shinrai::service {

class CandidateScores {
 public:
  // `solve` is the person's folded-in ALS vector (unused where EASE scores a
  // small catalogue); `context` the item in view, or -1; `n` how many will be shown.
  CandidateScores(const recs::ModelSnapshot& model, std::span<const int32_t> history_items,
                  std::span<const float> history_weights, const recs::AlsModel::UserSolve& solve, double confidence,
                  int32_t context, int n);
  ~CandidateScores();
  CandidateScores(const CandidateScores&) = delete;
  CandidateScores& operator=(const CandidateScores&) = delete;

  size_t size() const { return blended_.size(); }
  int32_t item(size_t c) const { return whole_catalogue_ ? static_cast<int32_t>(c) : candidates_[c]; }
  float blended(size_t c) const { return blended_[c]; }
  // What each side adds to blended(c).
  float personal_part(size_t c) const;
  float fallback_part(size_t c) const { return fallback_weight_ * fallback_[c]; }
  bool similar_to_context(int32_t item) const { return similar_to_context_.count(item) > 0; }
  // The best `want` positions, best first (ties to the smaller item).
  std::vector<int32_t> Best(size_t want) const;

 private:
  bool whole_catalogue_;
  std::vector<int32_t> candidates_;  // index path: the item at each position, ascending
  std::unordered_map<int32_t, float> similar_to_context_;
  std::vector<float> computed_fallback_;
  std::span<const float> fallback_;
  float fallback_weight_;
  // ALS codes on a whole catalogue write the blend as they score (no pass of
  // its own); other models score into personal_, then blend.
  bool scored_blended_ = false;
  std::vector<float> personal_, block_max_;
  recs::Spread spread_;
  float personal_weight_ = 0;
  bool owns_thread_buffer_ = false;
  std::vector<float> own_buffer_;
  std::span<float> blended_;
};

}  // namespace shinrai::service
