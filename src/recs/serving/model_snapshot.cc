#include "recs/serving/model_snapshot.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "recs/popularity.h"
#include "recs/top_k.h"

namespace shinrai::recs {

namespace {
std::vector<float> LogPopularity(const std::vector<float>& popularity) {
  std::vector<float> out(popularity.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = std::log1p(popularity[i]);
  return out;
}
}  // namespace
namespace {

constexpr char kMagic[8] = {'S', 'H', 'R', 'N', 'M', 'D', 'L', '1'};

class Writer {
 public:
  explicit Writer(std::ofstream* out) : out_(out) {}
  template <typename T>
  void Pod(const T& v) { out_->write(reinterpret_cast<const char*>(&v), sizeof v); }
  void String(const std::string& s) {
    Pod<uint32_t>(static_cast<uint32_t>(s.size()));
    out_->write(s.data(), static_cast<std::streamsize>(s.size()));
  }
  template <typename T>
  void Array(const T* data, uint64_t n) {
    Pod(n);
    out_->write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
  }

 private:
  std::ofstream* out_;
};

class Reader {
 public:
  explicit Reader(std::ifstream* in) : in_(in) {}
  template <typename T>
  bool Pod(T* v) { return static_cast<bool>(in_->read(reinterpret_cast<char*>(v), sizeof *v)); }
  bool String(std::string* s) {
    uint32_t n = 0;
    if (!Pod(&n) || n > (1u << 20)) return false;
    s->resize(n);
    return static_cast<bool>(in_->read(s->data(), n));
  }
  template <typename T>
  bool Array(std::vector<T>* v, uint64_t max) {
    uint64_t n = 0;
    if (!Pod(&n) || n > max) return false;
    v->resize(n);
    return static_cast<bool>(in_->read(reinterpret_cast<char*>(v->data()), static_cast<std::streamsize>(n * sizeof(T))));
  }

 private:
  std::ifstream* in_;
};

void Finish(ModelSnapshot* m, size_t ann_min_items) {
  m->index.clear();
  for (size_t i = 0; i < m->items.size(); ++i) m->index.emplace(m->items[i], static_cast<int32_t>(i));
  if (m->als.base_inverse.size() == 0) m->als.PrepareFoldIn();  // FitAls already did
  if (m->items.size() >= ann_min_items) m->ann = std::make_unique<AnnIndex>(m->als.item_factors);
  else m->item_codes = QuantizedFactors(m->als.item_factors);
}

// Plain EASE, or the session variant when declared, with the setting
// ML-100K's validation chose (0.4510 against plain EASE's 0.4418): person
// weights of exponent 0.25, the kernel at the base term's weight.
Result<EaseModel> FitServedEase(const Dataset& data, const TrainOptions& options) {
  if (options.ease_session_seconds > 0 && data.times.size() == static_cast<size_t>(data.matrix.nnz())) {
    SessionEaseParams sp;
    sp.ease.user_weight_exponent = 0.25f;
    sp.ease.lambda = options.ease_lambda * PersonWeightShrink(0.25f);
    sp.base = 1;
    sp.kernel = PersonWeightShrink(0.25f);
    sp.tau_seconds = options.ease_session_seconds;
    return FitSessionEase(data.matrix, data.times, sp);
  }
  EaseParams ep;
  ep.lambda = options.ease_lambda;
  return FitEase(data.matrix, ep);
}

}  // namespace

std::shared_ptr<ModelSnapshot> TrainSnapshot(const Dataset& data, const TrainOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  auto m = std::make_shared<ModelSnapshot>();
  m->items = data.items;
  m->subjects = data.matrix.rows;
  m->interactions = data.matrix.nnz();
  m->als = FitAls(data.matrix, options.als, options.als_weighting);
  m->als.user_factors.resize(0, options.als.factors);  // nobody's vector outlives training
  m->knn = FitItemKnn(data.matrix, options.knn);
  if (data.matrix.cols > 0 && static_cast<size_t>(data.matrix.cols) <= options.ease_max_items) {
    // With λ > 0 the system is positive definite; were LAPACK to refuse it, ALS serves alone.
    if (auto ease = FitServedEase(data, options); ease.ok()) m->ease = std::move(*ease);
  }
  m->popularity = TrendingScores(data.matrix, data.times, options.now, options.trending_half_life);
  m->log_popularity = LogPopularity(m->popularity);
  m->popular_z = m->log_popularity;
  Standardize(m->popular_z);
  Finish(m.get(), options.ann_min_items);
  m->version = options.now * 1000;
  m->train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return m;
}

Status SaveSnapshot(const ModelSnapshot& m, const std::string& path) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Internal("cannot write the model file " + tmp);
    Writer w(&out);
    out.write(kMagic, sizeof kMagic);
    w.Pod(m.version);
    w.Pod(m.subjects);
    w.Pod(m.interactions);
    w.Pod(m.train_seconds);
    w.Pod(m.als.params);
    w.Pod<uint64_t>(m.items.size());
    for (const auto& s : m.items) w.String(s);
    w.Pod<int64_t>(m.als.item_factors.cols());
    w.Array(m.als.item_factors.data(), static_cast<uint64_t>(m.als.item_factors.size()));
    w.Pod(m.knn.params);
    for (const auto& list : m.knn.neighbours) w.Array(list.data(), list.size());
    w.Array(m.popularity.data(), m.popularity.size());
    // Last, so files from before EASE was served still load (without it).
    w.Pod<int64_t>(m.ease.weights.rows());
    w.Array(m.ease.weights.data(), static_cast<uint64_t>(m.ease.weights.size()));
    // After EASE for the same reason: older files load unweighted.
    const InputWeighting& iw = m.als.weighting;
    w.Pod(static_cast<int32_t>(iw.kind));
    w.Pod(iw.k1);
    w.Pod(iw.b);
    w.Pod(iw.average_length);
    w.Array(iw.idf.data(), iw.idf.size());
    out.flush();
    if (!out) return Internal("could not write the whole model file " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Internal("cannot rename " + tmp + ": " + ec.message());
  return Status::Ok();
}

Result<std::shared_ptr<ModelSnapshot>> LoadSnapshot(const std::string& path, size_t ann_min_items) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("no model file at " + path);
  auto bad = [&path](const char* what) { return InvalidArgument("model file " + path + ": " + what); };
  char magic[sizeof kMagic];
  if (!in.read(magic, sizeof magic) || std::string_view(magic, 8) != std::string_view(kMagic, 8))
    return bad("not a Shinrai model (wrong magic)");
  auto m = std::make_shared<ModelSnapshot>();
  Reader r(&in);
  uint64_t n = 0;
  int64_t k = 0;
  if (!r.Pod(&m->version) || !r.Pod(&m->subjects) || !r.Pod(&m->interactions) || !r.Pod(&m->train_seconds) ||
      !r.Pod(&m->als.params) || !r.Pod(&n) || n > (1ull << 28))
    return bad("truncated header");
  m->items.resize(n);
  for (auto& s : m->items)
    if (!r.String(&s)) return bad("truncated item ids");
  std::vector<float> factors;
  if (!r.Pod(&k) || k < 1 || k > 1024 || !r.Array(&factors, n * static_cast<uint64_t>(k)) || factors.size() != n * k)
    return bad("truncated item factors");
  m->als.item_factors = Eigen::Map<RowMatrix>(factors.data(), static_cast<Eigen::Index>(n), k);
  if (!r.Pod(&m->knn.params)) return bad("truncated neighbour settings");
  m->knn.neighbours.resize(n);
  for (auto& list : m->knn.neighbours)
    if (!r.Array(&list, n)) return bad("truncated neighbours");
  if (!r.Array(&m->popularity, n) || m->popularity.size() != n) return bad("truncated popularity");
  if (int64_t ease_rows = 0; r.Pod(&ease_rows)) {
    std::vector<float> ease;
    const uint64_t want = ease_rows > 0 ? n * n : 0;  // a model without EASE still wrote an empty array
    if ((ease_rows != 0 && static_cast<uint64_t>(ease_rows) != n) || !r.Array(&ease, want) || ease.size() != want)
      return bad("truncated EASE weights");
    if (ease_rows > 0)
      m->ease.weights = Eigen::Map<RowMatrix>(ease.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  }
  if (int32_t kind = 0; r.Pod(&kind) && kind != 0) {
    InputWeighting& iw = m->als.weighting;
    if (kind != static_cast<int32_t>(Weighting::kBm25) && kind != static_cast<int32_t>(Weighting::kTfidf))
      return bad("unknown input weighting");
    iw.kind = static_cast<Weighting>(kind);
    if (!r.Pod(&iw.k1) || !r.Pod(&iw.b) || !r.Pod(&iw.average_length) || !r.Array(&iw.idf, n) || iw.idf.size() != n)
      return bad("truncated input weighting");
  }
  m->log_popularity = LogPopularity(m->popularity);
  m->popular_z = m->log_popularity;
  Standardize(m->popular_z);
  Finish(m.get(), ann_min_items);
  return m;
}

}  // namespace shinrai::recs
