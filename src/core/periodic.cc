#include "core/periodic.h"

namespace shinrai {

void Periodic::Start(std::chrono::seconds every, bool run_first, std::function<void()> job) {
  thread_ = std::thread([this, every, run_first, job = std::move(job)] {
    std::unique_lock lock(mu_);
    bool run = run_first;
    while (!stopping_) {
      if (!run) {
        auto due = [this] { return stopping_ || woken_; };
        if (every.count() <= 0) cv_.wait(lock, due);
        else cv_.wait_for(lock, every, due);
        if (stopping_) break;
      }
      run = false;
      woken_ = false;
      lock.unlock();
      job();
      lock.lock();
    }
  });
}

void Periodic::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void Periodic::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace shinrai
