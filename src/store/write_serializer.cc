#include "store/write_serializer.h"

#include <spdlog/spdlog.h>

namespace shinrai::store {

WriteSerializer::~WriteSerializer() { StopSharing(); }

Result<WriteSerializer::Held> WriteSerializer::Lock() {
  Held lock(mu_);
  if (!cluster_) return lock;
  if (held_ && cluster_->LeaseLost()) {
    // A write found another node holding the lease this one thought it held.
    held_ = false;
    stale_ = true;
  }
  if (!held_) {
    ASSIGN_OR_RETURN(bool handed_over, cluster_->AcquireLease());
    held_ = true;
    acquired_ = std::chrono::steady_clock::now();
    if (handed_over) {
      stale_ = true;
      ++handovers_;
    }
  }
  // Kept until a reload succeeds: a section never runs on what another
  // process may have changed since this one last read it.
  if (stale_) {
    if (Status st = reload_(); !st.ok()) {
      HandBackLocked();
      return st;
    }
    stale_ = false;
  }
  return lock;
}

Result<WriteSerializer::Held> WriteSerializer::LockForRequest() {
  if (backlog_ && max_backlog_ > 0) {
    const size_t waiting = backlog_();
    if (waiting > max_backlog_) {
      return Unavailable("overloaded: " + std::to_string(waiting) +
                         " records are waiting to be committed (server.max_pending_writes " +
                         std::to_string(max_backlog_) + "); retry shortly");
    }
  }
  return Lock();
}

void WriteSerializer::LimitBacklog(std::function<size_t()> backlog, size_t max_records) {
  backlog_ = std::move(backlog);
  max_backlog_ = max_records;
}

void WriteSerializer::Share(Cluster* cluster, std::function<Status()> flush, std::function<Status()> reload,
                            std::chrono::milliseconds slice) {
  {
    Held lock(mu_);
    cluster_ = cluster;
    flush_ = std::move(flush);
    reload_ = std::move(reload);
    slice_ = slice;
  }
  keeper_ = std::thread([this] { HandBackWhenDue(); });
}

void WriteSerializer::StopSharing() {
  {
    std::lock_guard stop(keeper_mu_);
    if (stopping_ || !keeper_.joinable()) return;
    stopping_ = true;
  }
  keeper_cv_.notify_all();
  keeper_.join();
  Held lock(mu_);
  if (held_) HandBackLocked();
  cluster_ = nullptr;
}

int64_t WriteSerializer::handovers() {
  Held lock(mu_);
  return handovers_;
}

void WriteSerializer::HandBackWhenDue() {
  std::unique_lock stop(keeper_mu_);
  while (!keeper_cv_.wait_for(stop, slice_ / 2, [this] { return stopping_; })) {
    stop.unlock();
    {
      Held lock(mu_);  // no section runs while the lease goes back
      if (held_ && std::chrono::steady_clock::now() - acquired_ >= slice_) HandBackLocked();
    }
    stop.lock();
  }
}

void WriteSerializer::HandBackLocked() {
  // What sections submitted must be in the database before another process
  // may read it. A failed commit is dropped by the writer, so nothing of
  // this process's can land after the hand-back either way.
  if (Status st = flush_(); !st.ok()) spdlog::warn("commit before handing the write lease back: {}", st.message());
  if (Status st = cluster_->ReleaseLease(); !st.ok())
    spdlog::warn("hand the write lease back: {} (the database ends it with the connection)", st.message());
  held_ = false;
}

}  // namespace shinrai::store
