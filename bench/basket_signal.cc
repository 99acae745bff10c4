// Is there anything to personalize? Measures whether a dataset's items go
// together more than their popularity alone explains, two ways, each against
// a permutation null (issue #4: on Groceries no model beats popularity beyond
// noise once the split's tie rule is out of the way; this says why):
//   within:  items bought in one basket (one person, one time), against the
//            same baskets refilled with the item occurrences shuffled;
//   across:  items a person bought at different times, against the same
//            baskets dealt out to people at random (each keeps their count).
// The statistic is the mean Pearson χ² per item pair, (O − E)² / E over the
// pairs expected at least 5 times, E from the items' basket counts: about 1
// when items are independent, whatever the catalogue. z is its distance from
// the null's mean in null standard deviations. Prints one JSON object.
//
//   build-bench/bench/basket_signal csv PATH USER_COL ITEM_COL TIME_COL [permutations]
//   build-bench/bench/basket_signal movielens PATH [permutations]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "recs/eval/dataset_files.h"

namespace shinrai::recs {
namespace {

struct Baskets {
  int32_t items = 0;
  std::vector<std::vector<int32_t>> members;  // items per basket, ascending
  std::vector<int32_t> owner;                 // person per basket
};

// A basket is everything one person bought at one time, repeated purchases
// included (the protocol's matrix keeps a pair once; its earlier times say
// which other baskets held it).
Baskets BasketsOf(const Dataset& d) {
  std::map<std::pair<int32_t, int64_t>, std::vector<int32_t>> by_moment;
  for (int32_t u = 0; u < d.matrix.rows; ++u) {
    for (int64_t k = d.matrix.indptr[u]; k < d.matrix.indptr[u + 1]; ++k) {
      const int32_t item = d.matrix.indices[static_cast<size_t>(k)];
      by_moment[{u, d.times[static_cast<size_t>(k)]}].push_back(item);
      for (int64_t t : d.earlier.Of(k)) by_moment[{u, t}].push_back(item);
    }
  }
  Baskets b;
  b.items = d.matrix.cols;
  for (auto& [moment, items] : by_moment) {
    std::sort(items.begin(), items.end());
    b.members.push_back(std::move(items));
    b.owner.push_back(moment.first);
  }
  return b;
}

std::vector<double> BasketCounts(const Baskets& b) {
  std::vector<double> f(static_cast<size_t>(b.items), 0);
  for (const auto& items : b.members)
    for (int32_t i : items) f[static_cast<size_t>(i)] += 1;
  return f;
}

// Mean (O − E)² / E over off-diagonal pairs with E ≥ 5; NaN when none are.
double Dispersion(const std::vector<double>& observed, const std::vector<double>& counts) {
  const size_t n = counts.size();
  double total = 0, norm = 0, sum = 0;
  for (size_t a = 0; a < n; ++a)
    for (size_t c = 0; c < n; ++c)
      if (a != c) {
        total += observed[a * n + c];
        norm += counts[a] * counts[c];
      }
  int64_t cells = 0;
  for (size_t a = 0; a < n; ++a)
    for (size_t c = 0; c < n; ++c) {
      if (a == c) continue;
      const double e = counts[a] * counts[c] / norm * total;
      if (e < 5) continue;
      const double diff = observed[a * n + c] - e;
      sum += diff * diff / e;
      ++cells;
    }
  return cells ? sum / static_cast<double>(cells) : std::nan("");
}

double Within(const Baskets& b) {
  const size_t n = static_cast<size_t>(b.items);
  std::vector<double> o(n * n, 0);
  for (const auto& items : b.members)
    for (int32_t a : items)
      for (int32_t c : items) o[static_cast<size_t>(a) * n + static_cast<size_t>(c)] += 1;
  return Dispersion(o, BasketCounts(b));
}

double Across(const Baskets& b) {
  const size_t n = static_cast<size_t>(b.items);
  std::vector<std::vector<size_t>> of_person;
  for (size_t k = 0; k < b.owner.size(); ++k) {
    const auto p = static_cast<size_t>(b.owner[k]);
    if (p >= of_person.size()) of_person.resize(p + 1);
    of_person[p].push_back(k);
  }
  std::vector<double> o(n * n, 0);
  for (const auto& baskets : of_person)
    for (size_t x : baskets)
      for (size_t y : baskets) {
        if (x == y) continue;
        for (int32_t a : b.members[x])
          for (int32_t c : b.members[y]) o[static_cast<size_t>(a) * n + static_cast<size_t>(c)] += 1;
      }
  return Dispersion(o, BasketCounts(b));
}

// The same basket sizes filled from the shuffled pool of item occurrences (a
// basket drawing one item twice keeps it once, as a basket would).
Baskets ShuffledItems(const Baskets& b, std::mt19937_64& rng) {
  std::vector<int32_t> pool;
  for (const auto& items : b.members) pool.insert(pool.end(), items.begin(), items.end());
  std::shuffle(pool.begin(), pool.end(), rng);
  Baskets out = b;
  size_t next = 0;
  for (auto& items : out.members) {
    for (auto& item : items) item = pool[next++];
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
  }
  return out;
}

Baskets ShuffledOwners(const Baskets& b, std::mt19937_64& rng) {
  Baskets out = b;
  std::shuffle(out.owner.begin(), out.owner.end(), rng);
  return out;
}

template <typename Shuffle, typename Statistic>
nlohmann::json Test(const Baskets& b, int permutations, Shuffle shuffle, Statistic statistic) {
  std::mt19937_64 rng(42);
  const double observed = statistic(b);
  double sum = 0, sum_sq = 0;
  for (int p = 0; p < permutations; ++p) {
    const double s = statistic(shuffle(b, rng));
    sum += s;
    sum_sq += s * s;
  }
  const double mean = sum / permutations;
  const double sd = std::sqrt(std::max(0.0, sum_sq / permutations - mean * mean));
  return {{"dispersion", observed},
          {"null_mean", mean},
          {"null_sd", sd},
          {"z", sd > 0 ? (observed - mean) / sd : std::nan("")}};
}

int Usage() {
  std::fprintf(stderr,
               "usage: basket_signal csv PATH USER_COL ITEM_COL TIME_COL [permutations]\n"
               "       basket_signal movielens PATH [permutations]\n");
  return 2;
}

int Run(int argc, char** argv) {
  if (argc < 3) return Usage();
  const std::string format = argv[1];
  ReadOptions options;
  options.keep_earlier_times = true;
  const bool csv = format == "csv" && argc >= 6;
  if (!csv && format != "movielens") return Usage();
  const int next = csv ? 6 : 3;
  Result<Dataset> data =
      csv ? ReadCsv(argv[2], {argv[3], argv[4], argv[5], ""}, options) : ReadMovieLens(argv[2], options);
  if (!data.ok()) {
    std::fprintf(stderr, "basket_signal: %s\n", data.status().message().c_str());
    return 1;
  }
  const int permutations = argc > next ? std::atoi(argv[next]) : 20;
  if (permutations < 2) {
    std::fprintf(stderr, "basket_signal: permutations must be at least 2\n");
    return 2;
  }
  if (data->matrix.cols > 4000) {
    std::fprintf(stderr, "basket_signal: %d items; the pair table is sized for catalogues of at most 4,000\n",
                 data->matrix.cols);
    return 1;
  }
  const Baskets baskets = BasketsOf(*data);
  double sizes = 0;
  for (const auto& items : baskets.members) sizes += static_cast<double>(items.size());
  nlohmann::json out = {
      {"dataset", argv[2]},
      {"people", data->matrix.rows},
      {"items", data->matrix.cols},
      {"baskets", baskets.members.size()},
      {"mean_basket_size", sizes / static_cast<double>(baskets.members.size())},
      {"permutations", permutations},
      {"within_basket", Test(baskets, permutations, ShuffledItems, Within)},
      {"across_baskets_of_a_person", Test(baskets, permutations, ShuffledOwners, Across)},
  };
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace
}  // namespace shinrai::recs

int main(int argc, char** argv) { return shinrai::recs::Run(argc, argv); }
