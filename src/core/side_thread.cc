#include "core/side_thread.h"

namespace shinrai {

SideThread::SideThread() : thread_([this] { Loop(); }) {}

SideThread::~SideThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

std::future<Status> SideThread::Run(std::function<Status()> task) {
  std::packaged_task<Status()> packaged(std::move(task));
  std::future<Status> done = packaged.get_future();
  {
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(packaged));
  }
  cv_.notify_one();
  return done;
}

void SideThread::Loop() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    std::packaged_task<Status()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace shinrai
