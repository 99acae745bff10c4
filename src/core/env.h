// Env: the process's window on time and randomness.
//
// Everything that reads the clock or draws random numbers goes through an
// Env, so tests can inject a fake clock (consent expiry, retention) and a
// seeded generator (ids, ALS initialisation) and get repeatable results.
//
// Thread-safety: implementations are safe for concurrent use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace shinrai {

class Env {
 public:
  virtual ~Env() = default;
  // Microseconds since the Unix epoch, UTC.
  virtual int64_t NowMicros() = 0;
  // Uniformly random 64 bits.
  virtual uint64_t Random64() = 0;

  int64_t NowMillis() { return NowMicros() / 1000; }
  // A fresh 128-bit identifier as 32 lower-case hex digits.
  std::string NewId();

  // The real clock and a cryptographically seeded generator. Never null.
  static Env* Default();
};

// A deterministic Env for tests: time moves only when told to.
class FakeEnv : public Env {
 public:
  explicit FakeEnv(int64_t start_micros = 1'700'000'000'000'000, uint64_t seed = 42);
  int64_t NowMicros() override;
  uint64_t Random64() override;
  void Advance(int64_t micros);
  void Set(int64_t micros);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace shinrai
