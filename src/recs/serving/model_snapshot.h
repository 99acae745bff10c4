// ModelSnapshot: everything a trained model serves from, immutable once
// built, so serving threads share it through a shared_ptr and a new one is
// swapped in without stopping them. It holds no per-person data: user vectors
// are folded in per request from the person's current history, so a
// withdrawal or an erasure leaves nothing of theirs in the model file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "recs/als.h"
#include "recs/serving/ann_index.h"
#include "recs/dataset.h"
#include "recs/ease.h"
#include "recs/item_knn.h"
#include "recs/serving/score_kernels.h"

namespace shinrai::recs {

struct ModelSnapshot {
  int64_t version = 0;        // trained-at time in ms; later is newer
  int64_t subjects = 0;       // people whose consented history trained it
  int64_t interactions = 0;
  double train_seconds = 0;
  std::vector<std::string> items;
  std::unordered_map<std::string, int32_t> index;
  AlsModel als;               // item factors only
  EaseModel ease;             // on small catalogues (TrainOptions::ease_max_items); else its weights are empty
  QuantizedFactors item_codes;  // the same as bytes: what exact scoring reads (catalogues without an ANN index)
  ItemKnnModel knn;           // similar items
  std::vector<float> popularity;  // recency-weighted interaction counts
  std::vector<float> log_popularity;  // log1p(popularity), what serving blends (computed once, not per request)
  std::vector<float> popular_z;       // log_popularity standardized over the catalogue: the no-context fallback
  std::unique_ptr<AnnIndex> ann;  // large catalogues only

  int32_t Find(std::string_view item) const {
    auto it = index.find(std::string(item));
    return it == index.end() ? -1 : it->second;
  }
};

struct TrainOptions {
  AlsParams als;
  Weighting als_weighting = Weighting::kNone;  // of the rows ALS learns from
  ItemKnnParams knn;
  int64_t now = 0;                       // seconds, for trending
  double trending_half_life = 14 * 86400.0;
  size_t ann_min_items = 150'000;  // the server's default for recommendations.ann_min_items
  size_t ease_max_items = 0;  // at or below this many items, also fit EASE
  float ease_lambda = 250.0f;
  // > 0: the served EASE is the session variant (a time kernel of this many
  // seconds over each person's pairs; `shinrai eval`'s ease_session family).
  double ease_session_seconds = 0;
};

// `data` uses summed interaction weights (ReadOptions::use_weights).
std::shared_ptr<ModelSnapshot> TrainSnapshot(const Dataset& data, const TrainOptions& options);

// The model file (docs/model-file.md): written to a temporary name, then renamed.
Status SaveSnapshot(const ModelSnapshot& model, const std::string& path);
Result<std::shared_ptr<ModelSnapshot>> LoadSnapshot(const std::string& path, size_t ann_min_items);

}  // namespace shinrai::recs
