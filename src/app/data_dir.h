// Opening a data directory: the store, and, with encryption at rest on, the
// key vault beside it and the encrypting layer over it. Shared by every
// command that reads or writes people's data (serve, train, keys, audit).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "audit/audit_log.h"
#include "crypto/encrypted_store.h"
#include "crypto/key_vault.h"
#include "schema/config.h"
#include "privacy/suppression.h"
#include "store/cluster.h"
#include "store/store.h"

namespace shinrai::app {

struct SecurityPaths {
  std::string key_vault;
  std::string master_key_file;
  std::string api_keys_file;
  std::string audit_dir;
};
SecurityPaths ResolvePaths(const schema::SecuritySettings& s, const std::string& data_dir);

// Which store key families hold personal data, and how (docs/encryption.md).
crypto::RecordScheme PersonalDataScheme();

// The key that signs the audit log's head (audit::HeadKeyFrom the master
// key); nullopt with encryption at rest off or before a master key exists.
Result<std::optional<crypto::SecretKey>> AuditHeadKey(const schema::SecuritySettings& s, const SecurityPaths& paths);

// The installation's audit log: one chain in the shared database when the
// store is PostgreSQL (every node appends to it), else the hash-chained file
// in paths.audit_dir.
Result<std::unique_ptr<audit::AuditLog>> OpenAuditLog(const schema::Config& config, const SecurityPaths& paths,
                                                      std::optional<crypto::SecretKey> head_key);

struct OpenedData;
// The key that seals recommendation tokens (service/recommendation_token.h),
// derived from the vault's records key so tokens outlive a restart; nullopt
// with encryption at rest off (each run then makes its own).
std::optional<crypto::SecretKey> RecommendationTokenKey(const OpenedData& data);

struct OpenedData {
  SecurityPaths paths;
  std::unique_ptr<store::Store> backend;  // RocksDB in the data directory, or PostgreSQL (config.store)
  // The other nodes on the same PostgreSQL database; null on RocksDB.
  std::unique_ptr<store::Cluster> cluster;
  // RocksDB under security.key_vault, or a PostgreSQL database of its own
  // when that names one (several nodes must share the keys).
  std::unique_ptr<store::Store> vault_store;
  std::unique_ptr<crypto::KeyVault> vault;  // null with encryption off
  std::unique_ptr<store::Store> encrypted;
  std::unique_ptr<service::SuppressionList> suppression;
  std::optional<crypto::SecretKey> audit_head_key;
  store::Store* store = nullptr;  // what the services use
  bool master_key_created = false;
};

Result<OpenedData> OpenData(const std::string& data_dir, const schema::Config& config);

// After a run that did not stop cleanly: deletes records whose subject key is
// gone and identity links to nobody (crypto::RepairOrphans). Nothing to do
// with encryption at rest off.
Result<crypto::OrphanReport> RepairAfterCrash(OpenedData& data);

}  // namespace shinrai::app
