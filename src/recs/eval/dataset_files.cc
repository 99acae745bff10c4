#include "recs/eval/dataset_files.h"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>

#include "core/time_format.h"

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

std::vector<std::string_view> SplitLine(std::string_view line, char sep, std::vector<std::string>* unquoted) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i <= line.size()) {
    if (i < line.size() && line[i] == '"') {
      std::string value;
      size_t j = i + 1;
      for (; j < line.size(); ++j) {
        if (line[j] == '"') {
          if (j + 1 < line.size() && line[j + 1] == '"') {
            value += '"';
            ++j;
          } else {
            break;
          }
        } else {
          value += line[j];
        }
      }
      unquoted->push_back(std::move(value));
      fields.emplace_back(unquoted->back());
      size_t next = line.find(sep, j);
      i = next == std::string_view::npos ? line.size() + 1 : next + 1;
    } else {
      size_t next = line.find(sep, i);
      if (next == std::string_view::npos) next = line.size();
      fields.push_back(line.substr(i, next - i));
      i = next + 1;
    }
  }
  return fields;
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
    return InvalidArgument("line " + std::to_string(line) + ": " + std::string(what) + " '" + std::string(s) +
                           "' is not a number");
  return v;
}

// Rows of a delimited text; header names the columns, or fixed positions for headerless u.data.
Result<std::vector<RawInteraction>> ParseRows(const std::string& text, const CsvColumns& columns, bool has_header,
                                              const ReadOptions& options) {
  std::vector<RawInteraction> rows;
  size_t pos = 0;
  int64_t line_no = 0;
  int user_col = 0, item_col = 1, weight_col = -1, time_col = -1;
  char sep = '\t';
  if (has_header) {
    size_t end = text.find('\n');
    std::string_view header = Trim(std::string_view(text).substr(0, end));
    if (header.size() >= 3 && header.substr(0, 3) == "\xEF\xBB\xBF") header.remove_prefix(3);
    sep = header.find('\t') != std::string_view::npos ? '\t' : header.find(';') != std::string_view::npos ? ';' : ',';
    std::vector<std::string> keep;
    auto names = SplitLine(header, sep, &keep);
    auto find = [&](const std::string& name) -> int {
      for (size_t i = 0; i < names.size(); ++i)
        if (Trim(names[i]) == name) return static_cast<int>(i);
      return -2;
    };
    user_col = find(columns.user);
    item_col = find(columns.item);
    weight_col = columns.weight.empty() ? -1 : find(columns.weight);
    time_col = columns.time.empty() ? -1 : find(columns.time);
    std::string header_text(header);
    for (auto [col, name] : {std::pair{user_col, columns.user}, {item_col, columns.item},
                             {weight_col, columns.weight}, {time_col, columns.time}}) {
      if (col == -2) return InvalidArgument("column '" + name + "' is not in the header: " + header_text);
    }
    pos = end == std::string::npos ? text.size() : end + 1;
    line_no = 1;
  } else {
    weight_col = 2;
    time_col = 3;
  }
  std::vector<std::string> keep;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line = Trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    keep.clear();
    auto f = SplitLine(line, sep, &keep);
    int need = std::max({user_col, item_col, weight_col, time_col});
    if (static_cast<int>(f.size()) <= need)
      return InvalidArgument("line " + std::to_string(line_no) + ": expected at least " + std::to_string(need + 1) +
                             " fields, found " + std::to_string(f.size()));
    RawInteraction r;
    r.user = std::string(Trim(f[user_col]));
    r.item = std::string(Trim(f[item_col]));
    if (r.user.empty() || r.item.empty())
      return InvalidArgument("line " + std::to_string(line_no) + ": empty user or item");
    if (weight_col >= 0) {
      ASSIGN_OR_RETURN(r.weight, ParseNumber(Trim(f[weight_col]), "weight", line_no));
    }
    if (time_col >= 0) {
      auto t = ParseDatasetTime(Trim(f[time_col]));
      if (!t)
        return InvalidArgument("line " + std::to_string(line_no) + ": time '" + std::string(f[time_col]) +
                               "' is neither unix seconds, dd-mm-yyyy nor yyyy-mm-dd");
      r.time = *t;
    }
    if (options.min_weight && r.weight < *options.min_weight) continue;
    rows.push_back(std::move(r));
  }
  if (rows.empty()) return InvalidArgument("the dataset holds no interactions");
  return rows;
}

}  // namespace

std::optional<int64_t> ParseDatasetTime(std::string_view s) {
  if (IsDecimalInteger(s)) return std::stoll(std::string(s));
  auto num = [&](size_t at, size_t len) -> int {
    int v = 0;
    if (at + len > s.size()) return -1;
    for (size_t i = at; i < at + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  int y = -1, m = -1, d = -1;
  if (s.size() >= 10 && s[2] == '-' && s[5] == '-') {
    d = num(0, 2), m = num(3, 2), y = num(6, 4);
  } else if (s.size() >= 10 && s[4] == '-' && s[7] == '-') {
    y = num(0, 4), m = num(5, 2), d = num(8, 2);
  }
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  int64_t secs = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) * 86400;
  if (s.size() >= 19 && (s[10] == 'T' || s[10] == ' ') && s[4] == '-') {
    int hh = num(11, 2), mm = num(14, 2), ss = num(17, 2);
    if (hh < 0 || mm < 0 || ss < 0) return std::nullopt;
    secs += hh * 3600 + mm * 60 + ss;
  }
  return secs;
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
