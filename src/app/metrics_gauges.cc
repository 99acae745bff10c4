#include "app/metrics_gauges.h"

#include <limits>

#include "core/metrics.h"
#include "core/time_format.h"
#include "privacy/rights_service.h"

namespace shinrai::app {

void RegisterGauges(Services& s, store::Store& store) {
  auto& m = metrics::Default();
  m.gauge("shinrai_model_age_seconds", "Seconds since the served recommendation model was trained",
          [&s](auto& out) {
            if (auto model = s.recs.model()) out.push_back({{}, (s.base.env.NowMillis() - model->version) / 1000.0});
          });
  m.gauge("shinrai_store_healthy", "1 while storage takes writes, 0 after a failed commit until it recovers",
          [&s](auto& out) { out.push_back({{}, s.writer.health().ok() ? 1.0 : 0.0}); });
  m.gauge("shinrai_store_memory_bytes", "Memory the store holds, by part (RocksDB: memtables, block cache, "
          "index and filter blocks)", [&store](auto& out) {
            for (const auto& [part, bytes] : store.MemoryBytes())
              out.push_back({{{"part", part}}, static_cast<double>(bytes)});
          });
  m.gauge("shinrai_rights_requests", "Data-subject requests by type and status", [&store](auto& out) {
    auto requests = service::ListRightsRequests(store);
    if (!requests.ok()) return;
    std::map<std::pair<std::string, std::string>, int> by;
    for (const auto& r : *requests) ++by[{r.value("type", ""), r.value("status", "")}];
    for (const auto& [k, n] : by) out.push_back({{{"type", k.first}, {"status", k.second}}, static_cast<double>(n)});
  });
  m.gauge("shinrai_rights_seconds_to_next_deadline",
          "Seconds until the nearest deadline of an open request (negative: overdue); absent when none is open",
          [&s, &store](auto& out) {
            auto requests = service::ListRightsRequests(store);
            if (!requests.ok()) return;
            double nearest = std::numeric_limits<double>::infinity();
            for (const auto& r : *requests) {
              const std::string status = r.value("status", "");
              if (status == "completed" || status == "rejected") continue;
              if (auto due = ParseIso8601Millis(r.value("due", "")))
                nearest = std::min(nearest, (*due - s.base.env.NowMillis()) / 1000.0);
            }
            if (nearest != std::numeric_limits<double>::infinity()) out.push_back({{}, nearest});
          });
}

}  // namespace shinrai::app
