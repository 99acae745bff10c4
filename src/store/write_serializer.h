// WriteSerializer: the one lock around read-modify-write of people's records.
//
// Collection and consent changes both read a person's profile and consent
// state and write them back through the same StagedWriter; holding this lock
// from Begin() to Submit() makes those sequences atomic with respect to each
// other. Commits (the slow, synced part) happen outside it.
//
// Several processes on one database (Share): a section also holds the
// cluster's write lease, so no other process runs one meanwhile. The lease
// is kept across sections (the writer still commits them in groups) and
// handed back once per `slice`, after what they submitted is committed, so
// the next holder reads it. A process that takes the lease over from
// another first reloads what it keeps in memory (`reload`).
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/status.h"
#include "store/cluster.h"

namespace shinrai::store {

class WriteSerializer {
 public:
  using Held = std::unique_lock<std::mutex>;

  WriteSerializer() = default;
  ~WriteSerializer();  // hands the lease back
  WriteSerializer(const WriteSerializer&) = delete;
  WriteSerializer& operator=(const WriteSerializer&) = delete;

  // Unavailable when the database cannot grant the lease (then nothing may
  // be written).
  Result<Held> Lock();
  // Lock() for a client's request: Unavailable at once, before anything is
  // read or remembered, while more records wait to be committed than the
  // bound (LimitBacklog), so a slow disk or database answers 503 with
  // Retry-After instead of queueing without end.
  Result<Held> LockForRequest();
  // REQUIRES: before sections run. `backlog` counts records waiting to commit.
  void LimitBacklog(std::function<size_t()> backlog, size_t max_records);

  // REQUIRES: once, before sections run; `cluster` outlives this. `flush`
  // commits everything submitted so far (StagedWriter::Flush); `reload`
  // reads again what this process keeps in memory about records, and runs
  // with the lock held.
  void Share(Cluster* cluster, std::function<Status()> flush, std::function<Status()> reload,
             std::chrono::milliseconds slice = std::chrono::milliseconds(100));
  // Commits, hands the lease back and stops sharing (before the writer goes).
  void StopSharing();
  // Times this process took the lease over from another (tests, metrics).
  int64_t handovers();

 private:
  void HandBackWhenDue();  // the keeper thread
  void HandBackLocked();   // REQUIRES: mu_ held

  std::mutex mu_;
  Cluster* cluster_ = nullptr;
  std::function<Status()> flush_;
  std::function<size_t()> backlog_;
  size_t max_backlog_ = 0;
  std::function<Status()> reload_;
  std::chrono::milliseconds slice_{100};
  bool held_ = false;                                 // GUARDED_BY(mu_)
  bool stale_ = false;                                // GUARDED_BY(mu_): reload not yet done
  std::chrono::steady_clock::time_point acquired_{};  // GUARDED_BY(mu_)
  int64_t handovers_ = 0;                             // GUARDED_BY(mu_)

  std::mutex keeper_mu_;
  std::condition_variable keeper_cv_;
  bool stopping_ = false;  // GUARDED_BY(keeper_mu_)
  std::thread keeper_;
};

}  // namespace shinrai::store
