// Offline evaluation: split a dataset exactly as research/peer-baseline.md
// pins it, search each model family's hyper-parameters on a validation split
// cut from the training part (never the test part), refit the best setting on
// the whole training part and score it on the test part.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "recs/dataset.h"
#include "recs/eval/metrics.h"
#include "recs/eval/split.h"

namespace shinrai::recs {

struct EvalOptions {
  std::string split = "random80";  // random80 | leave-last-out
  int k = 10;
  std::vector<std::string> models = {"popular", "itemknn", "als", "ease", "ease_session", "dae", "hybrid"};
  bool tune = true;  // false: each family's default setting only
  // Training values count how often a pair was recorded (Dataset::earlier);
  // the protocol's binary matrix still decides the splits and the metrics.
  bool count_repeats = false;
  // leave-last-out among entries at a person's latest time: the peer's
  // largest index, or a fixed pseudo-random order (Ties::kRandom).
  Ties ties = Ties::kLargestIndex;
  int threads = 0;
};

struct ModelResult {
  std::string family;
  nlohmann::json settings;
  RankingMetrics test;
  double validation_ndcg = 0;
  double train_seconds = 0;   // the final fit on the training part
  double search_seconds = 0;  // the whole validation search
  int settings_tried = 0;
};

struct EvalReport {
  Fingerprint fingerprint;
  std::vector<ModelResult> results;  // one per family
  size_t chosen = 0;                 // the family with the best validation NDCG
};

Result<EvalReport> Evaluate(const Dataset& data, const EvalOptions& options);

// The convention's JSON: the chosen model's metrics at the top level, every family under "models".
nlohmann::json EvalReportToJson(const EvalReport& report, const Dataset& data, const EvalOptions& options);

}  // namespace shinrai::recs
