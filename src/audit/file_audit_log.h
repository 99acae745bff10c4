// FileAuditLog: the tamper-evident record of every use of personal data.
//
// Every read of a person's data (who, which key, which person, which fields,
// why), consent change, merge, export, erasure, key operation and
// configuration change is one line of <dir>/audit.jsonl. Each entry carries
// its sequence number, the previous entry's hash and its own hash
// (SHA-256 over the previous hash and the entry), so altering, removing or
// reordering any entry breaks the chain; <dir>/head.json names the last
// entry, so cutting entries off the end is caught too. (An attacker who can
// rewrite the whole file and the head can forge a new chain: publish the head
// hash `shinrai audit verify` prints to somewhere they cannot write.)
//
// Several processes may append (the server, `shinrai keys`): each append
// holds an exclusive flock (on <dir>/audit.lock) and continues the chain from
// the log's real end. Appends are written at once and synced by a background
// flusher every 200 ms, or at once when `sync` is asked (erasure, key operations).
//
// The log is kept in segments: when audit.jsonl passes `segment_bytes` it is
// renamed audit.<last seq, 12 digits>.jsonl (old segments can be archived
// whole) and the chain continues in a new audit.jsonl.
//
// Thread-safety: Append and Flush may be called concurrently.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/env.h"
#include "core/status.h"
#include "audit/audit_log.h"
#include "crypto/secret_key.h"

namespace shinrai::audit {

class FileAuditLog final : public AuditLog {
 public:
  // Creates the directory and the file when missing.
  static constexpr int64_t kDefaultSegmentBytes = 64 << 20;
  // `head_key` (derived from the master key, see HeadKeyFrom) signs the head,
  // so that cutting entries off the end and rewriting the head to match
  // needs the master key; without one (encryption at rest off) the head is
  // unsigned.
  static Result<std::unique_ptr<FileAuditLog>> Open(const std::string& dir, Env* env,
                                                int64_t segment_bytes = kDefaultSegmentBytes,
                                                std::optional<crypto::SecretKey> head_key = std::nullopt);
  ~FileAuditLog() override;  // flushes

  Status Append(const AuditEntry& e, bool sync = false) override;
  // Syncs what was appended and updates the head.
  Status Flush() override;
  // Every entry, closed segments included (ReadEntries on dir()).
  Result<std::vector<nlohmann::json>> Entries() override;
  // audit::Verify on dir() with this log's head key.
  Result<VerifyReport> Verify() override;
  const std::string& dir() const { return dir_; }

 private:
  FileAuditLog(std::string dir, Env* env, int64_t segment_bytes, std::optional<crypto::SecretKey> head_key);
  Status WriteHeadLocked();
  // Under the lock: follow a rotation by another process, find the chain's
  // end if the log changed since our last append, and rotate when full.
  Status CatchUpLocked(int64_t* size);
  void FlusherLoop();

  const std::string dir_;
  Env* const env_;
  const int64_t segment_bytes_;
  const std::optional<crypto::SecretKey> head_key_;
  int fd_ = -1;
  int lock_fd_ = -1;
  std::mutex mu_;
  int64_t seq_ = 0;       // last sequence number written
  std::string last_hash_; // its hash
  int64_t known_end_ = 0; // file size after our last append
  bool dirty_ = false;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

// Reads <dir>/audit.jsonl and <dir>/head.json. An error only when the log
// cannot be read at all; a broken chain is reported in the VerifyReport, and
// so is a missing head (a log cut at its end, or emptied, with the head
// deleted) and, given `head_key`, a head whose signature does not hold.
Result<VerifyReport> Verify(const std::string& dir, std::optional<crypto::SecretKey> head_key = std::nullopt);

// The key that signs the audit head, derived from the master key.
crypto::SecretKey HeadKeyFrom(const crypto::SecretKey& master);

// Every entry, parsed (for reports and `shinrai audit subjects`).
Result<std::vector<nlohmann::json>> ReadEntries(const std::string& dir);



}  // namespace shinrai::audit
