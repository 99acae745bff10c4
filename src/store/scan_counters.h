// ScanCounters: every decimal counter under a prefix (collection counters,
// feedback totals), by the key's rest. A value that is not a decimal count is
// an error naming its key, never an exception out of a start-up scan.
#pragma once

#include <charconv>
#include <map>
#include <string>

#include "store/store.h"

namespace shinrai::store {

inline Result<std::map<std::string, int64_t>> ScanCounters(Store& store, std::string prefix) {
  std::map<std::string, int64_t> out;
  Status failed;
  ScanOptions so;
  so.prefix = std::move(prefix);
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view key, std::string_view value) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size()) {
      failed = Internal("the counter '" + std::string(key) + "' holds no count (" + std::to_string(value.size()) +
                        " bytes that are not a decimal number)");
      return false;
    }
    out[std::string(key.substr(so.prefix.size()))] = n;
    return true;
  }));
  RETURN_IF_ERROR(failed);
  return out;
}

}  // namespace shinrai::store
