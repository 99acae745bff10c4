// The PostgreSQL implementation of store::Cluster: the write lease is a
// session-level advisory lock on a connection of its own, notices are
// LISTEN/NOTIFY on a channel per schema, published files are rows of
// shinrai_published (schema version 2).
#pragma once

#include <memory>

#include "store/cluster.h"
#include "store/postgres/pg_store.h"

namespace shinrai::store {

// REQUIRES: the schema migrated (OpenPostgresStore checks it first).
Result<std::unique_ptr<Cluster>> OpenPostgresCluster(const PostgresOptions& options);

}  // namespace shinrai::store
