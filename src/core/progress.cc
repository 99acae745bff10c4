#include "core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <mutex>

#include "core/logging.h"

namespace shinrai {

namespace {

std::atomic<bool> enabled{false};
std::mutex print_mu;  // lines of two phases never interleave
constexpr int64_t kRefreshMs = 200;

}  // namespace

void Progress::Enable(bool on) { enabled = on; }

Progress::Progress(std::string phase, int64_t total)
    : phase_(std::move(phase)),
      total_(total),
      on_(enabled.load()),
      terminal_(on_ && isatty(STDERR_FILENO) == 1),
      began_(std::chrono::steady_clock::now()) {
  if (terminal_) Print(false);
}

Progress::~Progress() {
  if (on_) Print(true);
}

void Progress::Advance(int64_t n) {
  done_ += n;
  if (!terminal_) return;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began_).count();
  int64_t last = printed_at_ms_.load();
  if (now - last < kRefreshMs || !printed_at_ms_.compare_exchange_strong(last, now)) return;
  Print(false);
}

void Progress::Print(bool last) {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began_).count();
  const long long done = static_cast<long long>(done_.load());
  char counts[64] = "";
  if (total_ > 0) std::snprintf(counts, sizeof counts, " %lld/%lld", done, static_cast<long long>(total_));
  else if (done > 0) std::snprintf(counts, sizeof counts, " %lld", done);
  std::lock_guard lock(print_mu);
  // A log shipper reads one JSON object a line: the phase's end is an event.
  if (!terminal_ && logging::Json()) {
    if (last) logging::Event("progress", {{"phase", phase_}, {"done", done}, {"total", total_}, {"seconds", seconds}});
    return;
  }
  // On a terminal the line is rewritten in place (\r, then cleared to its end).
  std::fprintf(stderr, "%s%s:%s %.1f s%s%s", terminal_ ? "\r" : "", phase_.c_str(), counts, seconds,
               terminal_ ? "\033[K" : "", last || !terminal_ ? (last ? " done\n" : "\n") : "");
  std::fflush(stderr);
}

}  // namespace shinrai
