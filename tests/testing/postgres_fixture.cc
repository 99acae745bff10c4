#include "testing/postgres_fixture.h"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <random>

namespace shinrai::testing {

namespace {

std::string FirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

}  // namespace

TestPostgres FindTestPostgres() {
  const char* dir = std::getenv("SHINRAI_TEST_PG");
  if (!dir) return {"", "SHINRAI_TEST_PG is not set: run the tests through CTest, which starts a PostgreSQL cluster"};
  const std::string url = FirstLine(std::string(dir) + "/url");
  if (!url.empty()) return {url, ""};
  const std::string why = FirstLine(std::string(dir) + "/skip");
  return {"", why.empty() ? "the test PostgreSQL cluster is not running (scripts/pg_cluster.sh start)" : why};
}

Result<std::unique_ptr<store::Store>> OpenTestPostgresStore(const TestPostgres& pg) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  store::PostgresOptions o;
  o.url = pg.url;
  o.pool_size = 4;
  o.schema = "t" + std::to_string(rd() % 1000000000) + "_" + std::to_string(counter++);
  RETURN_IF_ERROR(store::MigratePostgres(o).status());
  return store::OpenPostgresStore(o);
}

Result<std::string> TestPostgresUrlFor(const TestPostgres& pg, const std::string& key) {
  if (pg.url.empty()) return Unavailable(pg.skip_reason);
  store::PostgresOptions o;
  o.url = pg.url;
  o.schema = "d" + std::to_string(std::hash<std::string>{}(key) % 1000000000000ULL);
  RETURN_IF_ERROR(store::MigratePostgres(o).status());
  return pg.url + "?options=-csearch_path%3D" + o.schema;
}

bool TestsWantPostgres() {
  const char* which = std::getenv("SHINRAI_TEST_STORE");
  return which && std::string_view(which) == "postgres";
}

}  // namespace shinrai::testing
