// StagedWriter: group commit with read-your-writes.
//
// Request handlers build a Transaction (reads see committed data, every
// staged-but-uncommitted write, and the transaction's own writes), then
// Submit() it. A committer thread takes every batch submitted since its last
// write, applies them as one synced Store::Write (group commit), and only
// then calls each batch's `done`: an acknowledged write is on disk.
//
// Committed values of keys that are read through the writer stay in a
// bounded LRU cache, kept current by every later write through the writer,
// so hot records (profiles, identity links) are not read from the store
// again. REQUIRES: every write to a key read through this writer goes
// through it too (or calls Invalidate).
//
// Callers that need a consistent read-modify-write sequence serialise their
// Begin..Submit sections themselves (CollectService holds one mutex); the
// writer only guarantees that staged writes are visible to later readers and
// reach the store in submission order.
//
// Thread-safety: all methods may be called concurrently. `done` runs on the
// committer thread and must not block.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "store/store.h"

namespace shinrai::store {

class StagedWriter;

// One unit of work: buffered writes plus reads that see them.
// Not thread-safe; use from one thread between Begin and Submit.
class Transaction {
 public:
  Result<std::optional<std::string>> Get(std::string_view key);
  void Put(std::string key, std::string value);
  void Delete(std::string key);
  bool empty() const { return batch_.empty(); }

 private:
  friend class StagedWriter;
  explicit Transaction(StagedWriter* writer) : writer_(writer) {}
  StagedWriter* writer_;
  WriteBatch batch_;
  std::unordered_map<std::string, std::optional<std::string>> local_;
};

class StagedWriter {
 public:
  using Done = std::function<void(const Status&)>;

  // REQUIRES: store outlives this. `cache_entries`: 0 disables the cache.
  explicit StagedWriter(Store* store, size_t cache_entries = 100'000);
  ~StagedWriter();                      // commits what is staged, then stops

  Transaction Begin() { return Transaction(this); }
  // Stages the transaction's writes (visible to readers at once) and calls
  // `done` once they are durable, or with the error that stopped them.
  void Submit(Transaction txn, Done done);
  // Blocks until everything submitted so far is committed and its `done`
  // has been called (or a commit failed). Not from inside a `done`.
  Status Flush();
  // Reads committed data and staged writes.
  Result<std::optional<std::string>> Get(std::string_view key);
  // Forgets the cached value of `key` (after writing it around the writer).
  void Invalidate(std::string_view key);
  // The commit error in force, if any: after one, every submission fails at
  // once (503) while the writer asks the store to Recover, with backoff;
  // once the store is usable again, the recovery hooks run and writes resume.
  Status health();
  // Called (on the commit thread, before writes resume) after a failed commit
  // was recovered from: whoever keeps in memory what staged writes implied
  // (de-duplication, counters) reloads it from the store, since the failed
  // writes never reached it. REQUIRES: registered before the first Submit.
  void AddRecoveryHook(std::function<Status()> hook);
  // Failed commits recovered from since start.
  int64_t recoveries();
  // Records submitted and waiting for the committer (not the group being committed).
  size_t backlog();

 private:
  struct Staged {
    std::optional<std::string> value;
    uint64_t generation;
  };
  void CommitLoop();
  // REQUIRES: mu_ held; failure_ set. Waits for the store to recover.
  void RecoverLocked(std::unique_lock<std::mutex>& lock);
  void CacheInsert(const std::string& key, std::string value);  // REQUIRES: mu_ held

  struct CacheEntry {
    std::string value;
    std::list<std::string>::iterator lru;
  };

  Store* const store_;
  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  const size_t cache_capacity_;
  std::unordered_map<std::string, Staged> staged_;  // GUARDED_BY(mu_)
  std::unordered_map<std::string, CacheEntry> cache_;  // GUARDED_BY(mu_)
  std::list<std::string> lru_;                         // GUARDED_BY(mu_): most recent first
  WriteBatch pending_;                              // GUARDED_BY(mu_)
  std::vector<Done> pending_done_;                  // GUARDED_BY(mu_)
  uint64_t submitted_generation_ = 0;               // GUARDED_BY(mu_)
  uint64_t acknowledged_generation_ = 0;            // GUARDED_BY(mu_): its callbacks have run
  Status failure_;                                  // GUARDED_BY(mu_)
  bool stopping_ = false;                           // GUARDED_BY(mu_)
  std::vector<std::function<Status()>> recovery_hooks_;
  int64_t recoveries_ = 0;                          // GUARDED_BY(mu_)
  std::thread committer_;
};

}  // namespace shinrai::store
