#include "app/data_dir.h"

#include <cstdlib>
#include <filesystem>

#include "audit/file_audit_log.h"
#include "audit/postgres/pg_audit_log.h"
#include "store/key_families.h"
#include "store/postgres/pg_cluster.h"
#include "store/postgres/pg_store.h"
#include "crypto/aead.h"

namespace shinrai::app {

SecurityPaths ResolvePaths(const schema::SecuritySettings& s, const std::string& data_dir) {
  SecurityPaths p;
  p.key_vault = s.key_vault.empty() ? data_dir + "/keyvault" : s.key_vault;
  // A vault in a database has no directory to keep the master key beside.
  const std::string key_dir = store::IsPostgresUrl(p.key_vault) ? data_dir : p.key_vault;
  p.master_key_file = s.master_key_file.empty() ? key_dir + "/master.key" : s.master_key_file;
  p.api_keys_file = s.api_keys_file.empty() ? data_dir + "/api-keys.json" : s.api_keys_file;
  p.audit_dir = s.audit_dir.empty() ? data_dir + "/audit" : s.audit_dir;
  return p;
}

crypto::RecordScheme PersonalDataScheme() {
  // From the one table of key families: a family declared personal there is
  // sealed here, with nothing to remember twice.
  crypto::RecordScheme scheme;
  for (const store::KeyFamily& f : store::kKeyFamilies) {
    switch (f.protection) {
      case store::Protection::kSealedBySubject: scheme.subject_families.emplace_back(f.prefix); break;
      case store::Protection::kPseudonymized: scheme.pseudonymized_families.emplace_back(f.prefix); break;
      case store::Protection::kSealedByService: scheme.service_families.emplace_back(f.prefix); break;
      case store::Protection::kNone:
      case store::Protection::kKeyVault: break;
    }
  }
  return scheme;
}

Result<std::optional<crypto::SecretKey>> AuditHeadKey(const schema::SecuritySettings& s, const SecurityPaths& paths) {
  if (!s.encrypt_at_rest) return std::optional<crypto::SecretKey>();
  const char* env = std::getenv("SHINRAI_MASTER_KEY");
  if ((!env || !*env) && !std::filesystem::exists(paths.master_key_file)) return std::optional<crypto::SecretKey>();
  RETURN_IF_ERROR(crypto::InitCrypto());
  ASSIGN_OR_RETURN(crypto::SecretKey master, crypto::LoadMasterKey({paths.master_key_file, /*create_missing=*/false}));
  return std::optional<crypto::SecretKey>(audit::HeadKeyFrom(master));
}

Result<std::unique_ptr<audit::AuditLog>> OpenAuditLog(const schema::Config& config, const SecurityPaths& paths,
                                                      std::optional<crypto::SecretKey> head_key) {
  if (store::IsPostgresUrl(config.store))
    return audit::OpenPostgresAuditLog({config.store, /*pool_size=*/1}, Env::Default(), std::move(head_key));
  ASSIGN_OR_RETURN(std::unique_ptr<audit::FileAuditLog> file,
                   audit::FileAuditLog::Open(paths.audit_dir, Env::Default(), audit::FileAuditLog::kDefaultSegmentBytes,
                                             std::move(head_key)));
  return std::unique_ptr<audit::AuditLog>(std::move(file));
}

namespace {

// How people are named in a data directory is fixed by its declaration:
// "single" (no brands), "group" (one person across brands) or
// "per_brand:<default brand>" (each brand its own; the default brand's people
// in the group's index). A declaration that changed it would find nobody
// the directory holds, or merge people it must keep apart, so it is refused;
// only a single organisation may become a group of brands.
Status CheckIdentityLayout(store::Store& store, const schema::Declaration& d) {
  const std::string key = std::string(store::family::kMeta.prefix) + "identity_layout";
  const std::string layout = d.brands.empty()            ? "single"
                             : d.BrandsKeepOwnPeople() ? "per_brand:" + d.default_brand
                                                       : "group";
  ASSIGN_OR_RETURN(std::optional<std::string> stored, store.Get(key));
  if (stored && *stored != layout && *stored != "single") {
    return InvalidArgument("this data directory names people as '" + *stored + "', but the configuration asks for '" +
                           layout + "' (brands:, identity.across_brands and the default brand decide it): people " +
                           "it holds would be lost or wrongly joined. Keep the earlier setting, or start a new data "
                           "directory");
  }
  if (stored == layout) return Status::Ok();
  store::WriteBatch wb;
  wb.Put(key, layout);
  return store.Write(wb, /*sync=*/true);
}

// Records sealed with one vault's keys open with that vault only. A node
// pointed at a shared database with a vault of its own (the default, in
// --data) would take everyone for erased and make them anew, and its crash
// repair would delete what it cannot open: refused before anything is read.
Status CheckVaultIdentity(store::Store& backend, const crypto::KeyVault& vault) {
  const std::string key = std::string(store::family::kMeta.prefix) + "key_vault";
  const std::string id = crypto::ToHex(crypto::KeyedHash(vault.records_key(), "shinrai key vault identity v1", 16));
  ASSIGN_OR_RETURN(std::optional<std::string> stored, backend.Get(key));
  if (stored && *stored != id) {
    return InvalidArgument("the store's records are sealed with the keys of another key vault than "
                           "security.key_vault names: point it at the vault they were written with (several nodes on "
                           "one database share one vault: docs/postgres.md)");
  }
  if (stored) return Status::Ok();
  store::WriteBatch wb;
  wb.Put(key, id);
  return backend.Write(wb, /*sync=*/true);
}

}  // namespace

Result<OpenedData> OpenData(const std::string& data_dir, const schema::Config& config) {
  OpenedData d;
  d.paths = ResolvePaths(config.security, data_dir);
  RETURN_IF_ERROR(crypto::InitCrypto());
  if (store::IsPostgresUrl(config.store)) {
    // People's records in the shared database; the key vault, the master
    // key, the audit log and models stay in the data directory, apart.
    store::PostgresOptions o{config.store};
    o.fence = std::make_shared<store::LeaseFence>();
    ASSIGN_OR_RETURN(d.backend, store::OpenPostgresStore(o));
    ASSIGN_OR_RETURN(d.cluster, store::OpenPostgresCluster(o));
  } else {
    store::RocksOptions ropts;
    ropts.path = config.store.empty() ? data_dir : config.store;
    ropts.compress = !config.security.encrypt_at_rest;
    ASSIGN_OR_RETURN(d.backend, store::OpenRocksStore(ropts));
  }
  d.store = d.backend.get();
  crypto::SecretKey suppression_key;  // all zero without a vault: nothing is secret then anyway
  if (config.security.encrypt_at_rest) {
    if (store::IsPostgresUrl(d.paths.key_vault)) {
      ASSIGN_OR_RETURN(d.vault_store, store::OpenPostgresStore({d.paths.key_vault, /*pool_size=*/2}));
    } else {
      store::RocksOptions vopts;
      vopts.path = d.paths.key_vault;
      vopts.block_cache_bytes = 16 << 20;
      vopts.compress = false;
      ASSIGN_OR_RETURN(d.vault_store, store::OpenRocksStore(vopts));
    }
    ASSIGN_OR_RETURN(crypto::SecretKey master,
                     crypto::LoadMasterKey({d.paths.master_key_file, /*create_missing=*/true}, &d.master_key_created));
    ASSIGN_OR_RETURN(d.vault, crypto::KeyVault::Open(d.vault_store.get(), master));
    RETURN_IF_ERROR(CheckVaultIdentity(*d.backend, *d.vault));
    d.audit_head_key = audit::HeadKeyFrom(master);
    d.encrypted = crypto::NewEncryptedStore(d.backend.get(), d.vault.get(), PersonalDataScheme());
    d.store = d.encrypted.get();
    suppression_key = d.vault->suppression_key();
  }
  d.suppression = std::make_unique<service::SuppressionList>(suppression_key);
  RETURN_IF_ERROR(d.suppression->Load(*d.store));
  RETURN_IF_ERROR(CheckIdentityLayout(*d.store, config.declaration));
  return d;
}

std::optional<crypto::SecretKey> RecommendationTokenKey(const OpenedData& data) {
  if (!data.vault) return std::nullopt;
  return crypto::DeriveKey(data.vault->records_key(), "shinrai recommendation tokens v1");
}

Result<crypto::OrphanReport> RepairAfterCrash(OpenedData& data) {
  if (!data.vault) return crypto::OrphanReport{};
  // On a shared database, under the write lease: another node's write in
  // flight (its key stored, its records not yet) is not an orphan.
  if (data.cluster) RETURN_IF_ERROR(data.cluster->AcquireLease().status());
  // An identity link points at the person's profile record.
  auto repaired = crypto::RepairOrphans(data.backend.get(), data.encrypted.get(), data.vault.get(),
                                        PersonalDataScheme(), store::family::kProfile.prefix);
  if (data.cluster) RETURN_IF_ERROR(data.cluster->ReleaseLease());
  return repaired;
}

}  // namespace shinrai::app
