#include "testing/secure_stack.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "testing/collect_fixture.h"
#include "testing/postgres_fixture.h"

namespace shinrai::testing {

SecureStack::SecureStack(const std::string& dir, bool encrypt) : config_(ExampleConfig()) {
  config_.security.encrypt_at_rest = encrypt;
  if (TestsWantPostgres()) {
    // People's records in the test cluster; keys, logs and models stay in `dir`.
    auto url = TestPostgresUrlFor(FindTestPostgres(), dir);
    if (!url.ok()) throw std::runtime_error("SHINRAI_TEST_STORE=postgres: " + url.status().ToString());
    config_.store = *url;
  }
  auto opened = app::OpenData(dir, config_);
  if (!opened.ok()) throw std::runtime_error(opened.status().ToString());
  data_ = std::make_unique<app::OpenedData>(std::move(*opened));
  auto log = audit::FileAuditLog::Open(data_->paths.audit_dir, &env_);
  if (!log.ok()) throw std::runtime_error(log.status().ToString());
  audit_ = std::move(*log);
  access_ = std::make_unique<service::Access>(config_.keys, data_->paths.api_keys_file, 1e9, &env_);
  // The server's own wiring (app/services.h), with the fake clock.
  services_ = std::make_unique<app::Services>(app::DepsFor(*data_, config_, *audit_, *access_, &env_, dir + "/models"));
  if (auto loaded = services_->Load(); !loaded.ok()) throw std::runtime_error(loaded.status().ToString());
}

SecureStack::~SecureStack() { services_.reset(); }

Result<service::CollectReport> SecureStack::Send(std::optional<profile::CallType> endpoint, const std::string& body) {
  std::promise<Result<service::CollectReport>> p;
  service::Credentials c;
  c.basic_user = "demo-write-key";
  services_->collect.Collect(c, endpoint, body, false, [&p](Result<service::CollectReport> r) { p.set_value(std::move(r)); });
  return p.get_future().get();
}

void SecureStack::SendAll(const std::vector<std::string>& bodies, size_t in_flight) {
  std::vector<std::future<void>> pending;
  for (const auto& body : bodies) {
    auto p = std::make_shared<std::promise<void>>();
    pending.push_back(p->get_future());
    service::Credentials c;
    c.basic_user = "demo-write-key";
    services_->collect.Collect(c, std::nullopt, body, false, [p](Result<service::CollectReport> r) {
      if (!r.ok()) {
        std::fprintf(stderr, "collection failed: %s\n", r.status().ToString().c_str());
        std::abort();
      }
      p->set_value();
    });
    if (pending.size() >= in_flight) {
      for (auto& x : pending) x.get();
      pending.clear();
    }
  }
  for (auto& x : pending) x.get();
}

service::Principal SecureStack::Officer() const {
  service::Credentials c;
  c.bearer_token = "demo-privacy-officer-key";
  return *access_->Authenticate(c);
}

service::Principal SecureStack::Admin() const {
  service::Credentials c;
  c.bearer_token = "demo-admin-key";
  return *access_->Authenticate(c);
}

Result<nlohmann::json> SecureStack::Request(const nlohmann::json& body) {
  return services_->rights.Create(Officer(), body.dump());
}

void SecureStack::FlushToDisk() {
  (void)services_->writer.Flush();
  (void)data_->store->CompactPrefix("");
  (void)audit_->Flush();
}

std::string ReadAllFiles(const std::string& dir) {
  std::string all;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    all += text.str();
    all.push_back('\n');
  }
  return all;
}

}  // namespace shinrai::testing
