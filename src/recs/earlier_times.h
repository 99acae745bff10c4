// The earlier purchases of repeated pairs. The evaluation protocol counts a
// repeated (person, item) pair once, at its latest time; these are its times
// before that, which a validation replayed on an earlier moment needs: the
// dataset as it stood then held the pair at its purchase before that moment.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace shinrai::recs {

// Entry k's earlier times are times[start[k], start[k + 1]), ascending and
// distinct. Empty (no start) when the dataset did not keep them.
struct EarlierTimes {
  std::vector<int64_t> start;
  std::vector<int64_t> times;

  bool empty() const { return start.empty(); }
  bool any_repeat() const { return !times.empty(); }
  // Adds the next entry's earlier times.
  void Append(std::span<const int64_t> before) {
    if (start.empty()) start.push_back(0);
    times.insert(times.end(), before.begin(), before.end());
    start.push_back(static_cast<int64_t>(times.size()));
  }
  std::span<const int64_t> Of(int64_t k) const {
    return {times.data() + start[static_cast<size_t>(k)], times.data() + start[static_cast<size_t>(k) + 1]};
  }
};

}  // namespace shinrai::recs
