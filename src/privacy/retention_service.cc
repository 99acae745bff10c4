#include "privacy/retention_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "profile/keys.h"
#include "profile/profile.h"
#include "schema/retention_rules.h"

namespace shinrai::service {

nlohmann::json RetentionReportToJson(const RetentionReport& r) {
  return {{"events_checked", r.events_checked}, {"events_overdue", r.events_overdue},
          {"traits_overdue", r.traits_overdue}, {"profiles_touched", r.profiles_touched}, {"seconds", r.seconds}};
}

int64_t EventRetentionSeconds(const schema::Declaration& d, const profile::Event& e) {
  using profile::CallType;
  if (e.type == CallType::kIdentify || e.type == CallType::kGroup || e.type == CallType::kAlias)
    return schema::TraitCallRetentionSeconds(e.type == CallType::kGroup ? d.group_traits : d.traits, e.traits);
  return schema::EventRetentionSeconds(d, e.type == CallType::kTrack ? e.name : profile::CallTypeName(e.type));
}

RetentionService::RetentionService(const UseCaseDeps& deps, std::vector<DerivedData*> derived)
    : d_(deps),
      derived_(std::move(derived)) {}

RetentionService::~RetentionService() { StopSchedule(); }

Result<RetentionReport> RetentionService::Sweep(bool dry_run) {
  std::lock_guard one_at_a_time(sweep_mu_);
  const auto start = std::chrono::steady_clock::now();
  const schema::Declaration& d = d_.config.declaration;
  const int64_t now = d_.env.NowMillis();
  RetentionReport report;
  std::vector<std::string> overdue_events;
  {
    store::ScanOptions so;
    so.prefix = std::string(profile::EventFamily());
    Status bad;
    RETURN_IF_ERROR(d_.store.Scan(so, [&](std::string_view key, std::string_view value) {
      ++report.events_checked;
      auto e = profile::DecodeEvent(value);
      if (!e.ok()) {
        bad = e.status();
        return false;
      }
      const int64_t keep = EventRetentionSeconds(d, *e);
      if (keep > 0 && e->timestamp_ms + keep * 1000 < now) overdue_events.emplace_back(key);
      return true;
    }));
    RETURN_IF_ERROR(bad);
  }
  report.events_overdue = static_cast<int64_t>(overdue_events.size());

  // Traits, from each person's last activity.
  std::vector<std::string> stale_profiles;
  {
    store::ScanOptions so;
    so.prefix = std::string(profile::ProfileFamily());
    RETURN_IF_ERROR(d_.store.Scan(so, [&](std::string_view key, std::string_view value) {
      auto p = profile::DecodeProfile(value);
      if (!p.ok() || !p->merged_into.empty()) return true;
      int64_t stale = 0;
      for (const auto& [name, _] : p->traits.items()) stale += schema::TraitOverdue(d, name, p->updated_ms, now);
      if (stale) {
        report.traits_overdue += stale;
        stale_profiles.emplace_back(key.substr(so.prefix.size()));
      }
      return true;
    }));
  }
  if (!dry_run && (!overdue_events.empty() || !stale_profiles.empty())) {
    ASSIGN_OR_RETURN(auto lock, d_.serializer.Lock());
    store::Transaction txn = d_.writer.Begin();
    for (auto& k : overdue_events) txn.Delete(std::move(k));
    for (const auto& id : stale_profiles) {
      // Re-read under the lock: collection may have touched the person since the scan.
      ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(profile::ProfileKey(id)));
      if (!raw) continue;
      ASSIGN_OR_RETURN(profile::Profile p, profile::DecodeProfile(*raw));
      bool changed = false;
      for (auto it = p.traits.begin(); it != p.traits.end();) {
        if (schema::TraitOverdue(d, it.key(), p.updated_ms, now)) {
          it = p.traits.erase(it);
          changed = true;
        } else {
          ++it;
        }
      }
      if (changed) {
        txn.Put(profile::ProfileKey(p.id), profile::EncodeProfile(p));
        ++report.profiles_touched;
      }
    }
    std::promise<Status> committed;
    auto future = committed.get_future();
    d_.writer.Submit(std::move(txn), [&committed](const Status& st) { committed.set_value(st); });
    RETURN_IF_ERROR(future.get());
    lock.unlock();
    // Deleted is not gone until the files holding it are rewritten.
    RETURN_IF_ERROR(d_.store.CompactPrefix(profile::EventFamily()));
    RETURN_IF_ERROR(d_.store.CompactPrefix(profile::ProfileFamily()));
    for (DerivedData* derived : derived_) derived->ForgetExpired(!overdue_events.empty());
    RETURN_IF_ERROR(d_.audit.Append({"retention.sweep", {"", "retention job", "system"}, "", {}, "",
                                    {{"events_deleted", report.events_overdue}, {"traits_deleted", report.traits_overdue}}},
                                   true));
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

void RetentionService::StartSchedule() {
  const int64_t every = d_.config.security.retention_check_seconds;
  if (every <= 0) return;
  schedule_.Start(std::chrono::seconds(every), /*run_first=*/true, [this] {
    auto r = Sweep(/*dry_run=*/false);
    if (!r.ok()) spdlog::warn("retention sweep failed: {}", r.status().ToString());
    else if (r->events_overdue || r->traits_overdue)
      spdlog::info("retention: deleted {} events and {} traits past their retention", r->events_overdue,
                   r->traits_overdue);
  });
}

void RetentionService::StopSchedule() { schedule_.Stop(); }

}  // namespace shinrai::service
