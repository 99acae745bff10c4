// Dense row-major factor matrices and the small linear-algebra helpers the
// models share (Eigen views over plain vectors so models stay serializable).
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace shinrai::recs {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXf;

// Y^T Y for a row-major factor matrix (the Gramian every ALS solve starts from).
Eigen::MatrixXf Gramian(const RowMatrix& factors);

}  // namespace shinrai::recs
