#include "personalize/candidate_scores.h"

#include <algorithm>
#include <unordered_set>

namespace shinrai::service {
namespace {

// Each serving thread reuses one buffer for a request's scores: a whole
// catalogue's are a large block to allocate and zero on every request.
thread_local std::vector<float> t_buffer;
thread_local bool t_buffer_taken = false;

}  // namespace

CandidateScores::CandidateScores(const recs::ModelSnapshot& model, std::span<const int32_t> history_items,
                                 std::span<const float> history_weights, const recs::AlsModel::UserSolve& solve,
                                 double confidence, int32_t context, int n)
    : whole_catalogue_(!model.ann), fallback_weight_(static_cast<float>(1.0 - confidence)) {
  const bool ease = model.ease.weights.rows() > 0;
  if (context >= 0)
    for (const auto& nb : model.knn.neighbours[context]) similar_to_context_[nb.item] = nb.similarity;
  if (!whole_catalogue_) {
    std::unordered_set<int32_t> set;
    if (confidence > 0)
      // Enough neighbours for the rules to turn some away; more only slows the search.
      for (int32_t i : model.ann->Search(solve.vector, static_cast<size_t>(std::max(100, 8 * n)))) set.insert(i);
    std::vector<int32_t> top(200);
    int got = recs::TopK(model.popularity, {}, top);
    set.insert(top.begin(), top.begin() + got);
    for (const auto& [item, similarity] : similar_to_context_) set.insert(item);
    candidates_.assign(set.begin(), set.end());
    std::sort(candidates_.begin(), candidates_.end());
  }
  const size_t count = whole_catalogue_ ? model.items.size() : candidates_.size();
  fallback_ = model.popular_z;  // the same for every request: computed with the model
  if (context >= 0 || !whole_catalogue_) {
    computed_fallback_.resize(count);
    for (size_t c = 0; c < count; ++c) {
      // Popularity breaks ties among contextual items and stands alone without context.
      const int32_t at = item(c);
      const float pop = model.log_popularity[at];
      auto s = similar_to_context_.find(at);
      computed_fallback_[c] = context >= 0 ? (s == similar_to_context_.end() ? 0.0f : s->second) * 10.0f + 0.01f * pop : pop;
    }
    recs::Standardize(computed_fallback_);
    fallback_ = computed_fallback_;
  }
  if (!t_buffer_taken) {
    t_buffer_taken = owns_thread_buffer_ = true;
    if (t_buffer.size() < count) t_buffer.resize(count);
    blended_ = {t_buffer.data(), count};
  } else {
    own_buffer_.resize(count);
    blended_ = own_buffer_;
  }
  // On a whole catalogue every pass over the scores is a pass over every
  // item, and such passes were half a request's time at 38,000 items.
  scored_blended_ = confidence > 0 && !ease && whole_catalogue_;
  if (scored_blended_) {
    spread_ = model.item_codes.SpreadOf(solve.vector);
    block_max_.resize(recs::QuantizedFactors::Blocks(static_cast<int64_t>(count)));
    model.item_codes.Score(solve.vector, blended_, recs::QuantizedFactors::Isa::kWidest,
                           {.spread = spread_, .weight = static_cast<float>(confidence), .add = fallback_,
                            .add_weight = fallback_weight_, .block_max = block_max_});
    return;
  }
  if (confidence > 0) {
    personal_.resize(count);
    if (ease && whole_catalogue_) {
      model.ease.Score(history_items, history_weights, personal_);
    } else if (ease) {
      for (size_t h = 0; h < history_items.size(); ++h)
        for (size_t c = 0; c < count; ++c)
          personal_[c] += history_weights[h] * model.ease.weights(history_items[h], candidates_[c]);
    } else {
      for (size_t c = 0; c < count; ++c) personal_[c] = model.als.item_factors.row(candidates_[c]).dot(solve.vector);
    }
    spread_ = recs::SpreadOf(personal_);
    personal_weight_ = static_cast<float>(confidence) / spread_.sd;
  }
  for (size_t c = 0; c < count; ++c) blended_[c] = personal_part(c) + fallback_part(c);
}

CandidateScores::~CandidateScores() {
  if (owns_thread_buffer_) t_buffer_taken = false;
}

float CandidateScores::personal_part(size_t c) const {
  if (scored_blended_) return blended_[c] - fallback_part(c);
  return personal_.empty() ? 0.0f : personal_weight_ * (personal_[c] - spread_.mean);
}

std::vector<int32_t> CandidateScores::Best(size_t want) const {
  // Best first, but only as far as the rules make us look: sorting a whole
  // catalogue per request was most of a request's time. Positions ascend
  // with the item, so ties go to the smaller item.
  std::vector<int32_t> order(std::min(want, size()));
  order.resize(static_cast<size_t>(
      scored_blended_ ? recs::TopKInBlocks(blended_, block_max_, recs::QuantizedFactors::kBlock, order)
                      : recs::TopK(blended_, {}, order)));
  return order;
}

}  // namespace shinrai::service
