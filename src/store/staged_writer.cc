#include "store/staged_writer.h"

#include <algorithm>
#include <chrono>

#include "core/metrics.h"

namespace shinrai::store {

Result<std::optional<std::string>> Transaction::Get(std::string_view key) {
  auto it = local_.find(std::string(key));
  if (it != local_.end()) return it->second;
  return writer_->Get(key);
}

void Transaction::Put(std::string key, std::string value) {
  local_[key] = value;
  batch_.Put(std::move(key), std::move(value));
}

void Transaction::Delete(std::string key) {
  local_[key] = std::nullopt;
  batch_.Delete(std::move(key));
}

StagedWriter::StagedWriter(Store* store, size_t cache_entries) : store_(store), cache_capacity_(cache_entries) {
  committer_ = std::thread([this] { CommitLoop(); });
}

StagedWriter::~StagedWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  committer_.join();
}

Result<std::optional<std::string>> StagedWriter::Get(std::string_view key) {
  const std::string k(key);
  // The store is read under mu_ too, so that a commit cannot slip in between
  // the read and the cache insert and leave a stale value cached.
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = staged_.find(k); it != staged_.end()) return it->second.value;
  if (auto it = cache_.find(k); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return std::optional<std::string>(it->second.value);
  }
  auto r = store_->Get(key);
  if (r.ok() && r->has_value()) CacheInsert(k, **r);
  return r;
}

void StagedWriter::Invalidate(std::string_view key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = cache_.find(std::string(key)); it != cache_.end()) {
    lru_.erase(it->second.lru);
    cache_.erase(it);
  }
}

void StagedWriter::CacheInsert(const std::string& key, std::string value) {
  if (cache_capacity_ == 0) return;
  if (auto it = cache_.find(key); it != cache_.end()) {
    it->second.value = std::move(value);
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return;
  }
  lru_.push_front(key);
  cache_.emplace(key, CacheEntry{std::move(value), lru_.begin()});
  if (cache_.size() > cache_capacity_) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

void StagedWriter::Submit(Transaction txn, Done done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!failure_.ok() || stopping_) {
    Status st = failure_.ok() ? Unavailable("the server is shutting down") : failure_;
    lock.unlock();
    done(st);
    return;
  }
  const uint64_t gen = ++submitted_generation_;
  for (auto& [key, value] : txn.local_) staged_[key] = Staged{std::move(value), gen};
  pending_.Append(std::move(txn.batch_));
  pending_done_.push_back(std::move(done));
  lock.unlock();
  work_cv_.notify_one();
}

Status StagedWriter::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = submitted_generation_;
  idle_cv_.wait(lock, [&] { return acknowledged_generation_ >= target || !failure_.ok(); });
  return failure_;
}

size_t StagedWriter::backlog() {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

Status StagedWriter::health() {
  std::lock_guard<std::mutex> lock(mu_);
  return failure_;
}

void StagedWriter::AddRecoveryHook(std::function<Status()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  recovery_hooks_.push_back(std::move(hook));
}

int64_t StagedWriter::recoveries() {
  std::lock_guard<std::mutex> lock(mu_);
  return recoveries_;
}

void StagedWriter::RecoverLocked(std::unique_lock<std::mutex>& lock) {
  auto wait = std::chrono::milliseconds(20);
  while (!stopping_) {
    lock.unlock();
    Status st = store_->Recover();
    if (st.ok()) {
      for (auto& hook : recovery_hooks_) {
        st = hook();
        if (!st.ok()) break;
      }
    }
    lock.lock();
    if (st.ok()) {
      failure_ = Status::Ok();
      ++recoveries_;
      return;
    }
    // Still failing: the cause (descriptors, disk space) has not gone yet.
    work_cv_.wait_for(lock, wait, [&] { return stopping_; });
    wait = std::min(wait * 2, std::chrono::milliseconds(2000));
  }
}

namespace {

// One group commit, for /metrics: how long the synced write took, how many
// writes and submissions it carried, and whether it failed.
void CountCommit(size_t writes, size_t submissions, std::chrono::steady_clock::duration took, bool ok) {
  auto& m = metrics::Default();
  static auto& seconds = m.histogram("shinrai_store_commit_seconds", "Time of each synced group commit",
                                     metrics::LatencyBuckets());
  static auto& group = m.histogram("shinrai_store_commit_group_submissions", "Submissions each group commit carried",
                                   {1, 2, 4, 8, 16, 32, 64, 128, 256});
  static auto& ops = m.counter("shinrai_store_written_records_total", "Records written by group commits");
  static auto& failed = m.counter("shinrai_store_commit_failures_total", "Group commits that failed (storage errors)");
  seconds.Observe(std::chrono::duration<double>(took).count());
  group.Observe(static_cast<double>(submissions));
  ops.Inc(writes);
  if (!ok) failed.Inc();
}

}  // namespace

void StagedWriter::CommitLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || !pending_done_.empty(); });
    if (pending_done_.empty() && stopping_) return;
    WriteBatch batch;
    batch.Append(std::move(pending_));
    std::vector<Done> done;
    done.swap(pending_done_);
    const uint64_t gen = submitted_generation_;
    lock.unlock();

    const auto began = std::chrono::steady_clock::now();
    Status st = batch.empty() ? Status::Ok() : store_->Write(batch, /*sync=*/true);
    CountCommit(batch.size(), done.size(), std::chrono::steady_clock::now() - began, st.ok());

    lock.lock();
    if (st.ok()) {
      // Staged entries now match the store, unless a later submission
      // overwrote them (their generation is newer). Cached keys take the
      // committed value.
      for (const auto& op : batch.ops()) {
        auto it = staged_.find(op.key);
        if (it == staged_.end() || it->second.generation > gen) continue;
        if (auto c = cache_.find(op.key); c != cache_.end()) {
          if (it->second.value) {
            c->second.value = std::move(*it->second.value);
          } else {
            lru_.erase(c->second.lru);
            cache_.erase(c);
          }
        }
        staged_.erase(it);
      }
    } else {
      // Nothing of this batch is durable. Submissions queued behind it may
      // have read its staged values, so they fail too, and every staged or
      // cached value is dropped: readers see the store as it is.
      failure_ = st;
      for (auto& d : pending_done_) done.push_back(std::move(d));
      pending_done_.clear();
      pending_ = WriteBatch();
      staged_.clear();
      cache_.clear();
      lru_.clear();
    }
    const uint64_t answered = submitted_generation_;
    lock.unlock();
    for (auto& d : done) d(st);
    lock.lock();
    // Only now: a caller of Flush expects every submission answered, and
    // returning once committed let it run ahead of the last callbacks.
    acknowledged_generation_ = st.ok() ? gen : answered;
    idle_cv_.notify_all();
    if (!st.ok()) RecoverLocked(lock);
  }
}

}  // namespace shinrai::store
