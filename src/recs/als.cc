#include "recs/als.h"

#include <omp.h>

#include "recs/pcg64.h"

namespace shinrai::recs {
namespace {

// One CG refinement of every row of X against the fixed factors Y
// (implicit's least_squares_cg): solves (YtY + λI + Σ(c-1) y yᵀ) x = Σ c y.
void SolveRows(const Csr& m, float alpha, float reg, int cg_steps, const RowMatrix& y, RowMatrix& x, int threads) {
  Eigen::MatrixXf yty = Gramian(y);
  yty.diagonal().array() += reg;
  const int k = static_cast<int>(y.cols());
#pragma omp parallel num_threads(threads)
  {
    Vector r(k), p(k), ap(k);
#pragma omp for schedule(dynamic, 64)
    for (int32_t u = 0; u < m.rows; ++u) {
      auto xu = x.row(u);
      const int64_t begin = m.indptr[u], end = m.indptr[u + 1];
      r.noalias() = -(yty * xu.transpose());
      for (int64_t n = begin; n < end; ++n) {
        const float c = alpha * m.values[n];
        auto yi = y.row(m.indices[n]);
        r.noalias() += (c - (c - 1.0f) * yi.dot(xu)) * yi.transpose();
      }
      p = r;
      float rs_old = r.squaredNorm();
      if (rs_old < 1e-20f) continue;
      for (int it = 0; it < cg_steps; ++it) {
        ap.noalias() = yty * p;
        for (int64_t n = begin; n < end; ++n) {
          const float c = alpha * m.values[n];
          auto yi = y.row(m.indices[n]);
          ap.noalias() += ((c - 1.0f) * yi.dot(p)) * yi.transpose();
        }
        const float step = rs_old / p.dot(ap);
        xu.noalias() += step * p.transpose();
        r.noalias() -= step * ap;
        const float rs_new = r.squaredNorm();
        if (rs_new < 1e-20f) break;
        p = r + (rs_new / rs_old) * p;
        rs_old = rs_new;
      }
    }
  }
}

void RandomFill(RowMatrix& m, Pcg64& rng) {
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.NextDouble() * 0.01);
}

}  // namespace

AlsModel FitAls(const Csr& raw, const AlsParams& params, Weighting input) {
  AlsModel model;
  model.params = params;
  model.weighting = InputWeighting::Fit(raw, input);
  const Csr user_items = model.weighting.Apply(raw);
  const int threads = params.threads > 0 ? params.threads : omp_get_max_threads();
  Pcg64 rng = Pcg64::FromSeed(params.seed);
  model.user_factors.resize(user_items.rows, params.factors);
  model.item_factors.resize(user_items.cols, params.factors);
  RandomFill(model.user_factors, rng);
  RandomFill(model.item_factors, rng);
  const Csr item_users = user_items.Transposed();
  for (int it = 0; it < params.iterations; ++it) {
    SolveRows(user_items, params.alpha, params.regularization, params.cg_steps, model.item_factors, model.user_factors,
              threads);
    SolveRows(item_users, params.alpha, params.regularization, params.cg_steps, model.user_factors, model.item_factors,
              threads);
  }
  model.PrepareFoldIn();
  return model;
}

void AlsModel::PrepareFoldIn() {
  item_gramian = Gramian(item_factors);
  Eigen::MatrixXf base = item_gramian;
  base.diagonal().array() += params.regularization;
  base_inverse = base.ldlt().solve(Eigen::MatrixXf::Identity(base.rows(), base.cols()));
}

namespace {

// The user's normal-equation matrix A = YtY + λI + Σ(c-1) y yᵀ.
Eigen::MatrixXf UserSystem(const AlsModel& m, std::span<const int32_t> items, std::span<const float> values) {
  Eigen::MatrixXf a = m.item_gramian;
  a.diagonal().array() += m.params.regularization;
  for (size_t n = 0; n < items.size(); ++n) {
    const float c = m.params.alpha * values[n];
    auto yi = m.item_factors.row(items[n]);
    a.noalias() += (c - 1.0f) * yi.transpose() * yi;
  }
  return a;
}

}  // namespace

AlsModel::UserSolve AlsModel::FoldIn(std::span<const int32_t> items, std::span<const float> raw) const {
  const std::vector<float> values = weighting.Apply(items, raw);
  const int k = static_cast<int>(item_factors.cols());
  const auto n = static_cast<Eigen::Index>(items.size());
  UserSolve out;
  out.vector = Vector::Zero(k);
  out.c.resize(n);
  for (Eigen::Index j = 0; j < n; ++j) out.c[j] = params.alpha * values[j];
  if (2 * n > k || base_inverse.rows() != k) {
    out.system.compute(UserSystem(*this, items, values));
    if (n == 0) return out;
    Vector b = Vector::Zero(k);
    for (Eigen::Index j = 0; j < n; ++j) b.noalias() += out.c[j] * item_factors.row(items[j]).transpose();
    out.vector = out.system.solve(b);
    return out;
  }
  // A⁻¹ = B⁻¹ − B⁻¹Y_hᵀ S⁻¹ D Y_h B⁻¹ with S = I + D K, K = Y_h B⁻¹ Y_hᵀ,
  // so x = A⁻¹ Y_hᵀ c = Pᵀ (c − S⁻¹ D K c).
  out.small = true;
  RowMatrix yh(n, k);
  out.d.resize(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    yh.row(j) = item_factors.row(items[j]);
    out.d[j] = out.c[j] - 1.0f;
  }
  out.p.noalias() = yh * base_inverse;
  out.k.noalias() = out.p * yh.transpose();
  Eigen::MatrixXf s = out.d.asDiagonal() * out.k;
  s.diagonal().array() += 1.0f;
  out.s.compute(s);
  const Vector kc = out.k * out.c;
  out.vector.noalias() = out.p.transpose() * (out.c - out.s.solve(Vector(out.d.cwiseProduct(kc))));
  return out;
}

std::vector<float> AlsModel::Explain(const UserSolve& solve, std::span<const int32_t> items, int32_t item) const {
  // score(i) = y_iᵀ A⁻¹ Σ_j c_j y_j, so past item j contributes c_j · y_jᵀ A⁻¹ y_i.
  std::vector<float> out(items.size(), 0.0f);
  if (items.empty()) return out;
  if (solve.small) {
    // Y_h A⁻¹ y_i = g − K S⁻¹ D g with g = P y_i.
    const Vector g = solve.p * item_factors.row(item).transpose();
    const Vector yh_w = g - solve.k * solve.s.solve(Vector(solve.d.cwiseProduct(g)));
    for (size_t n = 0; n < items.size(); ++n) out[n] = solve.c[static_cast<Eigen::Index>(n)] * yh_w[static_cast<Eigen::Index>(n)];
    return out;
  }
  Vector w = solve.system.solve(Vector(item_factors.row(item).transpose()));
  for (size_t n = 0; n < items.size(); ++n) out[n] = solve.c[static_cast<Eigen::Index>(n)] * item_factors.row(items[n]).dot(w);
  return out;
}

}  // namespace shinrai::recs
