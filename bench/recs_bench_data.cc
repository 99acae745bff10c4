// Builds a data directory for the recommendation serving benchmark
// (bench/recs_serve.sh): a synthetic catalogue of N items in 50 categories,
// U consenting shoppers with E views and purchases each (item popularity
// follows a Zipf law, as in real shops), and a trained model.
//
//   build-bench/bench/recs_bench_data DIR ITEMS USERS EVENTS_PER_USER
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <future>
#include <random>
#include <string>

#include "testing/secure_stack.h"

int main(int argc, char** argv) {
  using namespace shinrai;
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s DIR ITEMS USERS EVENTS_PER_USER\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int items = std::stoi(argv[2]);
  const int users = std::stoi(argv[3]);
  const int per_user = std::stoi(argv[4]);
  const auto t0 = std::chrono::steady_clock::now();
  testing::SecureStack s(dir);
  // Real time: the server's retention job would otherwise find every event years old.
  s.env().Set(Env::Default()->NowMicros());

  std::vector<service::ItemInfo> catalogue;
  std::mt19937_64 rng(7);
  for (int i = 0; i < items; ++i) {
    service::ItemInfo it;
    it.id = "item-" + std::to_string(i);
    it.name = "Item " + std::to_string(i);
    it.category = "category-" + std::to_string(i % 50);
    it.repurchasable = i % 10 == 0;
    it.in_stock = i % 97 != 5;
    catalogue.push_back(std::move(it));
  }
  if (!s.recs().catalog().Upsert(s.store(), std::move(catalogue)).ok()) return 1;

  // Zipf(1.0) over items through the inverse of its cumulative weights.
  std::vector<double> cumulative(items);
  double total = 0;
  for (int i = 0; i < items; ++i) cumulative[i] = total += 1.0 / (i + 1);
  std::uniform_real_distribution<double> u(0, total);
  auto pick = [&] {
    return static_cast<int>(std::lower_bound(cumulative.begin(), cumulative.end(), u(rng)) - cumulative.begin());
  };
  std::vector<std::string> bodies;
  for (int user = 0; user < users; ++user) {
    std::string body = R"({"batch":[{"type":"identify","userId":"bench-user-)" + std::to_string(user) +
                       R"(","context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true}}}})";
    for (int e = 0; e < per_user; ++e) {
      const std::string item = "item-" + std::to_string(pick());
      if (e % 5 == 4) {
        body += R"(,{"type":"track","userId":"bench-user-)" + std::to_string(user) +
                R"(","event":"Order Completed","properties":{"order_id":"o)" + std::to_string(user) + "-" +
                std::to_string(e) + R"(","total":10,"products":[{"product_id":")" + item + R"(","price":10}]},"context":{"channel":"web"}})";
      } else {
        body += R"(,{"type":"track","userId":"bench-user-)" + std::to_string(user) +
                R"(","event":"Product Viewed","properties":{"product_id":")" + item + R"("},"context":{"channel":"web"}})";
      }
    }
    body += "]}";
    bodies.push_back(std::move(body));
  }
  s.SendAll(bodies, 64);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // A key-vault read straight after the load (20,000 subject keys in random
  // order, from the store, past the vault's cache): what training and serving
  // pay per person before the vault's memtable is flushed.
  std::vector<std::string> vault_keys;
  store::ScanOptions subject_keys;
  subject_keys.prefix = "sk/";
  if (!s.data().vault_store->Scan(subject_keys, [&](std::string_view k, std::string_view) {
        vault_keys.emplace_back(k);
        return true;
      }).ok())
    return 1;
  std::shuffle(vault_keys.begin(), vault_keys.end(), rng);
  vault_keys.resize(std::min<size_t>(vault_keys.size(), 20'000));
  const auto vault_start = std::chrono::steady_clock::now();
  for (const std::string& k : vault_keys)
    if (!s.data().vault_store->Get(k).ok()) return 1;
  const double vault_us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - vault_start).count() /
                          static_cast<double>(std::max<size_t>(vault_keys.size(), 1));
  auto trained = s.recs().Train();
  if (!trained.ok()) {
    std::fprintf(stderr, "training failed: %s\n", trained.status().ToString().c_str());
    return 1;
  }
  // In-process cost of one recommendation (no HTTP), single thread: once with
  // every history read from the store, once with the histories cached (the
  // first 20,000 shoppers: the cache holds 50,000 people).
  service::RecommendRequest req;
  const int timed = std::min(users, 20'000);
  auto serve_all = [&]() -> double {
    const auto start = std::chrono::steady_clock::now();
    for (int user = 0; user < timed; ++user) {
      if (!s.recs().Recommend(s.Admin(), "bench-user-" + std::to_string(user), req).ok()) std::abort();
    }
    return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / timed;
  };
  const double cold = serve_all();
  const double warm = serve_all();
  std::printf("{\"in_process_us_per_recommendation\":{\"history_read\":%.1f,\"history_cached\":%.1f}}\n", cold, warm);
  std::printf("{\"items\":%d,\"users\":%d,\"events\":%lld,\"load_seconds\":%.1f,\"vault_read_us\":%.1f,"
              "\"train_seconds\":%.1f,\"model_items\":%lld,\"interactions\":%lld}\n",
              items, users, static_cast<long long>(users) * (per_user + 1), load_s, vault_us, trained->seconds,
              static_cast<long long>(trained->items), static_cast<long long>(trained->interactions));
  return 0;
}
