// Reading interaction datasets from their original files (MovieLens, any
// CSV, gzip or zip compressed or not) into a Dataset, for `shinrai eval`, the
// benchmarks and the tests.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "recs/dataset.h"

namespace shinrai::recs {

struct CsvColumns {
  std::string user = "user";
  std::string item = "item";
  std::string time;    // optional
  std::string weight;  // optional
};

// MovieLens: a directory holding u.data or ratings.csv, either file, or a
// GroupLens zip (…/ratings.csv inside). The rating is the weight.
Result<Dataset> ReadMovieLens(const std::string& path, const ReadOptions& options);
// Any CSV with a header row (comma, tab or semicolon separated; quoted
// fields), plain or gzip-compressed.
Result<Dataset> ReadCsv(const std::string& path, const CsvColumns& columns, const ReadOptions& options);

// Times as written in datasets, in unix seconds: integer seconds, dd-mm-yyyy,
// yyyy-mm-dd[Thh:mm:ss] (ISO 8601). A date that does not exist is an error
// naming it, never the next month.
Result<int64_t> ParseDatasetTime(std::string_view text);

}  // namespace shinrai::recs
