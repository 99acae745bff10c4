// In-memory Store for tests (leveldb's memenv idea): same contract, no disk.
#include <map>
#include <mutex>

#include "store/store.h"

namespace shinrai::store {

namespace {

class MemoryStore : public Store {
 public:
  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = data_.find(std::string(key));
    if (it == data_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  Status Write(const WriteBatch& batch, bool sync) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& op : batch.ops()) {
      if (op.kind == WriteBatch::Op::kPut) {
        data_[op.key] = op.value;
      } else {
        data_.erase(op.key);
      }
    }
    return Status::Ok();
  }

  Status Scan(const ScanOptions& options, const ScanVisitor& visit) override {
    // Copy the range first so a visitor may call back into the store.
    std::vector<std::pair<std::string, std::string>> rows;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto begin = data_.lower_bound(options.prefix);
      const std::string end_key = PrefixSuccessor(options.prefix);
      auto end = end_key.empty() ? data_.end() : data_.lower_bound(end_key);
      for (auto it = begin; it != end; ++it) rows.emplace_back(it->first, it->second);
    }
    if (options.reverse) std::reverse(rows.begin(), rows.end());
    size_t n = 0;
    for (const auto& [k, v] : rows) {
      if (options.limit && n++ >= options.limit) break;
      if (!visit(k, v)) break;
    }
    return Status::Ok();
  }

  Status CompactPrefix(std::string_view) override { return Status::Ok(); }
  std::string_view Name() const override { return "memory"; }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> data_;  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char c = static_cast<unsigned char>(s.back());
    if (c != 0xff) {
      s.back() = static_cast<char>(c + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

}  // namespace shinrai::store
