// The evaluation splits of research/peer-baseline.md §3, bit for bit:
// random80 (implicit's train_test_split: one PCG64 draw per non-zero in CSR
// order) and lastout (each user's latest interaction, ties to the larger item).
#pragma once

#include <cstdint>

#include "recs/csr.h"

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

struct Split {
  Csr train;
  Csr test;
  std::vector<int64_t> train_times;  // when times were given
  std::vector<int64_t> test_times;   // leave-last-out only: aligned with test's entries
};

// Entry k goes to train when the k-th draw is below train_share. With
// `times` (one per entry of m), train_times follows the train entries.
Split SplitRandom(const Csr& m, Pcg64 rng, double train_share = 0.8, const std::vector<int64_t>* times = nullptr);
// Users with >= 2 interactions give their latest one to test.
Split SplitLeaveLastOut(const Csr& m, const std::vector<int64_t>& times);
// Leave-last-out replayed on each person's history as it stood before the
// moment `outer` held out (their training entries strictly earlier than the
// test entry; people without one keep everything). The test's other entries
// at that same moment (the rest of a basket sharing one date) are left out,
// so the validation target is, like the test's, the latest entry of a whole
// moment with the rest of that moment in the history.
Split SplitLeaveLastOutBefore(const Split& outer);

struct Fingerprint {
  int64_t train_nnz = 0;
  int64_t test_nnz = 0;
  int64_t test_users = 0;
  int64_t sum_u = 0;
  int64_t sum_i = 0;
};
Fingerprint FingerprintOf(const Split& s);

}  // namespace shinrai::recs
