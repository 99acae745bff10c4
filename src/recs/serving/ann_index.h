// Approximate maximum-inner-product search over item factors (hnswlib), for
// catalogues too large to score every item per request.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "recs/factors.h"

namespace shinrai::recs {

class AnnIndex {
 public:
  // Builds the graph over every row of `item_factors` (M 16, ef_construction 200).
  explicit AnnIndex(const RowMatrix& item_factors);
  ~AnnIndex();
  // The `k` items with the largest inner product with `query`, best first.
  std::vector<int32_t> Search(const Vector& query, size_t k) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shinrai::recs
