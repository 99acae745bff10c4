// A sparse user × item matrix in canonical CSR form: rows in user order,
// column indices ascending and unique within a row. Every model trains from
// it and every split produces it, so "canonical" is an invariant, not a hope.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace shinrai::recs {

struct Csr {
  int32_t rows = 0;
  int32_t cols = 0;
  std::vector<int64_t> indptr{0};  // rows + 1 offsets
  std::vector<int32_t> indices;    // item index per non-zero
  std::vector<float> values;       // interaction strength per non-zero

  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }
  std::span<const int32_t> Row(int32_t r) const {
    return {indices.data() + indptr[r], static_cast<size_t>(indptr[r + 1] - indptr[r])};
  }
  std::span<const float> RowValues(int32_t r) const {
    return {values.data() + indptr[r], static_cast<size_t>(indptr[r + 1] - indptr[r])};
  }
  // The item × user matrix (item-side solves and item-item statistics).
  Csr Transposed() const;
};

struct Triplet {
  int32_t row;
  int32_t col;
  float value;
};

// Sorts the triplets and sums repeated (row, col) pairs into one entry.
Csr CsrFromTriplets(int32_t rows, int32_t cols, std::vector<Triplet> triplets);

}  // namespace shinrai::recs
