#include "core/env.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>

namespace shinrai {

namespace {

class SystemEnv : public Env {
 public:
  int64_t NowMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  uint64_t Random64() override {
    std::lock_guard<std::mutex> lock(mu_);
    return rng_();
  }

 private:
  std::mutex mu_;
  std::mt19937_64 rng_{std::random_device{}() ^ (uint64_t{std::random_device{}()} << 32)};
};

}  // namespace

std::string Env::NewId() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    uint64_t r = Random64();
    for (int i = 0; i < 16; ++i) {
      id[half * 16 + i] = kHex[r & 0xf];
      r >>= 4;
    }
  }
  return id;
}

Env* Env::Default() {
  static SystemEnv* env = new SystemEnv();
  return env;
}

struct FakeEnv::State {
  std::atomic<int64_t> now;
  std::mutex mu;
  std::mt19937_64 rng;
};

FakeEnv::FakeEnv(int64_t start_micros, uint64_t seed) : state_(std::make_shared<State>()) {
  state_->now = start_micros;
  state_->rng.seed(seed);
}
int64_t FakeEnv::NowMicros() { return state_->now.load(); }
uint64_t FakeEnv::Random64() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->rng();
}
void FakeEnv::Advance(int64_t micros) { state_->now += micros; }
void FakeEnv::Set(int64_t micros) { state_->now = micros; }

}  // namespace shinrai
