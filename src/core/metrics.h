// Metrics in the Prometheus text format (GET /metrics): counters, histograms
// and gauges read at scrape time, with names prefixed shinrai_. Label values
// are route patterns, status codes, reasons, roles, purposes and the like:
// never a person's identifier, trait or address (callers pass only values
// the declaration or the code names).
//
// Thread-safety: safe for concurrent use. Updating a series costs one
// lookup under a mutex the first time and an atomic add after, through the
// reference callers keep.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shinrai::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound (the last is +Inf), the sum and the count.
  std::vector<uint64_t> cumulative() const;
  double sum() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // one per bound, plus +Inf
  std::atomic<uint64_t> sum_micro_{0};               // the sum, in millionths
};

// Latency buckets, in seconds: 0.5 ms to 10 s.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const std::vector<double>& bounds,
                       const Labels& labels = {});
  // A gauge worked out at each scrape; `read` adds (labels, value) pairs.
  using GaugeRead = std::function<void(std::vector<std::pair<Labels, double>>& out)>;
  void gauge(const std::string& name, const std::string& help, GaugeRead read);
  // The exposition, text format 0.0.4.
  std::string Render() const;

 private:
  struct Family {
    std::string help, type;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
    GaugeRead read;
  };
  Family& FamilyOf(const std::string& name, const std::string& help, const char* type);
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // GUARDED_BY(mu_)
};

// The process's registry, which /metrics renders.
Registry& Default();

}  // namespace shinrai::metrics
