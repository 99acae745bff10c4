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

// A URL whose connections use a migrated schema of their own, named after
// `key` (a test's data directory), so that reopening the same directory
// finds the same records, as a restarted server would.
Result<std::string> TestPostgresUrlFor(const TestPostgres& pg, const std::string& key);

// Whether SHINRAI_TEST_STORE asks the fixtures for PostgreSQL.
bool TestsWantPostgres();

}  // namespace shinrai::testing
