#include "privacy/retention_service.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <future>

#include "profile/keys.h"
#include "profile/profile.h"

namespace shinrai::service {

nlohmann::json RetentionReportToJson(const RetentionReport& r) {
  return {{"events_checked", r.events_checked}, {"events_overdue", r.events_overdue},
          {"traits_overdue", r.traits_overdue}, {"profiles_touched", r.profiles_touched}, {"seconds", r.seconds}};
}

int64_t EventRetentionSeconds(const schema::Declaration& d, const profile::Event& e) {
  using profile::CallType;
  if (e.type == CallType::kIdentify || e.type == CallType::kGroup || e.type == CallType::kAlias) {
    const schema::FieldMap& fields = e.type == CallType::kGroup ? d.group_traits : d.traits;
    int64_t longest = 0;
    for (const auto& [name, _] : e.traits.items()) {
      if (auto f = fields.find(name); f != fields.end()) longest = std::max(longest, f->second.retention_seconds);
    }
    return longest;
  }
  const std::string name = e.type == CallType::kTrack ? e.name : std::string(profile::CallTypeName(e.type));
  const schema::EventSpec* spec = d.FindEvent(name);
  return spec ? spec->retention_seconds : 0;
}

RetentionService::RetentionService(const schema::Config* config, store::Store* store, store::StagedWriter* writer,
                                   store::WriteSerializer* serializer, Env* env, audit::AuditLog* audit,
                                   std::vector<DerivedData*> derived)
    : config_(config),
      store_(store),
      writer_(writer),
      serializer_(serializer),
      env_(env),
      audit_(audit),
      derived_(std::move(derived)) {}

RetentionService::~RetentionService() { StopSchedule(); }

Result<RetentionReport> RetentionService::Sweep(bool dry_run) {
  std::lock_guard one_at_a_time(sweep_mu_);
  const auto start = std::chrono::steady_clock::now();
  const schema::Declaration& d = config_->declaration;
  const int64_t now = env_->NowMillis();
  RetentionReport report;
  std::vector<std::string> overdue_events;
  {
    store::ScanOptions so;
    so.prefix = std::string(profile::EventFamily());
    Status bad;
    RETURN_IF_ERROR(store_->Scan(so, [&](std::string_view key, std::string_view value) {
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
    RETURN_IF_ERROR(store_->Scan(so, [&](std::string_view key, std::string_view value) {
      auto p = profile::DecodeProfile(value);
      if (!p.ok() || !p->merged_into.empty()) return true;
      int64_t stale = 0;
      for (const auto& [name, _] : p->traits.items()) {
        auto f = d.traits.find(name);
        if (f != d.traits.end() && f->second.retention_seconds > 0 &&
            p->updated_ms + f->second.retention_seconds * 1000 < now) {
          ++stale;
        }
      }
      if (stale) {
        report.traits_overdue += stale;
        stale_profiles.emplace_back(key.substr(so.prefix.size()));
      }
      return true;
    }));
  }
  if (!dry_run && (!overdue_events.empty() || !stale_profiles.empty())) {
    auto lock = serializer_->Lock();
    store::Transaction txn = writer_->Begin();
    for (auto& k : overdue_events) txn.Delete(std::move(k));
    for (const auto& id : stale_profiles) {
      // Re-read under the lock: collection may have touched the person since the scan.
      ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(profile::ProfileKey(id)));
      if (!raw) continue;
      ASSIGN_OR_RETURN(profile::Profile p, profile::DecodeProfile(*raw));
      bool changed = false;
      for (auto it = p.traits.begin(); it != p.traits.end();) {
        auto f = d.traits.find(it.key());
        if (f != d.traits.end() && f->second.retention_seconds > 0 &&
            p.updated_ms + f->second.retention_seconds * 1000 < now) {
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
    writer_->Submit(std::move(txn), [&committed](const Status& st) { committed.set_value(st); });
    RETURN_IF_ERROR(future.get());
    lock.unlock();
    // Deleted is not gone until the files holding it are rewritten.
    RETURN_IF_ERROR(store_->CompactPrefix(profile::EventFamily()));
    RETURN_IF_ERROR(store_->CompactPrefix(profile::ProfileFamily()));
    {
      for (DerivedData* derived : derived_) derived->ForgetExpired(!overdue_events.empty());
    }
    if (audit_) {
      RETURN_IF_ERROR(audit_->Append({"retention.sweep", {"", "retention job", "system"}, "", {}, "",
                                      {{"events_deleted", report.events_overdue},
                                       {"traits_deleted", report.traits_overdue}}},
                                     true));
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

void RetentionService::StartSchedule() {
  const int64_t every = config_->security.retention_check_seconds;
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
