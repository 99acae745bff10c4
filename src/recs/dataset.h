// Interaction datasets as the models train on them (the readers of dataset
// files are in eval/dataset_files.h): the binary user × item matrix the
// evaluation protocol of research/peer-baseline.md defines, which the
// server's trainer builds the same way:
// ids indexed in ascending order (numeric when every id is an integer, else
// byte-wise), a repeated (user, item) pair counted once at its latest time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "recs/csr.h"
#include "recs/earlier_times.h"

namespace shinrai::recs {

struct RawInteraction {
  std::string user;
  std::string item;
  double weight = 1.0;
  int64_t time = 0;
};

struct Dataset {
  Csr matrix;                      // binary (1.0 per distinct pair), or weights summed when asked
  std::vector<int64_t> times;      // per non-zero: latest time of the pair
  EarlierTimes earlier;            // per non-zero: its times before that (when asked)
  std::vector<std::string> users;  // index -> raw id
  std::vector<std::string> items;
  int64_t rows_read = 0;
};

struct ReadOptions {
  std::optional<double> min_weight;  // keep rows whose weight is at least this (e.g. ratings >= 4)
  bool use_weights = false;          // matrix holds summed weights instead of 1.0
  bool keep_earlier_times = false;   // Dataset::earlier (for validation replayed on an earlier moment)
};

// Builds the indexed matrix from raw rows (also used by the server's trainer).
Dataset BuildDataset(std::vector<RawInteraction> rows, const ReadOptions& options);

// True for text that is a decimal integer of at most 18 digits: ids that all
// are sort numerically, and such a time is unix seconds.
bool IsDecimalInteger(std::string_view s);

}  // namespace shinrai::recs
