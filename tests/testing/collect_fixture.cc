#include "testing/collect_fixture.h"

#include "testing/postgres_fixture.h"

#include <future>
#include <random>

namespace shinrai::testing {

std::string ExampleConfigPath() { return std::string(SHINRAI_SOURCE_DIR) + "/examples/shinrai.yaml"; }

schema::Config ExampleConfig() {
  auto cfg = schema::LoadConfig(ExampleConfigPath());
  if (!cfg.ok()) throw std::runtime_error(cfg.status().ToString());
  return std::move(*cfg);
}

namespace {

// The store a fixture gets when the test names none: memory, or with
// SHINRAI_TEST_STORE=postgres a fresh schema of the test cluster (CTest runs
// the collection, consent and rights suites a second time so).
std::unique_ptr<store::Store> DefaultStore() {
  if (!TestsWantPostgres()) return store::NewMemoryStore();
  auto pg = OpenTestPostgresStore(FindTestPostgres());
  if (!pg.ok()) throw std::runtime_error("SHINRAI_TEST_STORE=postgres: " + pg.status().ToString());
  return std::move(*pg);
}

}  // namespace

CollectFixture::CollectFixture(schema::Config config, std::unique_ptr<store::Store> store)
    : config_(std::make_unique<schema::Config>(std::move(config))), store_(store ? std::move(store) : DefaultStore()) {
  access_ = std::make_unique<service::Access>(config_->keys);
  services_ = std::make_unique<app::Services>(app::ServicesDeps{config_.get(), store_.get(), /*vault=*/nullptr,
                                                                &suppression_, &audit_, access_.get(), &env_,
                                                                /*model_dir=*/"", /*token_key=*/std::nullopt});
  if (!services_->Load().ok()) throw std::runtime_error("cannot load the services' state");
  reader_ = std::make_unique<profile::ProfileReader>(store_.get(), &config_->declaration);
}

CollectFixture::~CollectFixture() { services_.reset(); }

Result<service::CollectReport> CollectFixture::Send(std::optional<profile::CallType> endpoint, const std::string& body,
                                                    const std::string& write_key, bool gpc) {
  std::promise<Result<service::CollectReport>> p;
  service::Credentials c;
  c.basic_user = write_key;
  services_->collect.Collect(c, endpoint, body, gpc, [&p](Result<service::CollectReport> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

Result<nlohmann::json> CollectFixture::ChangeConsent(const service::Principal& who, const std::string& subject,
                                                    const std::string& body) {
  std::promise<Result<nlohmann::json>> done;
  services_->consent.Change(who, subject, body, [&](Result<nlohmann::json> r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

std::string CollectFixture::DumpStore() {
  std::string out;
  store::ScanOptions all;
  (void)store_->Scan(all, [&](std::string_view k, std::string_view v) {
    out.append(k);
    out.push_back('\n');
    out.append(v);
    out.push_back('\n');
    return true;
  });
  return out;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = (std::filesystem::temp_directory_path() / ("shinrai-test-" + std::to_string(rd()) + std::to_string(rd())))
              .string();
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

}  // namespace shinrai::testing
