// The evaluation splits of research/peer-baseline.md §3, bit for bit:
// random80 (implicit's train_test_split: one PCG64 draw per non-zero in CSR
// order) and lastout (each user's latest interaction, ties to the larger item).
#pragma once

#include <cstdint>

#include "recs/csr.h"
#include "recs/pcg64.h"
#include "recs/earlier_times.h"

namespace shinrai::recs {

// How leave-last-out picks among a person's entries at their latest time.
enum class Ties {
  kLargestIndex,  // the peer's rule
  // A fixed pseudo-random order of each person's items, the same in every
  // replay. Where times are dates, the peer's rule holds out each last
  // basket's alphabetically last item (Groceries: whole milk for 18 % of
  // people), and the comparison ranks models on that one item.
  kRandom,
};

struct Split {
  Csr train;
  Csr test;
  std::vector<int64_t> train_times;  // when times were given
  std::vector<int64_t> test_times;   // leave-last-out only: aligned with test's entries
  EarlierTimes train_earlier;        // leave-last-out with repeated purchases known: aligned with train's entries
  Ties ties = Ties::kLargestIndex;   // leave-last-out: how it was cut (its replays cut the same way)
};

// Entry k goes to train when the k-th draw is below train_share. With
// `times` and `earlier` (one per entry of m), train_times and train_earlier
// follow the train entries.
Split SplitRandom(const Csr& m, Pcg64 rng, double train_share = 0.8, const std::vector<int64_t>* times = nullptr,
                  const EarlierTimes* earlier = nullptr);
// Users with >= 2 interactions give their latest one to test. `earlier`
// (aligned with m's entries) follows the train entries; a test entry's are
// dropped with it.
Split SplitLeaveLastOut(const Csr& m, const std::vector<int64_t>& times, const EarlierTimes* earlier = nullptr,
                        Ties ties = Ties::kLargestIndex);
// Leave-last-out replayed on each person's history as it stood before the
// moment `outer` held out (their training entries strictly earlier than the
// test entry; people without one keep everything). The test's other entries
// at that same moment (the rest of a basket sharing one date) are left out,
// so the validation target is, like the test's, the latest entry of a whole
// moment with the rest of that moment in the history. A pair also bought
// before that moment (outer.train_earlier) stays, at its latest purchase
// before it, as the dataset recorded it then: otherwise the earlier
// baskets lose every item bought again later, and validation drifts from
// the test, whose last basket is whole.
Split SplitLeaveLastOutBefore(const Split& outer);

// The training part with each entry's value the number of times its pair
// was recorded (distinct times, from train_earlier): how often a person
// bought an item, where the protocol's matrix says only that they did.
Csr CountRepeats(const Split& s);

struct Fingerprint {
  int64_t train_nnz = 0;
  int64_t test_nnz = 0;
  int64_t test_users = 0;
  int64_t sum_u = 0;
  int64_t sum_i = 0;
};
Fingerprint FingerprintOf(const Split& s);

}  // namespace shinrai::recs
