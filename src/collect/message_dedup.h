// MessageDedup: drops retried messages (same messageId) within a window.
//
// SDKs retry a batch when they miss the reply, so the same messageId can
// arrive twice, usually seconds apart. Seen ids are held in memory as 64-bit
// hashes and persisted once per request as one record (mq/<time>), not one
// key per event; start-up reloads the records still inside the window. A
// record goes once its ids are forgotten, by age or by the memory bound, so
// neither memory nor the store grows with the number of requests.
// Two different ids collide with probability ~n²/2⁶⁵ (n ids in the window:
// about 3 in a million for 10 million ids).
//
// Thread-safety: not thread-safe; CollectService calls it under its mutex.
#pragma once

#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "store/staged_writer.h"
#include "store/store.h"

namespace shinrai::service {

class MessageDedup {
 public:
  // Past `max_ids` remembered ids the oldest are forgotten first (the window
  // shrinks under load) so memory stays bounded: about 50 bytes an id, and
  // 16 bytes a request whose record holds one of them.
  MessageDedup(int64_t window_ms, size_t max_ids) : window_ms_(window_ms), max_ids_(max_ids) {}

  // Reloads the ids recorded within the window before `now_ms`.
  Status Load(store::Store& store, int64_t now_ms);
  // True when the id was added within the window before `now_ms`.
  bool Seen(std::string_view message_id, int64_t now_ms) const;
  // Marks an id seen; Persist() records it.
  void Add(std::string_view message_id, int64_t now_ms);
  // Writes the ids added since the last call as one record, and deletes
  // records whose ids are forgotten (older than the window, or past the bound).
  void Persist(store::Transaction& txn, int64_t now_ms, uint64_t random);
  size_t size() const { return seen_.size(); }
  // Records held, on the store and in memory.
  size_t records() const { return records_.size(); }

 private:
  int64_t window_ms_;
  size_t max_ids_;
  std::unordered_map<uint64_t, int64_t> seen_;  // hash -> when seen
  std::vector<uint64_t> unpersisted_;
  void ForgetBoundExcess();
  void DeleteForgottenRecords(store::Transaction& txn);

  struct Record {
    int64_t at_ms;
    uint64_t random;  // with at_ms, its key (profile::DedupKey)
  };
  std::deque<Record> records_;  // oldest first
  // Records before this time hold only forgotten ids; they are deleted a few
  // at each Persist, so that no request carries a large deletion.
  int64_t forget_before_ms_ = std::numeric_limits<int64_t>::min();
  int64_t last_sweep_ms_ = 0;
};

}  // namespace shinrai::service
