// Progress of long work (`shinrai eval`, `train`, the demo load) on standard
// error, where logs go: on a terminal one line per phase updated in place
// (phase, done/total, elapsed); otherwise (a log file, CI) one line per
// phase when it ends. Silent unless a command turned it on (Enable): the
// server's own periodic training reports nothing per phase.
//
// Thread-safety: Advance may be called from several threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace shinrai {

class Progress {
 public:
  // For the rest of the process, or until disabled.
  static void Enable(bool on = true);

  // `total`: 0 when unknown.
  explicit Progress(std::string phase, int64_t total = 0);
  ~Progress();  // the phase's last line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Advance(int64_t n = 1);

 private:
  void Print(bool last);

  const std::string phase_;
  const int64_t total_;
  const bool on_;
  const bool terminal_;
  const std::chrono::steady_clock::time_point began_;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> printed_at_ms_{-1'000'000};
};

}  // namespace shinrai
