// UseCaseDeps: what every use case is built on. One struct, taken first by
// every service's constructor, so the graph is wired the same way everywhere
// (app::Services, the test fixtures) and a service cannot be built without an
// audit log: every use of personal data is logged, in code, not by
// convention (tests pass an audit::MemoryAuditLog).
//
// REQUIRES: everything referred to outlives the services built on it.
#pragma once

#include "audit/audit_log.h"
#include "core/env.h"
#include "schema/config.h"
#include "store/cluster.h"
#include "store/staged_writer.h"
#include "store/store.h"
#include "store/write_serializer.h"

namespace shinrai::service {

struct UseCaseDeps {
  const schema::Config& config;
  store::Store& store;                 // the encrypting store when encryption at rest is on
  store::StagedWriter& writer;         // group commit: a reply waits for its batch's sync
  store::WriteSerializer& serializer;  // read-modify-write of shared records, one at a time
  Env& env;
  audit::AuditLog& audit;
  // The other processes on a shared database (notices, published models);
  // null for one process on the embedded store.
  store::Cluster* cluster = nullptr;
};

}  // namespace shinrai::service
