// FlakyStore: a store whose writes fail while `failing` is set (a full
// disk, no file descriptors left), for tests of what a failed write leaves.
#pragma once

#include <atomic>

#include "store/store.h"

namespace shinrai::testing {

// Counts the recoveries asked of it.
class FlakyStore : public store::Store {
 public:
  explicit FlakyStore(store::Store* inner) : inner_(inner) {}
  std::atomic<bool> failing{false};
  std::atomic<int> recover_calls{0};

  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_->Get(key); }
  Status Write(const store::WriteBatch& batch, bool sync) override {
    if (failing) return Internal("IO error: Too many open files");
    return inner_->Write(batch, sync);
  }
  Status Scan(const store::ScanOptions& o, const store::ScanVisitor& v) override { return inner_->Scan(o, v); }
  Status CompactPrefix(std::string_view p) override { return inner_->CompactPrefix(p); }
  Status Recover() override {
    ++recover_calls;
    return failing ? Internal("still failing") : Status::Ok();
  }
  std::string_view Name() const override { return "flaky"; }

 private:
  store::Store* inner_;
};

}  // namespace shinrai::testing
