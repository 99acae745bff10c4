#include "core/metrics.h"

#include <cmath>
#include <charconv>

namespace shinrai::metrics {

namespace {

// A label value in the exposition: backslash, quote and newline escaped.
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string LabelText(const Labels& labels, const std::string& extra_name = "", const std::string& extra = "") {
  if (labels.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (const auto& [k, v] : labels) out += (out.size() > 1 ? "," : "") + k + "=\"" + Escape(v) + "\"";
  if (!extra_name.empty()) out += (out.size() > 1 ? "," : "") + extra_name + "=\"" + extra + "\"";
  return out + "}";
}

std::string Number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // the shortest text that reads back the same
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(std::max(0.0, v) * 1e6), std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::cumulative() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) out[i] = running += counts_[i].load(std::memory_order_relaxed);
  return out;
}

double Histogram::sum() const { return static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6; }

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Family& Registry::FamilyOf(const std::string& name, const std::string& help, const char* type) {
  Family& f = families_[name];
  if (f.type.empty()) {
    f.help = help;
    f.type = type;
  }
  return f;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyOf(name, help, "counter").counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, const std::vector<double>& bounds,
                               const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = FamilyOf(name, help, "histogram").histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

void Registry::gauge(const std::string& name, const std::string& help, GaugeRead read) {
  std::lock_guard lock(mu_);
  FamilyOf(name, help, "gauge").read = std::move(read);
}

std::string Registry::Render() const {
  std::map<std::string, std::string> text;  // by family name
  struct GaugeToRead {
    std::string name, help;
    GaugeRead read;
  };
  std::vector<GaugeToRead> gauges;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, f] : families_) {
      if (f.read) {
        gauges.push_back({name, f.help, f.read});  // read below, outside the lock: it may read the store
        continue;
      }
      std::string& out = text[name];
      out = "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
      for (const auto& [labels, c] : f.counters) out += name + LabelText(labels) + " " + std::to_string(c->value()) + "\n";
      for (const auto& [labels, h] : f.histograms) {
        const std::vector<uint64_t> counts = h->cumulative();
        for (size_t i = 0; i < counts.size(); ++i) {
          const std::string le = i < h->bounds().size() ? Number(h->bounds()[i]) : "+Inf";
          out += name + "_bucket" + LabelText(labels, "le", le) + " " + std::to_string(counts[i]) + "\n";
        }
        out += name + "_sum" + LabelText(labels) + " " + Number(h->sum()) + "\n";
        out += name + "_count" + LabelText(labels) + " " + std::to_string(counts.back()) + "\n";
      }
    }
  }
  for (const auto& g : gauges) {
    std::vector<std::pair<Labels, double>> values;
    g.read(values);
    std::string& out = text[g.name];
    out = "# HELP " + g.name + " " + g.help + "\n# TYPE " + g.name + " gauge\n";
    for (const auto& [labels, v] : values) out += g.name + LabelText(labels) + " " + Number(v) + "\n";
  }
  std::string all;
  for (const auto& [_, t] : text) all += t;
  return all;
}

Registry& Default() {
  static Registry* registry = new Registry();  // never destroyed: threads may count while the process exits
  return *registry;
}

}  // namespace shinrai::metrics
