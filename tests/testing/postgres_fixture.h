// The throwaway PostgreSQL cluster that CTest starts for the tests
// (scripts/pg_cluster.sh, the fixture "postgres"), and stores in it, each in
// a schema of its own so that tests never see each other's records.
#pragma once

#include <memory>
#include <string>

#include "store/postgres/pg_store.h"

namespace shinrai::testing {

struct TestPostgres {
  std::string url;          // empty when there is no cluster
  std::string skip_reason;  // why not, for GTEST_SKIP
};

TestPostgres FindTestPostgres();

// A migrated, empty store in a new schema of the test cluster.
Result<std::unique_ptr<store::Store>> OpenTestPostgresStore(const TestPostgres& pg);

}  // namespace shinrai::testing
