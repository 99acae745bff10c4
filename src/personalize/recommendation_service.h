// RecommendationService: personal and non-personal recommendations, the
// feedback loop, the catalogue and model training.
//
// Every personal read goes through policy::Decide with the declared
// recommendations purpose: without consent for the channel a person gets
// popular or contextual items and `personalized: false` with the reason.
// User vectors are never stored: each request folds the person's current,
// consented history into the model (so new behaviour counts at once, and a
// withdrawal leaves nothing behind). The model is an immutable snapshot,
// swapped atomically while requests are served.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include <optional>

#include "access/access.h"
#include "consent/ledger.h"
#include "core/periodic.h"
#include "crypto/secret_key.h"
#include "personalize/catalog.h"
#include "personalize/recommendation_token.h"
#include "privacy/derived_data.h"
#include "profile/profile_reader.h"
#include "recs/dataset.h"
#include "recs/serving/model_snapshot.h"
#include "usecase/deps.h"

namespace shinrai::service {

struct RecommendRequest {
  int n = 10;
  std::string context_item;  // the item being viewed: contextual results
  std::string channel = "web";
  std::string brand;  // ?brand= (group keys); empty: the key's own brand
};

struct TrainReport {
  int64_t subjects = 0;
  int64_t interactions = 0;
  int64_t items = 0;
  int64_t excluded_events = 0;  // interactions whose use the policy did not allow
  double seconds = 0;
  int64_t version = 0;
};

class RecommendationService : public DerivedData {
 public:
  // `model_dir`: where the model file lives (created when missing; empty:
  // none). `token_key` seals recommendation ids; without one (tests), a key
  // drawn for this process, so ids are good until it stops. Each use of a
  // person's history is logged in deps.audit.
  RecommendationService(const UseCaseDeps& deps, std::string model_dir,
                        std::optional<crypto::SecretKey> token_key = std::nullopt);
  ~RecommendationService();

  // Reads the catalogue, feedback totals and the newest model: the file, or
  // the one published through a shared database when newer.
  Status Load();
  // Several nodes on one database: reads the catalogue and feedback totals
  // again (another node changed them). REQUIRES: the serializer's lock held
  // (feedback stages increments of the totals under it).
  Status ReloadShared();
  // The catalogue only (after another node's upsert).
  Status ReloadCatalog();
  // Adopts the newest model published by any node, when newer than this one's.
  Status AdoptPublishedModel();
  // Retrains every `recommendations.retrain_every` (and at once when no model exists).
  void StartSchedule();
  void StopSchedule();
  // Asks the scheduler to retrain soon (after an erasure), even between periods.
  void RequestRetrain();
  // Drops what is cached about these people, never caches them again and
  // retrains without them (erasure); or drops everyone's cached history and,
  // when events were deleted, retrains (retention).
  void ForgetPeople(const std::vector<std::string>& profile_ids) override;
  void ForgetExpired(bool rebuild) override;
  void ForgetEveryone();
  size_t cached_people() const;

  // The answer's `recommendation_id` is a sealed RecommendationToken: what
  // feedback with the write key must present.
  Result<nlohmann::json> Recommend(const Principal& who, std::string_view lookup, const RecommendRequest& request);
  // A recommendation_id this server issued in the last week, opened
  // (InvalidArgument when altered, foreign or older).
  Result<RecommendationToken> ReadToken(std::string_view token) const;
  Result<nlohmann::json> Similar(const Principal& who, std::string_view item, int n);
  // Records impressions, clicks or conversions; `done` runs once they are
  // durable (on the writer's commit thread), or at once on a bad request.
  // With the write key (browsers) only against a recommendation_id, for the
  // items it showed, answering the same whoever it was for; API keys may name
  // the subject instead.
  using Done = std::function<void(Result<nlohmann::json>)>;
  void Feedback(const Principal& who, std::string_view body, Done done);
  // The same, waiting for the commit (tests, tools).
  Result<nlohmann::json> Feedback(const Principal& who, std::string_view body);
  Result<nlohmann::json> UpsertCatalog(const Principal& who, std::string_view body);
  Result<nlohmann::json> Stats(const Principal& who) const;
  Result<nlohmann::json> TrainNow(const Principal& who);

  // Trains from every consented interaction in the store, saves the model
  // file and swaps the new model in.
  Result<TrainReport> Train();
  std::shared_ptr<const recs::ModelSnapshot> model() const { return model_.load(); }
  void Swap(std::shared_ptr<const recs::ModelSnapshot> next) { model_.store(std::move(next)); }
  Catalog& catalog() { return catalog_; }
  const Catalog& catalog() const { return catalog_; }
  // The key recommendation tokens are sealed with; a durable one keeps them
  // valid across restarts. REQUIRES: before serving.

 private:
  struct History;
  struct Subject;
  Result<nlohmann::json> RecommendItems(const Principal& who, std::string_view lookup, const RecommendRequest& request);
  // The person a lookup names (none when unknown, or not a customer of
  // `brand`) and their consent state.
  Status FindSubject(std::string_view lookup, std::string_view brand, Subject* subject);
  // Logs the use of the person's data, then reads their history and feedback.
  Status ReadSubjectData(const Principal& who, const RecommendRequest& request, int64_t model_version,
                         Subject* subject);
  // Scores, filters and explains the items of `reply`. Consumes subject->feedback.
  void RankItems(const recs::ModelSnapshot& model, const RecommendRequest& request, int64_t now, Subject& subject,
                 nlohmann::json& reply);
  Result<History> ReadHistory(const profile::Profile& p, const consent::ConsentState& state, const std::string& channel,
                              const std::string& brand);
  // ReadHistory, remembered per person until their events, consent, the
  // channel asked for or the model change (the history is derived personal
  // data: erasure and retention drop it, see ForgetPeople/ForgetEveryone).
  Result<std::shared_ptr<const History>> CachedHistory(const profile::Profile& p, const consent::ConsentState& state,
                                                       const std::string& channel, const std::string& brand,
                                                       int64_t model_version);
  bool InHoldout(std::string_view profile_id) const;
  Status LoadModelFile();
  // Puts the model file just trained where the other nodes fetch it, and tells them.
  Status PublishModel(int64_t version);
  // Measures the served model family and popularity offline on `data` and
  // keeps the figures for Stats (and beside the model file).
  void RecordOfflineQuality(const recs::Dataset& data, const std::string& family, int64_t version);
  // Validates feedback and stages its records and totals; the caller
  // submits. REQUIRES: feedback_mu_ held.
  Result<std::pair<store::Transaction, nlohmann::json>> StageFeedback(const Principal& who, std::string_view body);

  const UseCaseDeps d_;
  const std::string model_path_;
  profile::ProfileReader reader_;
  Catalog catalog_;
  std::atomic<std::shared_ptr<const recs::ModelSnapshot>> model_;
  std::mutex train_mu_;  // one training at a time
  std::atomic<uint64_t> feedback_seq_{0};
  crypto::SecretKey token_key_;
  // Feedback totals by group and type (rs/<group>/<type>), so the uplift
  // needs no scan of every feedback record. The lock also keeps each
  // feedback's submission in counter order.
  struct CachedHistoryEntry;
  mutable std::shared_mutex history_mu_;
  std::unordered_map<std::string, std::shared_ptr<const CachedHistoryEntry>> histories_;  // GUARDED_BY(history_mu_)
  // Erased people: a request that read them just before their erasure must
  // not cache them again after it (profile ids are never reused).
  std::unordered_set<std::string> erased_;  // GUARDED_BY(history_mu_)
  mutable std::mutex feedback_mu_;
  std::map<std::string, int64_t> feedback_totals_;  // GUARDED_BY(feedback_mu_)

  mutable std::mutex quality_mu_;
  nlohmann::json offline_quality_;  // GUARDED_BY(quality_mu_); null until measured

  Periodic schedule_;
};

}  // namespace shinrai::service
