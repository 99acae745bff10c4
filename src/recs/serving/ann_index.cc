#include "recs/serving/ann_index.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>

namespace shinrai::recs {

struct AnnIndex::Impl {
  explicit Impl(size_t dim, size_t n) : space(dim), graph(&space, n, 16, 200) {}
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> graph;
};

AnnIndex::AnnIndex(const RowMatrix& f) : impl_(std::make_unique<Impl>(f.cols(), f.rows())) {
  // hnswlib's inserts are thread-safe: building the graph is the slow part of
  // loading a large model at start.
#pragma omp parallel for schedule(dynamic, 256)
  for (Eigen::Index i = 0; i < f.rows(); ++i) impl_->graph.addPoint(f.row(i).data(), static_cast<size_t>(i));
  impl_->graph.setEf(200);
}

AnnIndex::~AnnIndex() = default;

std::vector<int32_t> AnnIndex::Search(const Vector& query, size_t k) const {
  // searchKnn's ef is the graph's shared setting; the search itself is const.
  auto result = impl_->graph.searchKnn(query.data(), k);
  std::vector<int32_t> out(result.size());
  for (size_t i = out.size(); i-- > 0;) {
    out[i] = static_cast<int32_t>(result.top().second);
    result.pop();
  }
  return out;
}

}  // namespace shinrai::recs
