#include "audit/memory_audit_log.h"

namespace shinrai::audit {

Status MemoryAuditLog::Append(const AuditEntry& e, bool /*sync*/) {
  std::lock_guard lock(mu_);
  nlohmann::json j = EntryJson(e, static_cast<int64_t>(entries_.size()) + 1, env_->NowMillis(), last_hash_);
  last_hash_ = EntryHash(last_hash_, j);
  j["hash"] = last_hash_;
  entries_.push_back(std::move(j));
  return Status::Ok();
}

Result<std::vector<nlohmann::json>> MemoryAuditLog::Entries() {
  std::lock_guard lock(mu_);
  return entries_;
}

Result<VerifyReport> MemoryAuditLog::Verify() {
  std::lock_guard lock(mu_);
  VerifyReport r;
  r.entries = static_cast<int64_t>(entries_.size());
  r.head_hash = last_hash_;
  return r;
}

}  // namespace shinrai::audit
