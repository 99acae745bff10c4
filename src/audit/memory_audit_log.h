// MemoryAuditLog: the audit chain kept in memory, for tests of the use cases
// that do not look at the disk. Entries are chained and hashed exactly as in
// the file, so a test reads what the server would have written.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <mutex>

#include "audit/audit_log.h"
#include "core/env.h"

namespace shinrai::audit {

class MemoryAuditLog final : public AuditLog {
 public:
  explicit MemoryAuditLog(Env* env = Env::Default()) : env_(env) {}

  Status Append(const AuditEntry& e, bool sync = false) override;
  Status Flush() override { return Status::Ok(); }
  Result<std::vector<nlohmann::json>> Entries() override;
  // Nothing here can be altered from outside: the chain holds.
  Result<VerifyReport> Verify() override;

 private:
  Env* const env_;
  std::mutex mu_;
  std::vector<nlohmann::json> entries_;
  std::string last_hash_ = kGenesisHash;
};

}  // namespace shinrai::audit
