// AuditLog: where every use of personal data is recorded, whoever stores it.
//
// The services take one by reference: a use case cannot be built without a
// log, so "every read of a person's data is logged" holds in code, not by
// convention. The server and the commands use FileAuditLog (the hash-chained
// file, file_audit_log.h); tests that do not look at the disk use
// MemoryAuditLog.
//
// Thread-safety: implementations accept concurrent Append and Flush.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "crypto/secret_key.h"

namespace shinrai::audit {

struct Actor {
  std::string key_id;  // fingerprint of the key, never the key
  std::string key_name;
  std::string role;  // "admin", ..., or "system" for the server's own jobs, "cli" for commands
};

struct AuditEntry {
  std::string action;  // profile.read, consent.change, rights.erasure, key.create, config.load, ...
  Actor actor;
  std::string subject;  // a profile id, or "" when no one person is concerned
  std::vector<std::string> fields;
  std::string reason;  // the stated reason (agents must give one)
  nlohmann::json detail = nlohmann::json::object();
};

struct VerifyReport {
  bool ok = true;
  int64_t entries = 0;
  std::string head_hash;  // hash of the last entry
  int64_t bad_line = 0;   // 1-based line of the first bad entry
  std::string problem;    // what is wrong with it
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  // `sync`: durable before returning (erasure, key operations); otherwise
  // within the implementation's flush interval.
  virtual Status Append(const AuditEntry& e, bool sync = false) = 0;
  virtual Status Flush() = 0;
  // Every entry in order, as written (EntryJson plus "hash").
  virtual Result<std::vector<nlohmann::json>> Entries() = 0;
  // Whether the chain holds, from its start to its signed head.
  virtual Result<VerifyReport> Verify() = 0;
};

// The hash that starts every chain.
inline const std::string kGenesisHash(64, '0');

// An entry as it is chained: numbered, timed, pointing at the previous hash.
nlohmann::json EntryJson(const AuditEntry& e, int64_t seq, int64_t at_ms, const std::string& prev_hash);

// The hash of an entry given the previous hash: SHA-256 hex.
std::string EntryHash(const std::string& prev_hash, const nlohmann::json& entry_without_hash);

// Checks entry `n` (1-based) of a chain, as stored, against the hash of the
// entry before it. "" when it holds (its hash in *hash); otherwise what is
// wrong, for a VerifyReport.
std::string CheckChainedEntry(std::string_view stored, int64_t n, const std::string& prev, std::string* hash);

// The signature of a head naming entry `seq` with `hash`, by the key
// derived from the master key (HeadKeyFrom, file_audit_log.h).
std::string HeadSignature(const crypto::SecretKey& key, int64_t seq, const std::string& hash);

// True for the actions that read a person's data (profile.read, consent.read,
// recommendations.serve, rights.export): what breach notification and the
// privacy report count.
bool IsPersonalDataRead(std::string_view action);

}  // namespace shinrai::audit
