// RetentionService: deletes data past its declared retention.
//
//   events   each event is kept for its declaration's `retention` from when it
//            happened (identify and group calls: the longest retention of the
//            traits they carry);
//   traits   a trait is kept for its `retention` from the person's last
//            activity (an account untouched for that long loses it);
//   derived  recommendation feedback of deleted events' people is left (it
//            has its own purpose), but the model is retrained without the
//            deleted events.
// Data declared without a retention period is kept. A sweep runs every
// `security.retention_check_every` in the server; `dry_run` only counts what
// is overdue (the privacy audit report's "retention violations").
//
// Thread-safety: Sweep may be called from any thread; one runs at a time.
#pragma once

#include <mutex>
#include <nlohmann/json.hpp>

#include "core/periodic.h"
#include "privacy/derived_data.h"
#include "profile/event.h"
#include "usecase/deps.h"

namespace shinrai::service {

struct RetentionReport {
  int64_t events_checked = 0;
  int64_t events_overdue = 0;   // deleted, or found in a dry run
  int64_t traits_overdue = 0;
  int64_t profiles_touched = 0;
  double seconds = 0;
};
nlohmann::json RetentionReportToJson(const RetentionReport& r);

// How long an event is kept (seconds; 0: no declared period).
int64_t EventRetentionSeconds(const schema::Declaration& d, const profile::Event& e);

class RetentionService {
 public:
  // `derived`: what keeps data derived from people (a sweep reaches it).
  RetentionService(const UseCaseDeps& deps, std::vector<DerivedData*> derived);
  ~RetentionService();

  Result<RetentionReport> Sweep(bool dry_run);
  void StartSchedule();
  void StopSchedule();

 private:
  const UseCaseDeps d_;
  const std::vector<DerivedData*> derived_;
  std::mutex sweep_mu_;
  Periodic schedule_;
};

}  // namespace shinrai::service
