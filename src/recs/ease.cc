#include "recs/ease.h"

#include <algorithm>
#include <cmath>
#include <string>

extern "C" {
// LAPACK from OpenBLAS: it picks the CPU's best kernels at run time, which a
// portable build of our own code cannot.
void dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info);
void dpotri_(const char* uplo, const int* n, double* a, const int* lda, int* info);
}

namespace shinrai::recs {

namespace {

// B = I - P·diag(1/diag(P)), P = (G + λI)⁻¹, zero diagonal.
Result<EaseModel> SolveEase(Eigen::MatrixXd g, const EaseParams& params) {
  const int n = static_cast<int>(g.rows());
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

}  // namespace

Result<EaseModel> FitEase(const Csr& x, const EaseParams& params) {
  if (x.cols > params.max_items)
    return InvalidArgument("EASE needs a catalogue of at most " + std::to_string(params.max_items) + " items, not " +
                           std::to_string(x.cols));
  const int n = x.cols;
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, n);
  for (int32_t u = 0; u < x.rows; ++u) {
    auto items = x.Row(u);
    auto values = x.RowValues(u);
    if (items.empty()) continue;
    const double w = params.user_weight_exponent == 0.0f
                         ? 1.0
                         : std::pow(static_cast<double>(items.size()), -double(params.user_weight_exponent));
    for (size_t a = 0; a < items.size(); ++a) {
      double* col = g.col(items[a]).data();
      const double va = w * values[a];
      for (size_t b = a; b < items.size(); ++b) col[items[b]] += va * values[b];
    }
  }
  return SolveEase(std::move(g), params);
}

Result<EaseModel> FitSessionEase(const Csr& x, const std::vector<int64_t>& times, int64_t window_seconds,
                                 const EaseParams& params) {
  if (x.cols > params.max_items)
    return InvalidArgument("EASE needs a catalogue of at most " + std::to_string(params.max_items) + " items, not " +
                           std::to_string(x.cols));
  const int n = x.cols;
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(n, n);
  std::vector<std::pair<int64_t, int32_t>> row;
  for (int32_t u = 0; u < x.rows; ++u) {
    row.clear();
    for (int64_t k = x.indptr[u]; k < x.indptr[u + 1]; ++k) row.emplace_back(times[k], x.indices[k]);
    std::sort(row.begin(), row.end());
    // A sitting ends at a gap longer than the window; each sitting adds its
    // items' outer product, so G stays a Gram matrix (positive semi-definite).
    size_t start = 0;
    for (size_t end = 1; end <= row.size(); ++end) {
      if (end < row.size() && row[end].first - row[end - 1].first <= window_seconds) continue;
      for (size_t a = start; a < end; ++a) {
        for (size_t b = start; b < end; ++b) {
          if (row[a].second >= row[b].second) g(row[a].second, row[b].second) += 1.0;
        }
      }
      start = end;
    }
  }
  // SolveEase reads the lower triangle.
  return SolveEase(std::move(g), params);
}

void EaseModel::Score(std::span<const int32_t> items, std::span<const float> values, std::span<float> scores) const {
  std::fill(scores.begin(), scores.end(), 0.0f);
  Eigen::Map<Eigen::VectorXf> s(scores.data(), static_cast<Eigen::Index>(scores.size()));
  for (size_t n = 0; n < items.size(); ++n) s.noalias() += values[n] * weights.row(items[n]).transpose();
}

}  // namespace shinrai::recs
