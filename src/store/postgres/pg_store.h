// The PostgreSQL backend of the Store interface, for several `shinrai serve`
// nodes on one database (issue 19). Keys and values are bytes (bytea), in one
// table whose order is the same bytewise order as RocksDB's, so every reader
// of the store (prefix scans included) works unchanged.
//
// Layout (schema version 2, `shinrai migrate` creates it or upgrades 1):
//   shinrai_kv(k bytea PRIMARY KEY, subject text NOT NULL, v bytea NOT NULL)
//   shinrai_schema(version int NOT NULL)
//   shinrai_lease(id int PRIMARY KEY, holder text)  (2: the write lease's last holder)
//   shinrai_published(name text PRIMARY KEY, version bigint, bytes bytea)  (2: models)
//   shinrai_rate(key_id text PRIMARY KEY, tokens float8, at_us bigint)  (2: API keys' buckets)
//   shinrai_audit(seq bigint PRIMARY KEY, entry text), shinrai_audit_head  (2: the audit chain)
// `subject` is the person a key belongs to ("<profile id>" for the families
// sealed per person, "" for shared records): the column a Citus cluster
// distributes on (docs/postgres.md).
//
// Thread-safety: safe for concurrent use; each call takes a connection from
// a fixed pool.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/store.h"

namespace shinrai::store {

inline constexpr int kPostgresSchemaVersion = 2;

// Shared by a node's store and its cluster: while the node holds the write
// lease, every write checks in its own transaction that the lease is still
// the node's (a node that takes it over records itself as the holder, and
// waits for such checks to commit), so a node whose lease session died
// unnoticed cannot commit what it read under a lease it no longer has.
class LeaseFence {
 public:
  void Held(std::string me);
  void Released();
  std::string Holder() const;  // "" when not held: nothing to check
  void Lost();                 // a write found another holder
  bool TakeLost();             // true once after Lost
 private:
  mutable std::mutex mu_;
  std::string holder_;  // GUARDED_BY(mu_)
  bool lost_ = false;   // GUARDED_BY(mu_)
};

struct PostgresOptions {
  std::string url;         // postgres://USER@HOST:PORT/DB (libpq's URI form)
  int pool_size = 8;       // connections kept open
  std::string schema;      // a PostgreSQL schema to use instead of "public" (tests keep apart this way)
  std::shared_ptr<LeaseFence> fence;  // several nodes: the same for the store and the cluster
};

// Whether `text` names a PostgreSQL database rather than a directory.
bool IsPostgresUrl(std::string_view text);

// Creates or upgrades the tables to kPostgresSchemaVersion (under an advisory
// lock, so nodes migrating at once do it once). Refuses a newer schema.
// Answers the version found before.
Result<int> MigratePostgres(const PostgresOptions& options);

// Opens the pool. InvalidArgument, saying what to run, when the schema is
// missing, older or newer than this build's.
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options);

}  // namespace shinrai::store
