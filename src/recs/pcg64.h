// The random numbers the evaluation protocol and the models draw: NumPy's
// PCG64, so that a split is bit for bit the one implicit's tooling makes,
// and SplitMix64 for derived seeds and stable hashes.
#pragma once

#include <cstdint>

namespace shinrai::recs {

// NumPy's PCG64 (XSL-RR 128/64), from an explicit 128-bit state and increment.
class Pcg64 {
 public:
  Pcg64(unsigned __int128 state, unsigned __int128 inc) : state_(state), inc_(inc) {}
  // The state numpy.random.default_rng(42) starts from.
  static Pcg64 NumpyDefaultRng42();
  // Any other seed: a SplitMix-derived state (not NumPy's SeedSequence).
  static Pcg64 FromSeed(uint64_t seed);
  uint64_t NextU64();
  double NextDouble() { return static_cast<double>(NextU64() >> 11) * 0x1.0p-53; }

 private:
  unsigned __int128 state_;
  unsigned __int128 inc_;
};

// SplitMix64's step: the next output after state `x`.
uint64_t SplitMix64(uint64_t x);

}  // namespace shinrai::recs
