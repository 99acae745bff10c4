// Item-to-item neighbourhoods: for each item its top neighbours by cosine
// similarity of (optionally BM25-weighted) user columns. Serves "similar
// items", contextual recommendations and the sparse-data fallback.
#pragma once

#include <span>
#include <vector>

#include "recs/csr.h"

namespace shinrai::recs {

struct ItemKnnParams {
  int neighbours = 100;
  bool bm25 = true;
  float k1 = 1.2f;
  float b = 0.75f;
  float shrink = 0.0f;  // similarity × co-count / (co-count + shrink): distrusts rare overlaps
};

struct Neighbour {
  int32_t item;
  float similarity;
};

struct ItemKnnModel {
  ItemKnnParams params;
  std::vector<std::vector<Neighbour>> neighbours;  // per item, most similar first

  void Score(std::span<const int32_t> items, std::span<const float> values, std::span<float> scores) const;
};

ItemKnnModel FitItemKnn(const Csr& user_items, const ItemKnnParams& params);

}  // namespace shinrai::recs
