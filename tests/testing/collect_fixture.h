// The use cases wired as the server wires them (app::Services) over a chosen
// store, with a fake clock and an in-memory audit log, for tests that send
// tracking calls and read the store back.
#pragma once

#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include "access/access.h"
#include "app/services.h"
#include "audit/memory_audit_log.h"
#include "core/env.h"
#include "privacy/suppression.h"
#include "profile/profile_reader.h"
#include "schema/config.h"
#include "store/store.h"

namespace shinrai::testing {

// The example declaration shipped in examples/, found from the source tree.
std::string ExampleConfigPath();
schema::Config ExampleConfig();

class CollectFixture {
 public:
  // Takes ownership of `store`; null means a memory store.
  explicit CollectFixture(schema::Config config, std::unique_ptr<store::Store> store = nullptr);
  ~CollectFixture();

  // Sends one call (endpoint type, or nullopt for a batch) with the demo
  // write key and waits for the reply.
  Result<service::CollectReport> Send(std::optional<profile::CallType> endpoint, const std::string& body,
                                      const std::string& write_key = "demo-write-key", bool gpc = false);
  Result<service::CollectReport> Track(const std::string& json) { return Send(profile::CallType::kTrack, json); }
  Result<service::CollectReport> Identify(const std::string& json) { return Send(profile::CallType::kIdentify, json); }

  // PUT /v1/consent/{subject} as `who`, waiting for the reply.
  Result<nlohmann::json> ChangeConsent(const service::Principal& who, const std::string& subject,
                                       const std::string& body);
  Result<profile::Profile> Find(const std::string& lookup) { return reader_->Find(lookup); }
  Result<profile::ProfileView> View(const std::string& lookup) { return reader_->View(lookup, 1000); }
  // Every key and value in the store, concatenated: for "is it stored anywhere" checks.
  std::string DumpStore();

  schema::Config& config() { return *config_; }
  store::Store& store() { return *store_; }
  FakeEnv& env() { return env_; }
  service::CollectService& collect() { return services_->collect; }
  app::Services& services() { return *services_; }
  store::StagedWriter& writer() { return services_->writer; }
  store::WriteSerializer& serializer() { return services_->serializer; }
  // What a further service built by a test (a restarted recommender) takes.
  const service::UseCaseDeps& deps() { return services_->base; }
  service::SuppressionList& suppression() { return suppression_; }
  audit::MemoryAuditLog& audit() { return audit_; }

 private:
  std::unique_ptr<schema::Config> config_;
  FakeEnv env_;
  std::unique_ptr<store::Store> store_;
  audit::MemoryAuditLog audit_{&env_};
  service::SuppressionList suppression_{crypto::SecretKey{}};
  std::unique_ptr<service::Access> access_;
  std::unique_ptr<app::Services> services_;
  std::unique_ptr<profile::ProfileReader> reader_;
};

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace shinrai::testing
