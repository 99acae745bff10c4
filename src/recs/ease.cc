#include "recs/ease.h"

#include <algorithm>
#include <string>

extern "C" {
// LAPACK from OpenBLAS: it picks the CPU's best kernels at run time, which a
// portable build of our own code cannot.
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info);
}

namespace shinrai::recs {

Result<EaseModel> FitEase(const Csr& x, const EaseParams& params) {
  if (x.cols > params.max_items)
    return InvalidArgument("EASE needs a catalogue of at most " + std::to_string(params.max_items) + " items, not " +
                           std::to_string(x.cols));
  const int n = x.cols;
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, n);
  for (int32_t u = 0; u < x.rows; ++u) {
    auto items = x.Row(u);
    auto values = x.RowValues(u);
    for (size_t a = 0; a < items.size(); ++a) {
      double* col = g.col(items[a]).data();
      for (size_t b = a; b < items.size(); ++b) col[items[b]] += double(values[a]) * values[b];
    }
  }
  g.diagonal().array() += params.lambda;
  int info = 0;
  const char lower = 'L';
  dpotrf_(&lower, &n, g.data(), &n, &info);
  if (info == 0) dpotri_(&lower, &n, g.data(), &n, &info);
  if (info != 0) return Internal("EASE: the Gram matrix is not positive definite (LAPACK info " + std::to_string(info) + ")");
  g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
  EaseModel m;
  m.params = params;
  m.weights.resize(n, n);
  Eigen::VectorXd inv_diag = g.diagonal().cwiseInverse();
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) m.weights(j, i) = static_cast<float>(-g(j, i) * inv_diag(i));
    m.weights(j, j) = 0.0f;
  }
  return m;
}

void EaseModel::Score(std::span<const int32_t> items, std::span<const float> values, std::span<float> scores) const {
  std::fill(scores.begin(), scores.end(), 0.0f);
  Eigen::Map<Eigen::VectorXf> s(scores.data(), static_cast<Eigen::Index>(scores.size()));
  for (size_t n = 0; n < items.size(); ++n) s.noalias() += values[n] * weights.row(items[n]).transpose();
}

}  // namespace shinrai::recs
