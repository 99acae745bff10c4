// RecommendationService's half that keeps several nodes on one database in
// step (store/cluster.h): a trained model is published through the database
// and every node adopts the newest; feedback totals and the catalogue are
// read again after another node changed them.
#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "core/files.h"
#include "personalize/recommendation_service.h"
#include "store/key_families.h"
#include "store/scan_counters.h"

namespace shinrai::service {

namespace {

constexpr std::string_view kModelName = "model";
constexpr std::string_view kQualityName = "model.quality";

}  // namespace

Status RecommendationService::PublishModel(int64_t version) {
  if (!d_.cluster || model_path_.empty()) return Status::Ok();
  std::ifstream in(model_path_, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (!in) return Internal("read the model file to publish it: " + model_path_);
  RETURN_IF_ERROR(d_.cluster->Publish(kModelName, version, bytes.str()));
  {
    std::lock_guard lock(quality_mu_);
    if (!offline_quality_.is_null())
      RETURN_IF_ERROR(d_.cluster->Publish(kQualityName, version, offline_quality_.dump()));
  }
  return d_.cluster->Notify("model", std::to_string(version));
}

Status RecommendationService::AdoptPublishedModel() {
  if (!d_.cluster || model_path_.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(int64_t newest, d_.cluster->PublishedVersion(kModelName));
  const auto current = model();
  if (newest == 0 || (current && current->version >= newest)) return Status::Ok();
  ASSIGN_OR_RETURN(std::optional<store::Cluster::Published> published, d_.cluster->Fetch(kModelName));
  if (!published) return Status::Ok();
  // Through the model file, so a restart without the database's answer still
  // serves the model this node last had.
  RETURN_IF_ERROR(WriteFileAtomically(model_path_, published->bytes, "the published model"));
  ASSIGN_OR_RETURN(std::shared_ptr<recs::ModelSnapshot> m,
                   recs::LoadSnapshot(model_path_, d_.config.recommendations.ann_min_items));
  auto quality = d_.cluster->Fetch(kQualityName);
  if (quality.ok() && *quality && (*quality)->version == m->version) {
    nlohmann::json q = nlohmann::json::parse((*quality)->bytes, nullptr, false);
    std::lock_guard lock(quality_mu_);
    offline_quality_ = q.is_discarded() ? nlohmann::json() : std::move(q);
    (void)WriteFileAtomically(model_path_ + ".quality.json", (*quality)->bytes, "the offline quality file");
  }
  spdlog::info("adopted recommendation model {} published by another node", m->version);
  Swap(std::move(m));
  return Status::Ok();
}

Status RecommendationService::ReloadCatalog() { return catalog_.Load(d_.store); }

Status RecommendationService::ReloadShared() {
  RETURN_IF_ERROR(ReloadCatalog());
  std::lock_guard lock(feedback_mu_);
  ASSIGN_OR_RETURN(feedback_totals_, store::ScanCounters(d_.store, std::string(store::family::kFeedbackTotals.prefix)));
  return Status::Ok();
}

}  // namespace shinrai::service
