// The cost of security, measured (issue #5): collection throughput with
// encryption at rest on and off in one run, erasure time per subject, and
// master key rotation time per million subjects. Prints one JSON object.
//
//   cmake -S . -B build-bench -DSHINRAI_BUILD_BENCH=ON && ninja -C build-bench security_bench
//   build-bench/bench/security_bench [events_per_run] [erasures] [rotation_subjects]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crypto/key_vault.h"
#include "store/store.h"
#include "testing/collect_fixture.h"
#include "testing/secure_stack.h"

namespace shinrai {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string Batch(int n, int64_t* counter, int users) {
  std::string body = R"({"batch":[)";
  for (int i = 0; i < n; ++i) {
    const int64_t c = (*counter)++;
    if (i) body += ",";
    const std::string user = std::to_string(c % users);
    body += R"({"type":"identify","userId":"bench-user-)" + user + R"(","messageId":"i-)" + std::to_string(c) +
            R"(","traits":{"email":"bench.user.)" + user + R"(@example.com","first_name":"Name)" + user +
            R"("}},{"type":"track","userId":"bench-user-)" + user + R"(","messageId":"m-)" + std::to_string(c) +
            R"(","event":"Product Viewed","properties":{"product_id":"sku-)" + std::to_string(c % 5000) +
            R"(","price":12.5,"category":"coffee"},"timestamp":"2026-11-24T10:00:00.000Z"})";
  }
  return body + "]}";
}

// Events per second through collection (parse, minimise, resolve, seal, commit).
double CollectRate(bool encrypt, int64_t events) {
  testing::TempDir dir;
  testing::SecureStack s(dir.path(), encrypt);
  int64_t counter = 0;
  const int per_batch = 50;  // 50 identify + 50 track calls per request
  std::vector<std::string> bodies;
  for (int64_t i = 0; i < events / (2 * per_batch); ++i) bodies.push_back(Batch(per_batch, &counter, 20000));
  const auto start = Clock::now();
  s.SendAll(bodies);
  return static_cast<double>(bodies.size() * 2 * per_batch) / Since(start);
}

nlohmann::json Erasures(int people, int erasures) {
  testing::TempDir dir;
  testing::SecureStack s(dir.path());
  int64_t counter = 0;
  for (int i = 0; i < people * 5 / 50; ++i) {
    if (!s.Send(std::nullopt, Batch(50, &counter, people)).ok()) std::abort();
  }
  s.FlushToDisk();
  std::vector<double> ms;
  for (int i = 0; i < erasures; ++i) {
    const auto start = Clock::now();
    auto r = s.Request({{"type", "erasure"}, {"subject", "bench-user-" + std::to_string(i * 7 % people)}});
    if (!r.ok() || (*r)["status"] != "completed") std::abort();
    ms.push_back(Since(start) * 1000);
  }
  std::sort(ms.begin(), ms.end());
  return {{"people", people}, {"events_each", 10}, {"erasures", erasures}, {"p50_ms", ms[ms.size() / 2]},
          {"p99_ms", ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]}, {"max_ms", ms.back()}};
}

nlohmann::json Rotation(int64_t subjects) {
  testing::TempDir dir;
  store::RocksOptions o;
  o.path = dir.path() + "/vault";
  o.compress = false;
  auto vs = std::move(store::OpenRocksStore(o)).value();
  auto vault = std::move(crypto::KeyVault::Open(vs.get(), crypto::SecretKey::Random())).value();
  const auto fill = Clock::now();
  std::vector<std::string> batch;
  for (int64_t i = 0; i < subjects; ++i) {
    batch.push_back("subject-" + std::to_string(i));
    if (batch.size() == 10000 || i + 1 == subjects) {
      if (!vault->FindOrCreate(batch).ok()) std::abort();
      batch.clear();
    }
  }
  const double fill_s = Since(fill);
  auto report = vault->Rotate(crypto::SecretKey::Random());
  if (!report.ok()) std::abort();
  return {{"subjects", report->subject_keys}, {"rotate_seconds", report->seconds},
          {"seconds_per_million", report->seconds * 1e6 / static_cast<double>(subjects)},
          {"key_creation_seconds", fill_s}};
}

long PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

}  // namespace
}  // namespace shinrai

int main(int argc, char** argv) {
  using namespace shinrai;
  const int64_t events = argc > 1 ? std::stoll(argv[1]) : 200'000;
  const int erasures = argc > 2 ? std::stoi(argv[2]) : 200;
  const int64_t rotation = argc > 3 ? std::stoll(argv[3]) : 1'000'000;
  if (!crypto::InitCrypto().ok()) return 1;
  // Alternate the modes so that warm-up and disk state favour neither.
  std::vector<double> off, on;
  for (int round = 0; round < 3; ++round) {
    off.push_back(CollectRate(false, events));
    on.push_back(CollectRate(true, events));
  }
  std::sort(off.begin(), off.end());
  std::sort(on.begin(), on.end());
  nlohmann::json out = {
      {"collection", {{"events_per_run", events},
                      {"encryption_off_events_per_s", off[1]},
                      {"encryption_on_events_per_s", on[1]},
                      {"cost_percent", 100.0 * (off[1] - on[1]) / off[1]},
                      {"runs_off", off},
                      {"runs_on", on}}},
      {"erasure", Erasures(2000, erasures)},
      {"rotation", Rotation(rotation)},
      {"peak_rss_mib", PeakRssKb() / 1024}};
  std::puts(out.dump(2).c_str());
  return 0;
}
