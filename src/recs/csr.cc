#include "recs/csr.h"

#include <algorithm>

namespace shinrai::recs {

Csr Csr::Transposed() const {
  Csr t;
  t.rows = cols;
  t.cols = rows;
  t.indptr.assign(static_cast<size_t>(cols) + 1, 0);
  for (int32_t c : indices) ++t.indptr[c + 1];
  for (int32_t c = 0; c < cols; ++c) t.indptr[c + 1] += t.indptr[c];
  t.indices.resize(indices.size());
  t.values.resize(values.size());
  std::vector<int64_t> next(t.indptr.begin(), t.indptr.end() - 1);
  // Walking rows in order keeps each transposed row's indices ascending.
  for (int32_t r = 0; r < rows; ++r) {
    for (int64_t k = indptr[r]; k < indptr[r + 1]; ++k) {
      int64_t at = next[indices[k]]++;
      t.indices[at] = r;
      t.values[at] = values[k];
    }
  }
  return t;
}

Csr CsrFromTriplets(int32_t rows, int32_t cols, std::vector<Triplet> triplets) {
  std::sort(triplets.begin(), triplets.end(),
            [](const Triplet& a, const Triplet& b) { return a.row != b.row ? a.row < b.row : a.col < b.col; });
  Csr m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<size_t>(rows) + 1, 0);
  for (size_t i = 0; i < triplets.size(); ++i) {
    const Triplet& t = triplets[i];
    if (!m.indices.empty() && i > 0 && triplets[i - 1].row == t.row && triplets[i - 1].col == t.col) {
      m.values.back() += t.value;
      continue;
    }
    m.indices.push_back(t.col);
    m.values.push_back(t.value);
    ++m.indptr[t.row + 1];
  }
  for (int32_t r = 0; r < rows; ++r) m.indptr[r + 1] += m.indptr[r];
  return m;
}

}  // namespace shinrai::recs
