// Periodic: a background thread that runs a job every interval, or sooner
// when woken (retrain after an erasure), until stopped. The server's
// schedules (model training, the retention sweep) are both one of these.
//
// Thread-safety: Start, Wake and Stop may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace shinrai {

class Periodic {
 public:
  Periodic() = default;
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;
  ~Periodic() { Stop(); }

  // Runs `job` at once when `run_first`, then every `every` (zero or less:
  // only when woken).
  void Start(std::chrono::seconds every, bool run_first, std::function<void()> job);
  void Wake();
  // Waits for a running job to finish.
  void Stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  bool woken_ = false;     // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace shinrai
