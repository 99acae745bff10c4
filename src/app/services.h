// Services: the use cases over one opened data directory, wired in one place.
//
// `serve`, `shinrai audit report`, the test fixtures and the fuzz harness all
// build the object graph here, so a new service or dependency is added once,
// in the order the services depend on each other. Members are destroyed in
// reverse: the services first, then the writer, which commits what is staged.
//
// Thread-safety: as the services; Load from one thread before serving.
#pragma once

#include <optional>
#include <string>

#include "app/cluster_link.h"
#include "audit/audit_log.h"
#include "crypto/key_vault.h"
#include "access/access.h"
#include "collect/collect_service.h"
#include "privacy/consent_service.h"
#include "transparency/privacy_center_service.h"
#include "transparency/privacy_report.h"
#include "orchestration/profile_service.h"
#include "personalize/recommendation_service.h"
#include "privacy/retention_service.h"
#include "privacy/rights_service.h"
#include "privacy/suppression.h"
#include "store/write_serializer.h"
#include "store/staged_writer.h"

namespace shinrai::app {

struct OpenedData;

struct ServicesDeps {
  const schema::Config* config;
  store::Store* store;                     // what the services use (the encrypting store when on)
  crypto::KeyVault* vault;                 // null with encryption at rest off
  service::SuppressionList* suppression;
  audit::AuditLog* audit;                  // every use of personal data is logged here
  const service::Access* access;
  Env* env;
  std::string model_dir;
  std::optional<crypto::SecretKey> token_key;  // seals recommendation ids; nullopt: one per run
  store::Cluster* cluster = nullptr;           // the other nodes on a shared database; null on RocksDB
};

// The deps for an opened data directory (app/data_dir.h).
ServicesDeps DepsFor(const OpenedData& data, const schema::Config& config, audit::AuditLog& audit,
                     const service::Access& access, Env* env, std::string model_dir);

class Services {
 public:
  explicit Services(const ServicesDeps& deps);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  // Reads what the services keep in memory (the de-duplication window,
  // counters, the catalogue and the model), so that a failed commit reloads
  // it too, and completes erasures an earlier run had begun. Answers how
  // many it completed. On a shared database, also joins the other nodes:
  // read-modify-write sections take the cluster's write lease, and this
  // node hears their notices.
  Result<int> Load();

  store::StagedWriter writer;
  store::WriteSerializer serializer;
  const service::UseCaseDeps base;
  service::CollectService collect;
  service::ProfileService profiles;
  service::ConsentService consent;
  service::RecommendationService recs;
  ClusterLink cluster_link;
  service::RightsService rights;
  service::PrivacyCenterService privacy_center;
  service::RetentionService retention;
  const service::PrivacyReportDeps report;

 private:
  // After another node held the write lease: what this one keeps in memory
  // about records is read again. REQUIRES: the serializer's lock held.
  Status ReloadAfterHandover();
  // Everything that keeps data derived from people: the recommender, and the
  // other nodes' copies through the cluster.
  std::vector<service::DerivedData*> Derived();

  crypto::KeyVault* const vault_;
  service::SuppressionList* const suppression_;
};

}  // namespace shinrai::app
