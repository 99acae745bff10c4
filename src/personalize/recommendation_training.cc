// RecommendationService's training half: reading every consented interaction
// from the store, fitting a new snapshot, saving it and swapping it in.
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

#include "core/progress.h"

#include "consent/policy.h"
#include "profile/keys.h"
#include "personalize/interactions.h"
#include "personalize/recommendation_service.h"
#include "recs/eval/evaluation.h"
#include "core/files.h"

namespace shinrai::service {

using nlohmann::json;

namespace {

// Each merged profile's id, to the id of the profile it was merged into.
Result<std::unordered_map<std::string, std::string>> MergedInto(store::Store& store) {
  std::unordered_map<std::string, std::string> merged_into;
  store::ScanOptions profiles;
  profiles.prefix = profile::ProfileKey("");
  RETURN_IF_ERROR(store.Scan(profiles, [&](std::string_view, std::string_view v) {
    auto p = profile::DecodeProfile(v);
    if (p.ok() && !p->merged_into.empty()) merged_into[p->id] = p->merged_into;
    return true;
  }));
  return merged_into;
}

}  // namespace

Result<TrainReport> RecommendationService::Train() {
  std::lock_guard train_lock(train_mu_);
  auto t0 = std::chrono::steady_clock::now();
  const auto& settings = d_.config.recommendations;
  TrainReport report;

  // Merged profiles' events train their survivor.
  std::optional<Progress> reading(std::in_place, "training: reading consented interactions");
  ASSIGN_OR_RETURN(const auto merged_into, MergedInto(d_.store));
  auto survivor = [&](std::string id) {
    for (int hops = 0; hops < 64; ++hops) {
      auto it = merged_into.find(id);
      if (it == merged_into.end()) break;
      id = it->second;
    }
    return id;
  };

  // Only interactions whose use for the purpose the policy allows, per
  // person, channel and data category, at training time.
  std::unordered_map<std::string, consent::ConsentState> states;
  std::vector<recs::RawInteraction> rows;
  std::vector<Interaction> extracted;
  Status failed;
  store::ScanOptions events;
  events.prefix = std::string(profile::EventFamily());  // every profile
  RETURN_IF_ERROR(d_.store.Scan(events, [&](std::string_view key, std::string_view v) {
    reading->Advance();
    auto e = profile::DecodeEvent(v);
    if (!e.ok()) return true;
    extracted.clear();
    ExtractInteractions(d_.config, *e, &extracted);
    if (extracted.empty()) return true;
    std::string_view rest = key.substr(events.prefix.size());
    const std::string subject = survivor(std::string(rest.substr(0, rest.find('/'))));
    auto st = states.find(subject);
    if (st == states.end()) {
      store::Transaction txn = d_.writer.Begin();
      auto state = consent::ConsentLedger::CurrentState(txn, subject);
      if (!state.ok()) {
        failed = state.status();
        return false;
      }
      st = states.emplace(subject, std::move(*state)).first;
    }
    for (const Interaction& in : extracted) {
      // Each interaction trains the model only as far as the brand that
      // collected it may use it for personalization.
      if (!policy::Decide(d_.config.declaration, st->second, {settings.purpose, in.channel, in.brand, in.category})
               .allowed) {
        ++report.excluded_events;
        continue;
      }
      rows.push_back({subject, in.item, in.weight, in.at_ms / 1000});
    }
    return true;
  }));
  RETURN_IF_ERROR(failed);
  reading.reset();
  if (rows.empty()) return Unavailable("no consented interactions to train from yet");

  recs::ReadOptions ropts;
  ropts.use_weights = true;
  recs::Dataset data = recs::BuildDataset(std::move(rows), ropts);
  recs::TrainOptions topts;
  topts.als.factors = settings.factors;
  topts.als.regularization = static_cast<float>(settings.regularization);
  topts.als.alpha = static_cast<float>(settings.alpha);
  topts.als.iterations = settings.iterations;
  topts.als_weighting = recs::ParseWeighting(settings.weighting).value_or(recs::Weighting::kNone);  // the parser checked it
  topts.als.threads = 1;  // serving keeps the other cores
  topts.now = d_.env.NowMillis() / 1000;
  topts.ann_min_items = settings.ann_min_items;
  topts.ease_max_items = settings.ease_max_items;
  topts.ease_lambda = static_cast<float>(settings.ease_lambda);
  topts.ease_session_seconds = static_cast<double>(settings.ease_session_seconds);
  std::optional<Progress> fitting(std::in_place, "training: fitting the model");
  auto model = recs::TrainSnapshot(data, topts);
  fitting.reset();
  model->version = d_.env.NowMillis();
  if (!model_path_.empty()) RETURN_IF_ERROR(recs::SaveSnapshot(*model, model_path_));
  report.subjects = data.matrix.rows;
  report.interactions = data.matrix.nnz();
  report.items = data.matrix.cols;
  report.version = model->version;
  const std::string family = model->ease.weights.rows() > 0 ? "ease" : "als";
  Swap(std::move(model));
  {
    Progress measuring("training: measuring offline quality");
    RecordOfflineQuality(data, family, report.version);
  }
  if (Status st = PublishModel(report.version); !st.ok())
    spdlog::warn("model {} trained, not published to the other nodes: {}", report.version, st.message());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  spdlog::info("recommendation model {} trained: {} people, {} items, {} interactions ({} not allowed) in {:.2f} s",
               report.version, report.subjects, report.items, report.interactions, report.excluded_events,
               report.seconds);
  return report;
}

void RecommendationService::RecordOfflineQuality(const recs::Dataset& data, const std::string& family,
                                                 int64_t version) {
  // The served family against popularity, each person's latest item held
  // out, on the shop's own consented data: what the console shows as the
  // offline quality. Refits once more, single-threaded; a failure only
  // leaves the last figures in place.
  recs::EvalOptions eo;
  eo.split = "leave-last-out";
  eo.models = {"popular", family};
  eo.tune = false;
  eo.threads = 1;
  auto evaluated = recs::Evaluate(data, eo);
  if (!evaluated.ok()) {
    spdlog::info("offline quality not measured: {}", evaluated.status().ToString());
    return;
  }
  json quality = {{"model_version", version}, {"split", eo.split}, {"k", eo.k}, {"models", json::object()}};
  for (const recs::ModelResult& m : evaluated->results) {
    quality["models"][m.family] = {{"ndcg", m.test.ndcg}, {"precision", m.test.precision}, {"recall", m.test.recall},
                                   {"coverage", m.test.coverage}, {"people", m.test.users}};
  }
  if (!model_path_.empty()) (void)WriteFileAtomically(model_path_ + ".quality.json", quality.dump(2), "the offline quality file");
  std::lock_guard lock(quality_mu_);
  offline_quality_ = std::move(quality);
}

Result<json> RecommendationService::TrainNow(const Principal& who) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kTrain));
  ASSIGN_OR_RETURN(TrainReport r, Train());
  return json{{"version", r.version},           {"subjects", r.subjects}, {"items", r.items},
              {"interactions", r.interactions}, {"not_allowed", r.excluded_events}, {"seconds", r.seconds}};
}

void RecommendationService::StartSchedule() {
  if (!d_.config.recommendations.enabled) return;
  const int64_t every = d_.config.recommendations.retrain_seconds;
  // Without a model, train at once; otherwise on the period (at least a minute), or when asked.
  schedule_.Start(std::chrono::seconds(every <= 0 ? 0 : std::max<int64_t>(60, every)), /*run_first=*/!model(), [this] {
    auto r = Train();
    if (!r.ok() && r.status().code() != Code::kUnavailable) spdlog::warn("training failed: {}", r.status().ToString());
  });
}

void RecommendationService::RequestRetrain() { schedule_.Wake(); }

void RecommendationService::StopSchedule() { schedule_.Stop(); }

}  // namespace shinrai::service
