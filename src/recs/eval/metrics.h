// Ranking metrics exactly as implicit.evaluation.ranking_metrics_at_k computes
// them (research/peer-baseline.md §3 "Metrics"), plus recall@k and catalogue
// coverage. Precision is micro-averaged with the denominator min(k, |test|).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "recs/csr.h"

namespace shinrai::recs {

struct RankingMetrics {
  double precision = 0;
  double recall = 0;  // mean over users of hits / |test|
  double ndcg = 0;
  double map = 0;
  double coverage = 0;  // distinct recommended items / catalogue size
  int64_t users = 0;
};

// Fills `top` (size k, -1 for empty slots) for user u, excluding u's train items.
using TopKFn = std::function<void(int32_t user, std::span<int32_t> top)>;

RankingMetrics EvaluateRanking(const Csr& train, const Csr& test, int k, const TopKFn& top_k);

}  // namespace shinrai::recs
