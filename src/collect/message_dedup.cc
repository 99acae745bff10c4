#include "collect/message_dedup.h"

#include <algorithm>

#include "core/hash.h"
#include "profile/keys.h"

namespace shinrai::service {

namespace {

uint64_t HashId(std::string_view id) {
  // FNV-1a with a second, salted pass folded in, to spread similar ids.
  return Fnv1a64(id) ^ (Fnv1a64(std::string("shinrai:") + std::string(id)) * 0x9e3779b97f4a7c15ull);
}

}  // namespace

Status MessageDedup::Load(store::Store& store, int64_t now_ms) {
  const int64_t cutoff = now_ms - window_ms_;
  store::ScanOptions so;
  so.prefix = std::string(profile::kDedupPrefix);
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view k, std::string_view v) {
    if (k.size() != so.prefix.size() + 16) return true;  // not a key this class writes
    const int64_t at = static_cast<int64_t>(ReadBigEndian64(k.substr(so.prefix.size(), 8)));
    records_.push_back({at, ReadBigEndian64(k.substr(so.prefix.size() + 8, 8))});
    if (at < cutoff) return true;  // deleted by the next Persists
    for (size_t i = 0; i + 8 <= v.size(); i += 8) seen_[ReadBigEndian64(v.substr(i, 8))] = at;
    return true;
  }));
  forget_before_ms_ = cutoff;
  ForgetBoundExcess();
  return Status::Ok();
}

bool MessageDedup::Seen(std::string_view message_id, int64_t now_ms) const {
  auto it = seen_.find(HashId(message_id));
  return it != seen_.end() && it->second >= now_ms - window_ms_;
}

void MessageDedup::Add(std::string_view message_id, int64_t now_ms) {
  const uint64_t h = HashId(message_id);
  seen_[h] = now_ms;
  unpersisted_.push_back(h);
}

void MessageDedup::Persist(store::Transaction& txn, int64_t now_ms, uint64_t random) {
  if (!unpersisted_.empty()) {
    std::string value;
    value.reserve(unpersisted_.size() * 8);
    for (uint64_t h : unpersisted_) AppendBigEndian64(&value, h);
    records_.push_back({now_ms, random});
    txn.Put(profile::DedupKey(now_ms, random), std::move(value));
  }
  ForgetBoundExcess();
  unpersisted_.clear();
  // Sweep at most once a minute: forgetting old ids is not urgent.
  if (now_ms - last_sweep_ms_ >= 60'000) {
    last_sweep_ms_ = now_ms;
    const int64_t cutoff = now_ms - window_ms_;
    if (!records_.empty() && records_.front().at_ms < cutoff)
      std::erase_if(seen_, [&](const auto& kv) { return kv.second < cutoff; });
    forget_before_ms_ = std::max(forget_before_ms_, cutoff);
  }
  DeleteForgottenRecords(txn);
}

// Over the memory bound: forget the older half of what is remembered.
void MessageDedup::ForgetBoundExcess() {
  if (seen_.size() <= max_ids_) return;
  std::vector<int64_t> times;
  times.reserve(seen_.size());
  for (const auto& [_, t] : seen_) times.push_back(t);
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  const int64_t median = times[times.size() / 2];
  std::erase_if(seen_, [&](const auto& kv) { return kv.second < median; });
  forget_before_ms_ = std::max(forget_before_ms_, median);
  // Most ids from one millisecond (a burst, a fixed clock): "older than the
  // median" frees little, and every later Persist would scan them all
  // again. Then forget any of the tied ones but this batch's, down to half.
  if (seen_.size() > max_ids_ / 2 + max_ids_ / 4) {
    std::sort(unpersisted_.begin(), unpersisted_.end());
    for (auto it = seen_.begin(); it != seen_.end() && seen_.size() > max_ids_ / 2;) {
      if (it->second <= median && !std::binary_search(unpersisted_.begin(), unpersisted_.end(), it->first))
        it = seen_.erase(it);
      else ++it;
    }
  }
}

// A few at a time: each Persist adds at most one record, so this keeps up.
void MessageDedup::DeleteForgottenRecords(store::Transaction& txn) {
  constexpr int kDeletesPerPersist = 64;
  for (int n = 0; n < kDeletesPerPersist && !records_.empty() && records_.front().at_ms < forget_before_ms_; ++n) {
    txn.Delete(profile::DedupKey(records_.front().at_ms, records_.front().random));
    records_.pop_front();
  }
}

}  // namespace shinrai::service
