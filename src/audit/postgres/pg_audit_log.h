// PostgresAuditLog: the audit chain kept in the shared PostgreSQL database,
// one chain for every node (issue 19), where each node's FileAuditLog would
// make a chain per node.
//
// Entries are rows of shinrai_audit (seq, entry); shinrai_audit_head names
// the last one, signed with the key derived from the master key. Each append
// takes the head row FOR UPDATE, so appends from several nodes continue one
// chain, in one order. Appends are committed in groups by a thread of the
// log's own: Append returns once its entry is in the database (synced when
// `sync`, otherwise within the database's WAL writer delay), so a node that
// dies loses none it returned from.
//
// Thread-safety: Append and Flush may be called concurrently.
#pragma once

#include <memory>
#include <optional>

#include "audit/audit_log.h"
#include "core/env.h"
#include "crypto/secret_key.h"
#include "store/postgres/pg_store.h"

namespace shinrai::audit {

// REQUIRES: the schema migrated (version 2 or later).
Result<std::unique_ptr<AuditLog>> OpenPostgresAuditLog(const store::PostgresOptions& options, Env* env,
                                                        std::optional<crypto::SecretKey> head_key);

}  // namespace shinrai::audit
