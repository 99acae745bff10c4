// Micro benchmark of the collection pipeline without HTTP: parse, minimise,
// resolve identity, stage and commit (RocksDB, synced WAL).
//   build-bench/bench/collect_bench --benchmark_min_time=3
#include <benchmark/benchmark.h>

#include <future>

#include "store/store.h"
#include "testing/collect_fixture.h"

namespace shinrai {
namespace {

std::string Batch(int n, int64_t* counter, int users) {
  std::string body = R"({"batch":[)";
  for (int i = 0; i < n; ++i) {
    const int64_t c = (*counter)++;
    if (i) body += ",";
    body += R"({"type":"track","userId":"bench-user-)" + std::to_string(c % users) + R"(","messageId":"m-)" +
            std::to_string(c) + R"(","event":"Product Viewed","properties":{"product_id":"sku-)" +
            std::to_string(c % 5000) +
            R"(","price":12.5,"category":"coffee"},"context":{"library":{"name":"analytics-node","version":"2.0"}},"timestamp":"2026-11-24T10:00:00.000Z"})";
  }
  return body + "]}";
}

void BM_CollectBatch(benchmark::State& state) {
  testing::TempDir dir;
  store::RocksOptions o;
  o.path = dir.path() + "/db";
  testing::CollectFixture f(testing::ExampleConfig(), std::move(store::OpenRocksStore(o)).value());
  int64_t counter = 0;
  const int per_batch = static_cast<int>(state.range(0));
  // Keep several requests in flight, as concurrent clients do, so group
  // commit can work.
  std::vector<std::future<void>> inflight;
  for (auto _ : state) {
    state.PauseTiming();
    std::string body = Batch(per_batch, &counter, 10000);
    state.ResumeTiming();
    auto p = std::make_shared<std::promise<void>>();
    inflight.push_back(p->get_future());
    service::Credentials c;
    c.basic_user = "demo-write-key";
    f.collect().Collect(c, std::nullopt, body, false, [p](Result<service::CollectReport> r) {
      if (!r.ok()) std::abort();
      p->set_value();
    });
    if (inflight.size() >= 32) {
      for (auto& x : inflight) x.get();
      inflight.clear();
    }
  }
  for (auto& x : inflight) x.get();
  state.SetItemsProcessed(state.iterations() * per_batch);
}
BENCHMARK(BM_CollectBatch)->Arg(1)->Arg(100)->UseRealTime();

}  // namespace
}  // namespace shinrai

BENCHMARK_MAIN();
