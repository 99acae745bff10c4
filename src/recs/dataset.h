// Interaction datasets read from their original files (MovieLens, any CSV,
// gzip or zip compressed or not), turned into the binary user × item matrix
// the evaluation protocol of research/peer-baseline.md defines:
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

struct CsvColumns {
  std::string user = "user";
  std::string item = "item";
  std::string time;    // optional
  std::string weight;  // optional
};

struct ReadOptions {
  std::optional<double> min_weight;  // keep rows whose weight is at least this (e.g. ratings >= 4)
  bool use_weights = false;          // matrix holds summed weights instead of 1.0
  bool keep_earlier_times = false;   // Dataset::earlier (for validation replayed on an earlier moment)
};

// MovieLens: a directory holding u.data or ratings.csv, either file, or a
// GroupLens zip (…/ratings.csv inside). The rating is the weight.
Result<Dataset> ReadMovieLens(const std::string& path, const ReadOptions& options);
// Any CSV with a header row (comma, tab or semicolon separated; quoted
// fields), plain or gzip-compressed.
Result<Dataset> ReadCsv(const std::string& path, const CsvColumns& columns, const ReadOptions& options);

// Builds the indexed matrix from raw rows (also used by the server's trainer).
Dataset BuildDataset(std::vector<RawInteraction> rows, const ReadOptions& options);

// Times as written in datasets: integer seconds, dd-mm-yyyy, yyyy-mm-dd[Thh:mm:ss].
std::optional<int64_t> ParseDatasetTime(std::string_view text);

}  // namespace shinrai::recs
