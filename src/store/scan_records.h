// ScanRecords: decode every value under a prefix into a vector, stopping at
// the first value that does not decode.
#pragma once

#include <string>
#include <vector>

#include "store/store.h"

namespace shinrai::store {

template <typename T, typename Decode>
Status ScanRecords(Store& store, std::string prefix, Decode decode, std::vector<T>* out) {
  Status failed;
  ScanOptions so;
  so.prefix = std::move(prefix);
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view, std::string_view v) {
    Result<T> r = decode(v);
    if (!r.ok()) {
      failed = r.status();
      return false;
    }
    out->push_back(std::move(r).value());
    return true;
  }));
  return failed;
}

}  // namespace shinrai::store
