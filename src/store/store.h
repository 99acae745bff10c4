// Store: the ordered key-value interface every backend implements.
//
// Keys and values are byte strings; keys sort byte-wise (docs/key-encoding.md
// lists the key families). A backend guarantees:
//   - Write() applies a batch atomically; when it returns ok with
//     WriteOptions::sync, the batch survives a crash of the process or the
//     machine (the RocksDB backend syncs its WAL).
//   - Scan() sees a consistent snapshot.
// Backends: OpenRocksStore (embedded, store/rocksdb/), NewMemoryStore (tests).
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shinrai::store {

class WriteBatch {
 public:
  struct Op {
    enum Kind { kPut, kDelete } kind;
    std::string key;
    std::string value;
  };

  void Put(std::string key, std::string value) {
    ops_.push_back({Op::kPut, std::move(key), std::move(value)});
  }
  void Delete(std::string key) { ops_.push_back({Op::kDelete, std::move(key), {}}); }
  void Append(WriteBatch&& other) {
    for (auto& op : other.ops_) ops_.push_back(std::move(op));
    other.ops_.clear();
  }
  const std::vector<Op>& ops() const { return ops_; }
  bool empty() const { return ops_.empty(); }
  size_t size() const { return ops_.size(); }

 private:
  std::vector<Op> ops_;
};

struct ScanOptions {
  std::string prefix;      // only keys starting with this
  bool reverse = false;    // Default: ascending key order
  size_t limit = 0;        // Default: 0 = no limit
};

// Return false to stop the scan early.
using ScanVisitor = std::function<bool(std::string_view key, std::string_view value)>;

class Store {
 public:
  virtual ~Store() = default;

  // nullopt when the key is absent.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  // REQUIRES: sync=true for anything acknowledged to a client.
  virtual Status Write(const WriteBatch& batch, bool sync) = 0;
  virtual Status Scan(const ScanOptions& options, const ScanVisitor& visit) = 0;
  // Ask the backend to rewrite files holding [prefix, prefix+1) so deleted
  // data leaves the disk. A no-op where the backend has no such files.
  virtual Status CompactPrefix(std::string_view prefix) = 0;
  // After a failed write (a full disk, no file descriptors left), bring the
  // backend back into service once the cause is gone; ok when it is usable.
  // Default: nothing to recover.
  virtual Status Recover() { return Status::Ok(); }
  // A short name for logs and readiness ("rocksdb", "memory").
  virtual std::string_view Name() const = 0;
  // Bytes the backend holds in memory, by part ("memtables", "block_cache",
  // "table_readers"), for /metrics. Default: none worth reporting.
  virtual std::vector<std::pair<std::string, int64_t>> MemoryBytes() const { return {}; }
};

struct RocksOptions {
  std::string path;                  // REQUIRES: a writable directory path
  size_t block_cache_bytes = 256 << 20;  // Default: 256 MiB
  bool create_if_missing = true;     // Default: true
  // LZ4 block compression. Off where values are ciphertext (it cannot shrink
  // them, and uncompressed files can be checked byte by byte for plaintext).
  bool compress = true;
  // Keep RocksDB statistics so RocksWalSyncs can count WAL syncs (tests).
  bool count_wal_syncs = false;  // Default: false
};

Result<std::unique_ptr<Store>> OpenRocksStore(const RocksOptions& options);
// How often `store`'s write-ahead log has been synced: a store opened by
// OpenRocksStore with count_wal_syncs; -1 for any other store.
int64_t RocksWalSyncs(Store& store);
std::unique_ptr<Store> NewMemoryStore();

// The smallest string greater than every string with this prefix, or "" when
// there is none (prefix all 0xff).
std::string PrefixSuccessor(std::string_view prefix);

}  // namespace shinrai::store
