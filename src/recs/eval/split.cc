#include "recs/eval/split.h"

#include <algorithm>

namespace shinrai::recs {
namespace {

void Push(Csr* m, int32_t col, float v) {
  m->indices.push_back(col);
  m->values.push_back(v);
}

// The random tie order: a hash of (person, item), so a replay on the same
// matrix orders them the same.
uint64_t TieKey(int32_t u, int32_t item) {
  return SplitMix64((static_cast<uint64_t>(static_cast<uint32_t>(u)) << 32) | static_cast<uint32_t>(item));
}

// Appends entry k's earlier times (when `from` holds any) to `to`.
void Carry(const EarlierTimes* from, int64_t k, EarlierTimes* to) {
  if (from && !from->empty()) to->Append(from->Of(k));
}

}  // namespace

Split SplitRandom(const Csr& m, Pcg64 rng, double train_share, const std::vector<int64_t>* times,
                  const EarlierTimes* earlier) {
  Split s;
  s.train.rows = s.test.rows = m.rows;
  s.train.cols = s.test.cols = m.cols;
  for (int32_t u = 0; u < m.rows; ++u) {
    for (int64_t k = m.indptr[u]; k < m.indptr[u + 1]; ++k) {
      const bool to_train = rng.NextDouble() < train_share;
      Push(to_train ? &s.train : &s.test, m.indices[k], m.values[k]);
      if (to_train && times && !times->empty()) s.train_times.push_back((*times)[k]);
      if (to_train) Carry(earlier, k, &s.train_earlier);
    }
    s.train.indptr.push_back(s.train.nnz());
    s.test.indptr.push_back(s.test.nnz());
  }
  return s;
}

Split SplitLeaveLastOut(const Csr& m, const std::vector<int64_t>& times, const EarlierTimes* earlier, Ties ties) {
  Split s;
  s.ties = ties;
  s.train.rows = s.test.rows = m.rows;
  s.train.cols = s.test.cols = m.cols;
  for (int32_t u = 0; u < m.rows; ++u) {
    int64_t begin = m.indptr[u], end = m.indptr[u + 1];
    int64_t last = -1;
    if (end - begin >= 2) {
      last = begin;
      // Indices ascend within a row, so ">=" makes ties go to the larger item.
      for (int64_t k = begin; k < end; ++k) {
        if (times[k] > times[last]) last = k;
        else if (times[k] == times[last] &&
                 (ties == Ties::kLargestIndex || TieKey(u, m.indices[k]) >= TieKey(u, m.indices[last])))
          last = k;
      }
    }
    for (int64_t k = begin; k < end; ++k) {
      if (k == last) {
        Push(&s.test, m.indices[k], m.values[k]);
        s.test_times.push_back(times[k]);
        continue;
      }
      Push(&s.train, m.indices[k], m.values[k]);
      s.train_times.push_back(times[k]);
      Carry(earlier, k, &s.train_earlier);
    }
    s.train.indptr.push_back(s.train.nnz());
    s.test.indptr.push_back(s.test.nnz());
  }
  return s;
}

Split SplitLeaveLastOutBefore(const Split& outer) {
  Csr history;
  history.rows = outer.train.rows;
  history.cols = outer.train.cols;
  std::vector<int64_t> times;
  const bool repeats = !outer.train_earlier.empty();
  EarlierTimes earlier;
  for (int32_t u = 0; u < outer.train.rows; ++u) {
    const int64_t test_at = outer.test.indptr[u];
    const bool held_out = outer.test.indptr[u + 1] > test_at;
    for (int64_t k = outer.train.indptr[u]; k < outer.train.indptr[u + 1]; ++k) {
      std::span<const int64_t> before = repeats ? outer.train_earlier.Of(k) : std::span<const int64_t>();
      int64_t at = outer.train_times[k];
      if (held_out && at >= outer.test_times[test_at]) {
        // As recorded before the test's moment: its latest purchase before it, if any.
        const auto cut = std::lower_bound(before.begin(), before.end(), outer.test_times[test_at]);
        if (cut == before.begin()) continue;
        at = *(cut - 1);
        before = before.first(static_cast<size_t>(cut - 1 - before.begin()));
      }
      Push(&history, outer.train.indices[k], outer.train.values[k]);
      times.push_back(at);
      if (repeats) earlier.Append(before);
    }
    history.indptr.push_back(history.nnz());
  }
  return SplitLeaveLastOut(history, times, repeats ? &earlier : nullptr, outer.ties);
}

Csr CountRepeats(const Split& s) {
  Csr counted = s.train;
  if (s.train_earlier.empty()) return counted;
  for (int64_t k = 0; k < counted.nnz(); ++k)
    counted.values[static_cast<size_t>(k)] = static_cast<float>(1 + s.train_earlier.Of(k).size());
  return counted;
}

Fingerprint FingerprintOf(const Split& s) {
  Fingerprint f;
  f.train_nnz = s.train.nnz();
  f.test_nnz = s.test.nnz();
  for (int32_t u = 0; u < s.test.rows; ++u) {
    auto row = s.test.Row(u);
    if (!row.empty()) ++f.test_users;
    for (int32_t i : row) {
      f.sum_u += u;
      f.sum_i += i;
    }
  }
  return f;
}

}  // namespace shinrai::recs
