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

Status CheckSize(const Csr& x, const EaseParams& params) {
  if (x.cols > params.max_items)
    return InvalidArgument("EASE needs a catalogue of at most " + std::to_string(params.max_items) + " items, not " +
                           std::to_string(x.cols));
  return Status();
}

// Adds scale·Σ w_u x_uᵀx_u to the lower triangle of g.
void AddCooccurrence(const Csr& x, const EaseParams& params, double scale, Eigen::MatrixXd& g) {
  for (int32_t u = 0; u < x.rows; ++u) {
    auto items = x.Row(u);
    auto values = x.RowValues(u);
    if (items.empty()) continue;
    const double w = params.user_weight_exponent == 0.0f
                         ? scale
                         : scale * std::pow(static_cast<double>(items.size()), -double(params.user_weight_exponent));
    for (size_t a = 0; a < items.size(); ++a) {
      double* col = g.col(items[a]).data();
      const double va = w * values[a];
      for (size_t b = a; b < items.size(); ++b) col[items[b]] += va * values[b];
    }
  }
}

}  // namespace

Result<EaseModel> FitEase(const Csr& x, const EaseParams& params) {
  RETURN_IF_ERROR(CheckSize(x, params));
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(x.cols, x.cols);
  AddCooccurrence(x, params, 1.0, g);
  return SolveEase(std::move(g), params);
}

Result<EaseModel> FitSessionEase(const Csr& x, const std::vector<int64_t>& times, const SessionEaseParams& params) {
  RETURN_IF_ERROR(CheckSize(x, params.ease));
  if (times.size() != static_cast<size_t>(x.nnz())) return InvalidArgument("session EASE needs one time per interaction");
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(x.cols, x.cols);
  if (params.base != 0) AddCooccurrence(x, params.ease, params.base, g);
  // Pairs further apart than this add less than 1e-4 of a simultaneous pair.
  const double horizon = params.tau_seconds * std::log(1e4);
  std::vector<std::pair<int64_t, int32_t>> row;
  for (int32_t u = 0; u < x.rows; ++u) {
    row.clear();
    for (int64_t k = x.indptr[u]; k < x.indptr[u + 1]; ++k) row.emplace_back(times[k], x.indices[k]);
    std::sort(row.begin(), row.end());
    for (size_t a = 0; a < row.size(); ++a) {
      for (size_t b = a; b < row.size(); ++b) {
        const double gap = double(row[b].first - row[a].first);
        if (gap > horizon) break;
        const double k = params.kernel * std::exp(-gap / params.tau_seconds);
        const int32_t i = row[a].second, j = row[b].second;
        if (i == j) g(i, i) += k;
        else g(std::max(i, j), std::min(i, j)) += k;  // SolveEase reads the lower triangle
      }
    }
  }
  return SolveEase(std::move(g), params.ease);
}

void EaseModel::Score(std::span<const int32_t> items, std::span<const float> values, std::span<float> scores) const {
  std::fill(scores.begin(), scores.end(), 0.0f);
  Eigen::Map<Eigen::VectorXf> s(scores.data(), static_cast<Eigen::Index>(scores.size()));
  for (size_t n = 0; n < items.size(); ++n) s.noalias() += values[n] * weights.row(items[n]).transpose();
}

}  // namespace shinrai::recs
