// The server's whole stack over a real data directory (RocksDB, key vault,
// encryption at rest, audit log), with a fake clock and no HTTP: for tests of
// what lands on disk and of the rights requests.
#pragma once

#include <memory>
#include <string>

#include "app/data_dir.h"
#include "app/services.h"
#include "audit/file_audit_log.h"
#include "core/env.h"
#include "schema/config.h"
#include "access/access.h"
#include "collect/collect_service.h"
#include "privacy/consent_service.h"
#include "orchestration/profile_service.h"
#include "transparency/privacy_report.h"
#include "personalize/recommendation_service.h"
#include "privacy/retention_service.h"
#include "privacy/rights_service.h"
#include "store/staged_writer.h"

namespace shinrai::testing {

class SecureStack {
 public:
  // Opens (or reopens) the data directory `dir` with the example declaration.
  explicit SecureStack(const std::string& dir, bool encrypt = true);
  ~SecureStack();

  Result<service::CollectReport> Send(std::optional<profile::CallType> endpoint, const std::string& body);
  // Sends every body as a batch call, `in_flight` at a time (as concurrent
  // clients do, so group commit works); aborts on the first failure.
  void SendAll(const std::vector<std::string>& bodies, size_t in_flight = 32);
  Result<service::CollectReport> Track(const std::string& json) { return Send(profile::CallType::kTrack, json); }
  Result<service::CollectReport> Identify(const std::string& json) { return Send(profile::CallType::kIdentify, json); }
  // A rights request as the demo privacy officer would file it.
  Result<nlohmann::json> Request(const nlohmann::json& body);
  service::Principal Officer() const;
  service::Principal Admin() const;

  // Flushes staged writes and the memtables, so everything is in files.
  void FlushToDisk();

  schema::Config& config() { return config_; }
  FakeEnv& env() { return env_; }
  app::OpenedData& data() { return *data_; }
  store::Store& store() { return *data_->store; }
  service::RightsService& rights() { return services_->rights; }
  service::ProfileService& profiles() { return services_->profiles; }
  service::RecommendationService& recs() { return services_->recs; }
  service::RetentionService& retention() { return services_->retention; }
  Result<nlohmann::json> Report() { return service::BuildPrivacyReport(services_->report); }
  store::StagedWriter& writer() { return services_->writer; }
  service::CollectService& collect() { return services_->collect; }
  audit::AuditLog& audit() { return *audit_; }

 private:
  schema::Config config_;
  FakeEnv env_;
  std::unique_ptr<app::OpenedData> data_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<service::Access> access_;
  std::unique_ptr<app::Services> services_;
};

// Every file under `dir`, read whole: for "is it anywhere on disk" checks.
std::string ReadAllFiles(const std::string& dir);

}  // namespace shinrai::testing
