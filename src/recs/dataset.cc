#include "recs/dataset.h"

#include <algorithm>
#include <unordered_map>

namespace shinrai::recs {
namespace {

// Index of each distinct id in the protocol's order.
std::unordered_map<std::string, int32_t> IndexIds(const std::vector<RawInteraction>& rows, bool users,
                                                  std::vector<std::string>* ordered) {
  std::vector<std::string> ids;
  {
    std::unordered_map<std::string, bool> seen;
    for (const auto& r : rows) {
      const std::string& id = users ? r.user : r.item;
      if (seen.emplace(id, true).second) ids.push_back(id);
    }
  }
  bool numeric = std::all_of(ids.begin(), ids.end(), [](const std::string& s) { return IsDecimalInteger(s); });
  if (numeric) {
    std::sort(ids.begin(), ids.end(),
              [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
  } else {
    std::sort(ids.begin(), ids.end());
  }
  std::unordered_map<std::string, int32_t> index;
  for (size_t i = 0; i < ids.size(); ++i) index.emplace(ids[i], static_cast<int32_t>(i));
  *ordered = std::move(ids);
  return index;
}

}  // namespace

bool IsDecimalInteger(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

Dataset BuildDataset(std::vector<RawInteraction> rows, const ReadOptions& options) {
  Dataset ds;
  ds.rows_read = static_cast<int64_t>(rows.size());
  auto user_index = IndexIds(rows, true, &ds.users);
  auto item_index = IndexIds(rows, false, &ds.items);
  struct Cell {
    int32_t u, i;
    float w;
    int64_t t;
  };
  std::vector<Cell> cells;
  cells.reserve(rows.size());
  for (const auto& r : rows) {
    cells.push_back({user_index[r.user], item_index[r.item], static_cast<float>(r.weight), r.time});
  }
  std::sort(cells.begin(), cells.end(), [](const Cell& a, const Cell& b) {
    return a.u != b.u ? a.u < b.u : a.i != b.i ? a.i < b.i : a.t < b.t;
  });
  Csr& m = ds.matrix;
  m.rows = static_cast<int32_t>(ds.users.size());
  m.cols = static_cast<int32_t>(ds.items.size());
  m.indptr.assign(static_cast<size_t>(m.rows) + 1, 0);
  const bool earlier = options.keep_earlier_times;
  for (size_t k = 0; k < cells.size(); ++k) {
    const Cell& c = cells[k];
    float v = options.use_weights ? c.w : 1.0f;
    if (k > 0 && cells[k - 1].u == c.u && cells[k - 1].i == c.i) {
      if (options.use_weights) m.values.back() += v;
      // Times ascend within a pair: the one kept so far becomes an earlier one.
      if (earlier && c.t > ds.times.back()) ds.earlier.times.push_back(ds.times.back());
      ds.times.back() = c.t;
      continue;
    }
    if (earlier) ds.earlier.start.push_back(static_cast<int64_t>(ds.earlier.times.size()));
    m.indices.push_back(c.i);
    m.values.push_back(v);
    ds.times.push_back(c.t);
    ++m.indptr[c.u + 1];
  }
  if (earlier) ds.earlier.start.push_back(static_cast<int64_t>(ds.earlier.times.size()));
  for (int32_t r = 0; r < m.rows; ++r) m.indptr[r + 1] += m.indptr[r];
  return ds;
}

}  // namespace shinrai::recs
