#include "recs/eval/evaluation.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/progress.h"
#include <functional>

#include "recs/als.h"
#include "recs/eval/blend.h"
#include "recs/dae.h"
#include "recs/ease.h"
#include "recs/item_knn.h"
#include "recs/popularity.h"
#include "recs/top_k.h"

namespace shinrai::recs {
namespace {

using nlohmann::json;

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// When each training interaction happened (aligned with the CSR's entries; empty when unknown).
using Times = std::vector<int64_t>;

// A fitted family member: how to fit it and how it scores.
struct Candidate {
  json settings;
  std::function<Result<ScoreFn>(const Csr& train, const Times& times)> fit;
  bool counts = false;  // trained on how often each pair was recorded (Inputs::counted)
};

// A split's training matrix as each candidate reads it: binary, as the
// protocol has it, or counting the times each pair was recorded. Same
// entries, so either excludes a person's history from their ranking.
struct Inputs {
  const Split* split;
  Csr counted;  // empty without repeats

  const Csr& For(const Candidate& c) const { return c.counts ? counted : split->train; }
};

Inputs InputsOf(const Split& s, bool counts) { return {&s, counts ? CountRepeats(s) : Csr{}}; }

// With repeated pairs, every setting is also tried on the counts and
// validation decides. Off by default (`--repeats once`): on Groceries
// leave-last-out its whole gain comes from one item (whole milk, the largest
// index of most baskets, which the peer's tie rule holds out for 18 % of
// people, depleting its count; repeats restore part of its rank), not from
// better recommendations.
std::vector<Candidate> WithCountedInputs(std::vector<Candidate> binary) {
  std::vector<Candidate> out;
  for (Candidate& c : binary) {
    Candidate counted = c;
    c.settings["input"] = "binary";
    counted.settings["input"] = "counts";
    counted.counts = true;
    out.push_back(std::move(c));
    out.push_back(std::move(counted));
  }
  return out;
}

// Scoring by a model that reads each person's history (their row of `train`).
template <class Model>
ScoreFn ScoreHistories(Model model, const Csr& train) {
  auto m = std::make_shared<Model>(std::move(model));
  return [m, &train](int32_t u, std::span<float> s) { m->Score(train.Row(u), train.RowValues(u), s); };
}

RankingMetrics Score(const Csr& train, const Csr& test, int k, const ScoreFn& score) {
  std::vector<float> scores(static_cast<size_t>(train.cols));
  std::vector<char> seen(static_cast<size_t>(train.cols), 0);
  return EvaluateRanking(train, test, k, [&](int32_t u, std::span<int32_t> top) {
    score(u, scores);
    for (int32_t i : train.Row(u)) seen[i] = 1;
    TopK(scores, seen, top);
    for (int32_t i : train.Row(u)) seen[i] = 0;
  });
}

std::vector<Candidate> PopularFamily() {
  std::vector<Candidate> out;
  out.push_back({json::object(), [](const Csr& train, const Times&) -> Result<ScoreFn> {
                   auto p = std::make_shared<PopularityModel>(FitPopularity(train));
                   return ScoreFn([p](int32_t, std::span<float> s) { p->Score(s); });
                 }});
  return out;
}

std::vector<Candidate> ItemKnnFamily(bool tune) {
  std::vector<Candidate> out;
  std::vector<int> ks = tune ? std::vector<int>{20, 50, 100, 200} : std::vector<int>{100};
  for (int k : ks) {
    for (bool bm25 : tune ? std::vector<bool>{true, false} : std::vector<bool>{true}) {
      ItemKnnParams p;
      p.neighbours = k;
      p.bm25 = bm25;
      out.push_back({{{"neighbours", k}, {"weighting", bm25 ? "bm25" : "none"}},
                     [p](const Csr& train, const Times&) -> Result<ScoreFn> {
                       return ScoreHistories(FitItemKnn(train, p), train);
                     }});
    }
  }
  return out;
}

std::vector<Candidate> AlsFamily(bool tune, int threads) {
  std::vector<Candidate> out;
  std::vector<int> factors = tune ? std::vector<int>{64, 128} : std::vector<int>{64};
  std::vector<float> regs = tune ? std::vector<float>{1, 10, 50, 150} : std::vector<float>{10};
  std::vector<float> alphas = tune ? std::vector<float>{1, 5, 20} : std::vector<float>{5};
  std::vector<Weighting> weightings = tune ? std::vector<Weighting>{Weighting::kNone, Weighting::kBm25} : std::vector<Weighting>{Weighting::kNone};
  for (Weighting wt : weightings) for (int f : factors) for (float r : regs) for (float a : alphas) {
    AlsParams p;
    p.factors = f;
    p.regularization = r;
    p.alpha = a;
    p.threads = threads;
    out.push_back({{{"factors", f}, {"regularization", r}, {"alpha", a}, {"iterations", p.iterations},
                    {"cg_steps", p.cg_steps}, {"weighting", WeightingName(wt)}},
                   [p, wt](const Csr& train, const Times&) -> Result<ScoreFn> {
                     auto m = std::make_shared<AlsModel>(FitAls(train, p, wt));
                     return ScoreFn([m](int32_t u, std::span<float> s) {
                       Eigen::Map<Eigen::VectorXf> out(s.data(), static_cast<Eigen::Index>(s.size()));
                       out.noalias() = m->item_factors * m->user_factors.row(u).transpose();
                     });
                   }});
  }
  return out;
}

std::vector<Candidate> EaseFamily(bool tune) {
  std::vector<Candidate> out;
  std::vector<float> lambdas = tune ? std::vector<float>{50, 100, 200, 400, 800, 1600} : std::vector<float>{250};
  std::vector<float> exponents = tune ? std::vector<float>{0, 0.25f, 0.5f} : std::vector<float>{0};
  for (float a : exponents) for (float l : lambdas) {
    EaseParams p;
    p.lambda = l * PersonWeightShrink(a);
    p.user_weight_exponent = a;
    out.push_back({{{"lambda", p.lambda}, {"user_weight_exponent", a}}, [p](const Csr& train, const Times&) -> Result<ScoreFn> {
                     ASSIGN_OR_RETURN(EaseModel fitted, FitEase(train, p));
                     return ScoreHistories(std::move(fitted), train);
                   }});
  }
  return out;
}

// EASE over "chosen at the same moment" (a time kernel over each person's
// pairs), alone (base 0) or joined to the person-weighted co-occurrence.
// It captures what goes together at one sitting. Needs times.
std::vector<Candidate> SessionEaseFamily(bool tune) {
  std::vector<Candidate> out;
  struct Setting { float base, kernel; double tau; };
  std::vector<Setting> settings;
  if (tune) {
    for (double tau : {60.0, 300.0, 1800.0}) {
      settings.push_back({0, 1, tau});
      for (float k : {0.5f, 1.0f, 2.0f}) settings.push_back({1, k, tau});
    }
  } else {
    settings.push_back({1, 1, 120});
  }
  const float shrink = PersonWeightShrink(0.25f);
  std::vector<float> lambdas = tune ? std::vector<float>{100, 250, 500} : std::vector<float>{250};
  for (const Setting& st : settings) for (float l : lambdas) {
    SessionEaseParams p;
    p.ease.user_weight_exponent = 0.25f;
    p.ease.lambda = l * shrink;
    p.base = st.base;
    p.kernel = st.kernel * shrink;
    p.tau_seconds = st.tau;
    out.push_back({{{"lambda", p.ease.lambda}, {"user_weight_exponent", 0.25}, {"base", st.base},
                    {"kernel", p.kernel}, {"tau_seconds", st.tau}},
                   [p](const Csr& train, const Times& times) -> Result<ScoreFn> {
                     if (times.size() != static_cast<size_t>(train.nnz()))
                       return InvalidArgument("ease_session needs interaction times (--time-col)");
                     ASSIGN_OR_RETURN(EaseModel fitted, FitSessionEase(train, times, p));
                     return ScoreHistories(std::move(fitted), train);
                   }});
  }
  return out;
}

std::vector<Candidate> DaeFamily(bool tune) {
  std::vector<Candidate> out;
  std::vector<int> epochs = tune ? std::vector<int>{40, 70} : std::vector<int>{60};
  for (int e : epochs) {
    DaeParams p;
    p.epochs = e;
    out.push_back({{{"hidden", p.hidden}, {"epochs", e}, {"dropout", p.dropout}, {"weight_decay", p.weight_decay},
                    {"members", p.members}},
                   [p](const Csr& train, const Times&) -> Result<ScoreFn> {
                     ASSIGN_OR_RETURN(DaeModel fitted, FitDae(train, p));
                     return ScoreHistories(std::move(fitted), train);
                   }});
  }
  return out;
}

// The settings a family's validation search tries; none for a family whose
// model cannot hold a catalogue of `items`, or an unknown one.
std::vector<Candidate> Family(const std::string& family, bool tune, int threads, int32_t items) {
  const bool ease_fits = items <= EaseParams{}.max_items;
  const bool dae_fits = items <= DaeParams{}.max_items;
  if (family == "popular") return PopularFamily();
  if (family == "itemknn") return ItemKnnFamily(tune);
  if (family == "als") return AlsFamily(tune, threads);
  if (family == "ease") return ease_fits ? EaseFamily(tune) : std::vector<Candidate>{};
  if (family == "ease_session") return ease_fits ? SessionEaseFamily(tune) : std::vector<Candidate>{};
  if (family == "dae") return dae_fits ? DaeFamily(tune) : std::vector<Candidate>{};
  return {};
}

// Choosing by validation NDCG overstates the winner: its figure is the best of
// many noisy draws, the more so for a blend whose weights were searched on the
// same people. So a choice is scored cross-fitted: made on one validation
// split, scored on the others, averaged over the splits it was made on.
// per_option[c][v]: option c's NDCG on split v.
double CrossFitted(const std::vector<std::vector<double>>& per_option) {
  const size_t splits = per_option[0].size();
  if (splits < 2) return per_option[0][0];
  double sum = 0;
  for (size_t v = 0; v < splits; ++v) {
    size_t best = 0;
    for (size_t c = 1; c < per_option.size(); ++c)
      if (per_option[c][v] > per_option[best][v]) best = c;
    double others = 0;
    for (size_t w = 0; w < splits; ++w)
      if (w != v) others += per_option[best][w];
    sum += others / static_cast<double>(splits - 1);
  }
  return sum / static_cast<double>(splits);
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

// Two validation splits cut from the training part (never the test part):
// one split is noisy on small data, and picked settings that did worse on
// test. random80: two seeds; leave-last-out: the moment before the test's and
// the one before that. (Holding out the next entry of the test's own moment
// instead made Groceries' validation prefer popularity where the test,
// whose target is the last of a whole basket, prefers item-kNN.)
std::vector<Split> ValidationSplits(const Split& outer, const std::string& split) {
  std::vector<Split> out;
  if (split == "random80") {
    for (uint64_t seed : {7, 8})
      out.push_back(SplitRandom(outer.train, Pcg64::FromSeed(seed), 0.8, &outer.train_times, &outer.train_earlier));
    return out;
  }
  out.push_back(SplitLeaveLastOutBefore(outer));
  out.push_back(SplitLeaveLastOutBefore(out[0]));
  return out;
}

// The held-out test split the report is about.
Result<Split> OuterSplit(const Dataset& data, const EvalOptions& options) {
  if (options.split == "random80") {
    if (options.ties != Ties::kLargestIndex)
      return InvalidArgument("--ties decides leave-last-out's pick; random80 has no ties to break");
    return SplitRandom(data.matrix, Pcg64::NumpyDefaultRng42(), 0.8, &data.times, &data.earlier);
  }
  if (options.split == "leave-last-out" || options.split == "lastout") {
    if (data.times.size() != static_cast<size_t>(data.matrix.nnz()))
      return InvalidArgument("leave-last-out needs the time of every interaction (--time-col)");
    return SplitLeaveLastOut(data.matrix, data.times, &data.earlier, options.ties);
  }
  return InvalidArgument("unknown split '" + options.split + "' (random80 | leave-last-out)");
}

// Validation NDCG of a way to fit, on each validation split.
Result<std::vector<double>> Validate(const Candidate& c, const std::vector<Inputs>& inner, int k) {
  std::vector<double> out;
  for (const Inputs& v : inner) {
    ASSIGN_OR_RETURN(ScoreFn fn, c.fit(v.For(c), v.split->train_times));
    out.push_back(Score(v.split->train, v.split->test, k, fn).ndcg);
  }
  return out;
}

struct FamilyChoice {
  ModelResult result;
  Candidate best;
};

// The family's setting with the best mean validation NDCG, fitted on the
// whole training part and scored on the test.
Result<FamilyChoice> ChooseInFamily(const std::string& family, const std::vector<Candidate>& candidates,
                                    const Inputs& outer, const std::vector<Inputs>& inner, int k) {
  const Split& split = *outer.split;
  ModelResult r;
  r.family = family;
  auto search_start = std::chrono::steady_clock::now();
  std::vector<std::vector<double>> per_candidate;
  Progress progress(family + ": settings searched, then the refit", static_cast<int64_t>(candidates.size()) + 1);
  for (const Candidate& c : candidates) {
    ASSIGN_OR_RETURN(std::vector<double> ndcg, Validate(c, inner, k));
    per_candidate.push_back(std::move(ndcg));
    progress.Advance();
  }
  size_t best = 0;
  for (size_t c = 1; c < candidates.size(); ++c)
    if (Mean(per_candidate[c]) > Mean(per_candidate[best])) best = c;
  r.search_seconds = SecondsSince(search_start);
  r.settings_tried = static_cast<int>(candidates.size());
  r.validation_ndcg = CrossFitted(per_candidate);
  r.settings = candidates[best].settings;
  auto fit_start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(ScoreFn fn, candidates[best].fit(outer.For(candidates[best]), split.train_times));
  r.train_seconds = SecondsSince(fit_start);
  r.test = Score(split.train, split.test, k, fn);
  progress.Advance();
  return FamilyChoice{std::move(r), candidates[best]};
}

// A weighted blend of each family's chosen setting (`members`, aligned with
// `results`), its weights searched on the validation splits.
Result<ModelResult> ChooseBlend(const std::vector<Candidate>& members, const std::vector<ModelResult>& results,
                                const Inputs& outer, const std::vector<Inputs>& inner, int k, int32_t items) {
  const Split& split = *outer.split;
  ModelResult r;
  r.family = "hybrid";
  auto search_start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<MemberScores>> kept;  // per validation split
  for (const Inputs& v : inner) {
    std::vector<ScoreFn> fitted;
    for (const Candidate& c : members) {
      ASSIGN_OR_RETURN(ScoreFn fn, c.fit(v.For(c), v.split->train_times));
      fitted.push_back(std::move(fn));
    }
    kept.push_back(std::make_unique<MemberScores>(std::move(fitted), v.split->test, items));
  }
  auto ndcg_on = [&](size_t v, const std::vector<float>& w) {
    return Score(inner[v].split->train, inner[v].split->test, k, kept[v]->Blend(w)).ndcg;
  };
  // Weights searched on each split alone, scored on the others (see CrossFitted).
  double cross = 0;
  for (size_t v = 0; v < inner.size(); ++v) {
    std::vector<float> w = SearchWeights(
        members.size(), [&](const std::vector<float>& x) { return ndcg_on(v, x); }, &r.settings_tried);
    double others = 0;
    for (size_t o = 0; o < inner.size(); ++o)
      if (o != v) others += ndcg_on(o, w);
    cross += others / static_cast<double>(inner.size() - 1);
  }
  std::vector<float> best_weights = SearchWeights(
      members.size(),
      [&](const std::vector<float>& w) {
        double sum = 0;
        for (size_t v = 0; v < inner.size(); ++v) sum += ndcg_on(v, w);
        return sum / static_cast<double>(inner.size());
      },
      &r.settings_tried);
  r.search_seconds = SecondsSince(search_start);
  r.validation_ndcg = cross / static_cast<double>(inner.size());
  r.settings = json::object();
  auto fit_start = std::chrono::steady_clock::now();
  std::vector<ScoreFn> fitted;
  for (size_t m = 0; m < members.size(); ++m) {
    r.settings[results[m].family] = {{"weight", best_weights[m]}, {"settings", members[m].settings}};
    if (best_weights[m] == 0) {
      fitted.push_back(nullptr);
      continue;
    }
    ASSIGN_OR_RETURN(ScoreFn fn, members[m].fit(outer.For(members[m]), split.train_times));
    fitted.push_back(std::move(fn));
  }
  r.train_seconds = SecondsSince(fit_start);
  MemberScores final_members(std::move(fitted), split.test, items);
  r.test = Score(split.train, split.test, k, final_members.Blend(best_weights));
  return r;
}

}  // namespace

Result<EvalReport> Evaluate(const Dataset& data, const EvalOptions& options) {
  EvalReport report;
  ASSIGN_OR_RETURN(const Split split, OuterSplit(data, options));
  if (options.k < 1 || options.k > 1000) return InvalidArgument("--k must be between 1 and 1000");
  report.fingerprint = FingerprintOf(split);
  const std::vector<Split> validations = ValidationSplits(split, options.split);
  const bool counts = options.count_repeats && data.earlier.any_repeat();
  const Inputs outer = InputsOf(split, counts);
  std::vector<Inputs> inner;  // fits keep references into it: filled once, never grown after
  inner.reserve(validations.size());
  for (const Split& v : validations) inner.push_back(InputsOf(v, counts));
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  std::vector<Candidate> best_of_family;  // aligned with report.results
  bool hybrid = false;
  for (const std::string& family : options.models) {
    if (family == "hybrid") {
      hybrid = true;
      continue;
    }
    std::vector<Candidate> candidates = Family(family, options.tune, threads, data.matrix.cols);
    if (counts) candidates = WithCountedInputs(std::move(candidates));
    if (candidates.empty()) {
      if (family == "ease" || family == "ease_session" || family == "dae") continue;  // catalogue too large
      return InvalidArgument("unknown model family '" + family +
                             "' (popular | itemknn | als | ease | ease_session | dae | hybrid)");
    }
    if (family == "ease_session" && data.times.empty()) continue;  // no times to find sittings in
    ASSIGN_OR_RETURN(FamilyChoice choice, ChooseInFamily(family, candidates, outer, inner, options.k));
    report.results.push_back(std::move(choice.result));
    best_of_family.push_back(std::move(choice.best));
  }
  if (hybrid && best_of_family.size() > 1) {
    ASSIGN_OR_RETURN(ModelResult blend,
                     ChooseBlend(best_of_family, report.results, outer, inner, options.k, data.matrix.cols));
    report.results.push_back(std::move(blend));
  }
  double best_validation = -2;
  for (size_t i = 0; i < report.results.size(); ++i) {
    if (report.results[i].validation_ndcg > best_validation) {
      best_validation = report.results[i].validation_ndcg;
      report.chosen = i;
    }
  }
  if (report.results.empty()) return InvalidArgument("no model family could be evaluated");
  return report;
}

json EvalReportToJson(const EvalReport& report, const Dataset& data, const EvalOptions& options) {
  auto metrics = [&](const ModelResult& r) {
    return json{{"precision_at_k", r.test.precision}, {"recall_at_k", r.test.recall}, {"ndcg_at_k", r.test.ndcg},
                {"map_at_k", r.test.map},           {"coverage", r.test.coverage},  {"train_seconds", r.train_seconds}};
  };
  const ModelResult& chosen = report.results[report.chosen];
  json out = metrics(chosen);
  out["k"] = options.k;
  out["split"] = options.split;
  if (options.ties == Ties::kRandom) out["ties"] = "random";
  out["model"] = chosen.family;
  out["settings"] = chosen.settings;
  out["selected_by"] = "validation ndcg over two splits of the training part, cross-fitted (chosen on one split, scored on the other)";
  out["dataset"] = {{"users", data.matrix.rows}, {"items", data.matrix.cols}, {"interactions", data.matrix.nnz()},
                    {"rows_read", data.rows_read}};
  const Fingerprint& f = report.fingerprint;
  out["fingerprint"] = {{"train_nnz", f.train_nnz}, {"test_nnz", f.test_nnz}, {"test_users", f.test_users},
                        {"sum_u", f.sum_u},         {"sum_i", f.sum_i}};
  out["evaluated_users"] = chosen.test.users;
  json models = json::array();
  for (const ModelResult& r : report.results) {
    json m = metrics(r);
    m["model"] = r.family;
    m["settings"] = r.settings;
    m["validation_ndcg_at_k"] = r.validation_ndcg;
    m["search_seconds"] = r.search_seconds;
    m["settings_tried"] = r.settings_tried;
    models.push_back(std::move(m));
  }
  out["models"] = std::move(models);
  return out;
}

}  // namespace shinrai::recs
