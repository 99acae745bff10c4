#include "recs/dae.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>
#include <vector>

extern "C" {
// OpenBLAS's GEMM: the three dense products of a step are nearly all of the
// training time, and OpenBLAS picks the CPU's widest kernels at run time.
void sgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k, const float* alpha,
            const float* a, const int* lda, const float* b, const int* ldb, const float* beta, float* c, const int* ldc);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int threads);
}

namespace shinrai::recs {
namespace {

// C = op(A)·op(B) for column-major Eigen matrices.
void Gemm(bool ta, bool tb, const Eigen::MatrixXf& a, const Eigen::MatrixXf& b, Eigen::MatrixXf& c) {
  const int m = static_cast<int>(c.rows()), n = static_cast<int>(c.cols());
  const int k = static_cast<int>(ta ? a.rows() : a.cols());
  const int lda = static_cast<int>(a.rows()), ldb = static_cast<int>(b.rows()), ldc = m;
  const float one = 1.0f, zero = 0.0f;
  const char tra = ta ? 'T' : 'N', trb = tb ? 'T' : 'N';
  sgemm_(&tra, &trb, &m, &n, &k, &one, a.data(), &lda, b.data(), &ldb, &zero, c.data(), &ldc);
}

// Adam (Kingma & Ba) with L2 folded into the gradient, as the reference Mult-DAE trains.
struct Adam {
  Eigen::ArrayXf m, v;
  void Step(float* param_data, const float* grad_data, Eigen::Index n, float lr, int t) {
    Eigen::Map<Eigen::ArrayXf> param(param_data, n);
    Eigen::Map<const Eigen::ArrayXf> grad(grad_data, n);
    if (m.size() == 0) m = v = Eigen::ArrayXf::Zero(n);
    m = 0.9f * m + 0.1f * grad;
    v = 0.999f * v + 0.001f * grad.square();
    const float c1 = 1.0f - std::pow(0.9f, float(t)), c2 = 1.0f - std::pow(0.999f, float(t));
    param -= lr * (m / c1) / ((v / c2).sqrt() + 1e-8f);
  }
  void Step(Eigen::MatrixXf& param, const Eigen::MatrixXf& grad, float lr, int t) {
    Step(param.data(), grad.data(), param.size(), lr, t);
  }
  void Step(Eigen::VectorXf& param, const Eigen::VectorXf& grad, float lr, int t) {
    Step(param.data(), grad.data(), param.size(), lr, t);
  }
};

// The encoder's input scale: the history's values over the square root of their sum.
float InputScale(float sum) { return sum > 0 ? 1.0f / std::sqrt(sum) : 0.0f; }

DaeNet FitNet(const Csr& x, const DaeParams& p, uint64_t seed) {
  const int items = x.cols, hidden = p.hidden;
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, std::sqrt(2.0f / float(items + hidden)));
  DaeNet model;
  model.encoder = Eigen::MatrixXf::NullaryExpr(hidden, items, [&] { return normal(rng); });
  model.decoder = Eigen::MatrixXf::NullaryExpr(items, hidden, [&] { return normal(rng); });
  model.encoder_bias = Eigen::VectorXf::Zero(hidden);
  model.decoder_bias = Eigen::VectorXf::Zero(items);

  std::vector<int32_t> people;
  for (int32_t u = 0; u < x.rows; ++u)
    if (!x.Row(u).empty()) people.push_back(u);
  const float keep = 1.0f - p.dropout;
  std::bernoulli_distribution kept(keep);
  Adam adam_enc, adam_encb, adam_dec, adam_decb;
  Eigen::MatrixXf code, logits, grad_logits, grad_code, grad_dec(items, hidden);
  Eigen::MatrixXf grad_enc(hidden, items);
  std::vector<std::vector<std::pair<int32_t, float>>> inputs;  // per person of the batch: (item, scaled value)
  int step = 0;
  for (int epoch = 0; epoch < p.epochs; ++epoch) {
    std::shuffle(people.begin(), people.end(), rng);
    for (size_t start = 0; start < people.size(); start += static_cast<size_t>(p.batch)) {
      const int b = static_cast<int>(std::min(people.size() - start, static_cast<size_t>(p.batch)));
      inputs.assign(static_cast<size_t>(b), {});
      code.setZero(hidden, b);
      for (int c = 0; c < b; ++c) {
        const int32_t u = people[start + static_cast<size_t>(c)];
        auto row = x.Row(u);
        auto values = x.RowValues(u);
        float sum = 0;
        for (size_t n = 0; n < row.size(); ++n) {
          if (!kept(rng)) continue;
          inputs[c].emplace_back(row[n], values[n] / keep);
          sum += values[n] / keep;
        }
        const float scale = InputScale(sum);
        for (auto& [item, value] : inputs[c]) {
          value *= scale;
          code.col(c) += value * model.encoder.col(item);
        }
      }
      code = (code.colwise() + model.encoder_bias).array().tanh().matrix();
      logits.resize(items, b);
      Gemm(false, false, model.decoder, code, logits);
      logits.colwise() += model.decoder_bias;
      // Softmax cross-entropy against the whole (undropped) history:
      // d loss / d logits = softmax · Σx − x, averaged over the batch.
      grad_logits.resize(items, b);
#pragma omp parallel for schedule(static)
      for (int c = 0; c < b; ++c) {
        const int32_t u = people[start + static_cast<size_t>(c)];
        auto col = logits.col(c).array();
        const float top = col.maxCoeff();
        Eigen::ArrayXf e = (col - top).exp();
        const float total = std::accumulate(x.RowValues(u).begin(), x.RowValues(u).end(), 0.0f);
        grad_logits.col(c) = (e * (total / e.sum() / float(b))).matrix();
        auto row = x.Row(u);
        auto values = x.RowValues(u);
        for (size_t n = 0; n < row.size(); ++n) grad_logits(row[n], c) -= values[n] / float(b);
      }
      Gemm(false, true, grad_logits, code, grad_dec);
      grad_code.resize(hidden, b);
      Gemm(true, false, model.decoder, grad_logits, grad_code);
      grad_code.array() *= 1.0f - code.array().square();
      grad_enc = p.weight_decay * model.encoder;
      for (int c = 0; c < b; ++c)
        for (const auto& [item, value] : inputs[c]) grad_enc.col(item) += value * grad_code.col(c);
      grad_dec += p.weight_decay * model.decoder;
      ++step;
      const Eigen::VectorXf grad_decb = grad_logits.rowwise().sum(), grad_encb = grad_code.rowwise().sum();
      adam_dec.Step(model.decoder, grad_dec, p.learning_rate, step);
      adam_decb.Step(model.decoder_bias, grad_decb, p.learning_rate, step);
      adam_enc.Step(model.encoder, grad_enc, p.learning_rate, step);
      adam_encb.Step(model.encoder_bias, grad_encb, p.learning_rate, step);
    }
  }
  return model;
}

}  // namespace

Result<DaeModel> FitDae(const Csr& x, const DaeParams& p) {
  if (x.cols > p.max_items)
    return InvalidArgument("the autoencoder needs a catalogue of at most " + std::to_string(p.max_items) +
                           " items, not " + std::to_string(x.cols));
  if (p.hidden < 1 || p.epochs < 1 || p.batch < 1 || p.members < 1 || p.dropout < 0 || p.dropout >= 1)
    return InvalidArgument("autoencoder settings out of range");
  DaeModel model;
  model.params = p;
  model.nets.resize(static_cast<size_t>(p.members));
  // One BLAS thread per net and the nets side by side: the products of one
  // step are too small to split well, and BLAS threads waiting on each other
  // doubled the training time (ML-100K, 2 cores: 15.1 s -> 7.4 s with one
  // thread, before the nets ran in parallel).
  const int blas_threads = openblas_get_num_threads();
  openblas_set_num_threads(1);
#pragma omp parallel for schedule(dynamic, 1)
  for (int m = 0; m < p.members; ++m) model.nets[static_cast<size_t>(m)] = FitNet(x, p, p.seed + static_cast<uint64_t>(m));
  openblas_set_num_threads(blas_threads);
  return model;
}

void DaeModel::Score(std::span<const int32_t> items, std::span<const float> values, std::span<float> scores) const {
  const float scale = InputScale(std::accumulate(values.begin(), values.end(), 0.0f));
  Eigen::Map<Eigen::VectorXf> out(scores.data(), static_cast<Eigen::Index>(scores.size()));
  out.setZero();
  for (const DaeNet& net : nets) {
    Eigen::VectorXf code = net.encoder_bias;
    for (size_t n = 0; n < items.size(); ++n) code += (values[n] * scale) * net.encoder.col(items[n]);
    code = code.array().tanh().matrix();
    out.noalias() += net.decoder * code;
    out += net.decoder_bias;
  }
}

}  // namespace shinrai::recs
