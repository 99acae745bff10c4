#include "recs/eval/dataset_files.h"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>

#include "core/time_format.h"
#include "recs/eval/delimited_text.h"

namespace shinrai::recs {
namespace {

namespace fs = std::filesystem;

Result<std::string> ReadGzipOrPlain(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // reads plain files transparently
  if (f == nullptr) return NotFound("cannot open dataset file " + path);
  std::string out;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* msg = gzerror(f, &err);
  std::string error = n < 0 ? std::string(msg ? msg : "read error") : "";
  gzclose(f);
  if (!error.empty()) return InvalidArgument(path + ": " + error);
  return out;
}

Result<std::string> ReadFromZip(const std::string& path, std::string_view member_suffix) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_RDONLY, &err);
  if (z == nullptr) return InvalidArgument(path + ": not a readable zip file");
  std::string out;
  Status st = NotFound(path + ": no member ending in " + std::string(member_suffix));
  for (zip_int64_t i = 0, n = zip_get_num_entries(z, 0); i < n; ++i) {
    std::string_view name = zip_get_name(z, i, 0);
    if (name.size() < member_suffix.size() || name.substr(name.size() - member_suffix.size()) != member_suffix)
      continue;
    zip_stat_t zs;
    zip_stat_index(z, i, 0, &zs);
    zip_file_t* f = zip_fopen_index(z, i, 0);
    if (f == nullptr) {
      st = InvalidArgument(path + ": cannot read " + std::string(name));
      break;
    }
    out.resize(zs.size);
    zip_int64_t got = zip_fread(f, out.data(), zs.size);
    zip_fclose(f);
    st = got == static_cast<zip_int64_t>(zs.size) ? Status::Ok() : InvalidArgument(path + ": truncated member");
    break;
  }
  zip_close(z);
  if (!st.ok()) return st;
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

Result<double> ParseNumber(std::string_view s, std::string_view what, int64_t line) {
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size())
    return InvalidArgument("record " + std::to_string(line) + ": " + std::string(what) + " '" + std::string(s) +
                           "' is not a number");
  return v;
}

// Rows of a delimited text; a header names the columns, or fixed positions
// for headerless u.data (user, item, rating, time; tab-separated).
Result<std::vector<RawInteraction>> ParseRows(const std::string& text, const CsvColumns& columns, bool has_header,
                                              const ReadOptions& options) {
  std::vector<RawInteraction> rows;
  int user_col = 0, item_col = 1, weight_col = has_header ? -1 : 2, time_col = has_header ? -1 : 3;
  const char sep = has_header ? GuessSeparator(std::string_view(text).substr(0, text.find('\n'))) : '\t';
  bool header_read = !has_header;
  const auto header = [&](std::span<const std::string> names) -> Status {
    std::string header_text;
    for (const auto& n : names) header_text += (header_text.empty() ? "" : std::string(1, sep)) + n;
    const auto find = [&](const std::string& name) -> int {
      for (size_t i = 0; i < names.size(); ++i)
        if (Trim(names[i]) == name) return static_cast<int>(i);
      return -2;
    };
    user_col = find(columns.user);
    item_col = find(columns.item);
    weight_col = columns.weight.empty() ? -1 : find(columns.weight);
    time_col = columns.time.empty() ? -1 : find(columns.time);
    for (auto [col, name] : {std::pair{user_col, columns.user}, {item_col, columns.item}, {weight_col, columns.weight},
                             {time_col, columns.time}}) {
      if (col == -2) return InvalidArgument("column '" + name + "' is not in the header: " + header_text);
    }
    return Status::Ok();
  };
  const auto row = [&](std::span<const std::string> f, int64_t record) -> Status {
    const int need = std::max({user_col, item_col, weight_col, time_col});
    if (static_cast<int>(f.size()) <= need)
      return InvalidArgument("record " + std::to_string(record) + ": expected at least " + std::to_string(need + 1) +
                             " fields, found " + std::to_string(f.size()));
    RawInteraction r;
    r.user = std::string(Trim(f[user_col]));
    r.item = std::string(Trim(f[item_col]));
    if (r.user.empty() || r.item.empty())
      return InvalidArgument("record " + std::to_string(record) + ": empty user or item");
    if (weight_col >= 0) {
      ASSIGN_OR_RETURN(r.weight, ParseNumber(Trim(f[weight_col]), "weight", record));
    }
    if (time_col >= 0) {
      auto t = ParseDatasetTime(Trim(f[time_col]));
      if (!t.ok()) return InvalidArgument("record " + std::to_string(record) + ": " + t.status().message());
      r.time = *t;
    }
    if (!options.min_weight || r.weight >= *options.min_weight) rows.push_back(std::move(r));
    return Status::Ok();
  };
  RETURN_IF_ERROR(ForEachRecord(text, sep, [&](std::span<const std::string> fields, int64_t record) -> Status {
    if (header_read) return row(fields, record);
    header_read = true;
    return header(fields);
  }));
  if (rows.empty()) return InvalidArgument("the dataset holds no interactions");
  return rows;
}

}  // namespace

Result<int64_t> ParseDatasetTime(std::string_view s) {
  if (IsDecimalInteger(s)) return std::stoll(std::string(s));
  // dd-mm-yyyy (Groceries), checked as a calendar date.
  if (s.size() == 10 && s[2] == '-' && s[5] == '-') {
    int d = 0, m = 0, y = 0;
    const auto digits = [&](size_t at, size_t len, int* out) {
      return std::from_chars(s.data() + at, s.data() + at + len, *out).ptr == s.data() + at + len;
    };
    if (digits(0, 2, &d) && digits(3, 2, &m) && digits(6, 4, &y)) {
      ASSIGN_OR_RETURN(std::chrono::sys_days date, CivilDate(y, m, d, s));
      return int64_t{date.time_since_epoch().count()} * 86400;
    }
  }
  auto iso = ParseIso8601(s);
  if (iso.ok()) return *iso >= 0 ? *iso / 1000 : (*iso - 999) / 1000;
  if (s.size() >= 10 && s[4] == '-' && s[7] == '-') return iso.status();  // ISO-shaped: say what is wrong with it
  return InvalidArgument("time '" + std::string(s.substr(0, 64)) +
                         "' is neither unix seconds, dd-mm-yyyy nor yyyy-mm-dd[Thh:mm:ss]");
}

Result<Dataset> ReadMovieLens(const std::string& path, const ReadOptions& options) {
  std::error_code ec;
  std::string file = path;
  if (fs::is_directory(path, ec)) {
    for (const char* name : {"u.data", "ratings.csv", "ml-latest-small.zip"}) {
      if (fs::exists(fs::path(path) / name, ec)) {
        file = (fs::path(path) / name).string();
        break;
      }
    }
    if (file == path) return NotFound(path + " holds neither u.data, ratings.csv nor ml-latest-small.zip");
  }
  const CsvColumns ml{"userId", "movieId", "timestamp", "rating"};
  if (file.size() > 4 && file.substr(file.size() - 4) == ".zip") {
    ASSIGN_OR_RETURN(std::string text, ReadFromZip(file, "ratings.csv"));
    ASSIGN_OR_RETURN(auto rows, ParseRows(text, ml, true, options));
    return BuildDataset(std::move(rows), options);
  }
  ASSIGN_OR_RETURN(std::string text, ReadGzipOrPlain(file));
  bool csv = file.find("ratings.csv") != std::string::npos || text.rfind("userId", 0) == 0;
  ASSIGN_OR_RETURN(auto rows, ParseRows(text, ml, csv, options));
  return BuildDataset(std::move(rows), options);
}

Result<Dataset> ReadCsv(const std::string& path, const CsvColumns& columns, const ReadOptions& options) {
  ASSIGN_OR_RETURN(std::string text, ReadGzipOrPlain(path));
  ASSIGN_OR_RETURN(auto rows, ParseRows(text, columns, true, options));
  return BuildDataset(std::move(rows), options);
}

}  // namespace shinrai::recs
