// Re-weighting of interaction strengths before a model sees them: BM25 or
// TF-IDF damp items everybody has (their idf is low) and, for BM25, people
// who have everything (length normalization). Fitted on the training matrix
// and kept with the model, so a person's history is weighted at serving time
// exactly as the rows it was trained on.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "recs/csr.h"

namespace shinrai::recs {

enum class Weighting : int32_t { kNone = 0, kBm25 = 1, kTfidf = 2 };

std::string_view WeightingName(Weighting w);
std::optional<Weighting> ParseWeighting(std::string_view name);  // none | bm25 | tfidf

struct InputWeighting {
  Weighting kind = Weighting::kNone;
  float k1 = 1.2f;
  float b = 0.75f;
  double average_length = 1.0;
  std::vector<float> idf;  // per item; never negative (an item everyone has weighs 0)

  static InputWeighting Fit(const Csr& user_items, Weighting kind, float k1 = 1.2f, float b = 0.75f);
  Csr Apply(const Csr& user_items) const;
  // One person's row (their distinct items and strengths).
  std::vector<float> Apply(std::span<const int32_t> items, std::span<const float> values) const;
};

}  // namespace shinrai::recs
