// The embedded backend: one RocksDB database in the data directory.
//
// Durability: every client-visible write uses WriteOptions::sync, so the WAL
// is fsync'ed before Write() returns; StagedWriter groups concurrent requests
// into one synced write (group commit) to keep that cheap.
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <mutex>
#include <shared_mutex>

#include "store/store.h"

namespace shinrai::store {

namespace {

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::Ok();
  // I/O errors (no descriptors, no space) pass; the client may retry.
  if (s.IsIOError()) return Unavailable("storage " + std::string(what) + " failed: " + s.ToString());
  return Internal("storage " + std::string(what) + " failed: " + s.ToString());
}

Status Closed() { return Unavailable("storage is closed after an I/O error; it reopens once the cause is gone"); }

class RocksStore : public Store {
 public:
  RocksStore(std::unique_ptr<rocksdb::DB> db, rocksdb::Options options, std::string path)
      : options_(std::move(options)), path_(std::move(path)), db_(std::move(db)) {}

  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::shared_lock lock(mu_);
    if (!db_) return Closed();
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromRocks(s, "read");
    return std::optional<std::string>(std::move(value));
  }

  Status Write(const WriteBatch& batch, bool sync) override {
    std::shared_lock lock(mu_);
    if (!db_) return Closed();
    rocksdb::WriteBatch wb;
    for (const auto& op : batch.ops()) {
      if (op.kind == WriteBatch::Op::kPut) {
        wb.Put(op.key, op.value);
      } else {
        wb.Delete(op.key);
      }
    }
    rocksdb::WriteOptions wo;
    wo.sync = sync;
    return FromRocks(db_->Write(wo, &wb), "write");
  }

  Status Scan(const ScanOptions& options, const ScanVisitor& visit) override {
    std::shared_lock lock(mu_);
    if (!db_) return Closed();
    rocksdb::ReadOptions ro;
    const std::string upper = PrefixSuccessor(options.prefix);
    rocksdb::Slice upper_slice(upper);
    rocksdb::Slice lower_slice(options.prefix);
    if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
    ro.iterate_lower_bound = &lower_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    size_t n = 0;
    if (options.reverse) {
      if (upper.empty()) it->SeekToLast(); else it->SeekForPrev(upper);
      // SeekForPrev lands on upper itself when it exists; the bound excludes it.
      for (; it->Valid(); it->Prev()) {
        if (!it->key().starts_with(options.prefix)) continue;
        if (options.limit && n++ >= options.limit) break;
        if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
      }
    } else {
      for (it->Seek(options.prefix); it->Valid(); it->Next()) {
        if (options.limit && n++ >= options.limit) break;
        if (!visit(it->key().ToStringView(), it->value().ToStringView())) break;
      }
    }
    return FromRocks(it->status(), "scan");
  }

  Status CompactPrefix(std::string_view prefix) override {
    const std::string begin(prefix);
    const std::string end = PrefixSuccessor(prefix);
    rocksdb::Slice b(begin), e(end);
    std::shared_lock lock(mu_);
    if (!db_) return Closed();
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
    RETURN_IF_ERROR(FromRocks(db_->Flush(rocksdb::FlushOptions()), "flush"));
    return FromRocks(db_->CompactRange(co, &b, end.empty() ? nullptr : &e), "compaction");
  }

  // RocksDB stops writing after an I/O error until Resume(). Some errors it
  // calls fatal, and Resume() never succeeds then (a memtable flush that could
  // not open its file for EMFILE is one): the database is closed and opened
  // again, which replays the WAL, so nothing acknowledged is lost.
  Status Recover() override {
    {
      std::shared_lock lock(mu_);
      if (db_ && db_->Resume().ok()) return Status::Ok();
    }
    std::unique_lock lock(mu_);
    if (db_) {
      (void)db_->Close();
      db_.reset();
    }
    rocksdb::DB* raw = nullptr;
    RETURN_IF_ERROR(FromRocks(rocksdb::DB::Open(options_, path_, &raw), "reopen"));
    db_.reset(raw);
    return Status::Ok();
  }

  std::string_view Name() const override { return "rocksdb"; }

  std::vector<std::pair<std::string, int64_t>> MemoryBytes() const override {
    std::shared_lock lock(mu_);
    if (!db_) return {};
    std::vector<std::pair<std::string, int64_t>> parts;
    for (const auto& [part, property] : {std::pair{"memtables", "rocksdb.cur-size-all-mem-tables"},
                                         std::pair{"block_cache", "rocksdb.block-cache-usage"},
                                         std::pair{"table_readers", "rocksdb.estimate-table-readers-mem"}}) {
      uint64_t bytes = 0;
      if (db_->GetIntProperty(property, &bytes)) parts.emplace_back(part, static_cast<int64_t>(bytes));
    }
    return parts;
  }

  int64_t wal_syncs() const {
    const auto& stats = options_.statistics;  // null unless RocksOptions::count_wal_syncs
    return stats ? static_cast<int64_t>(stats->getTickerCount(rocksdb::WAL_FILE_SYNCED)) : -1;
  }

 private:
  const rocksdb::Options options_;  // to reopen with
  const std::string path_;
  mutable std::shared_mutex mu_;    // shared: every operation; exclusive: reopening
  std::unique_ptr<rocksdb::DB> db_;  // GUARDED_BY(mu_); null while it cannot be reopened
};

}  // namespace

Result<std::unique_ptr<Store>> OpenRocksStore(const RocksOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.path, ec);
  if (ec) return InvalidArgument("cannot create data directory '" + options.path + "': " + ec.message());
  rocksdb::Options ro;
  ro.create_if_missing = options.create_if_missing;
  ro.IncreaseParallelism(2);
  ro.OptimizeLevelStyleCompaction();
  ro.compression = options.compress ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10, false));
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  ro.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  ro.write_buffer_size = 64 << 20;
  ro.max_write_buffer_number = 4;
  // OptimizeLevelStyleCompaction waits for two full memtables before a
  // flush: a store written in one burst (the key vault after a million new
  // people) then kept a full memtable unflushed for good, and every read
  // searched it without an SST's bloom filter (in one such run, training a
  // million people spent 92 % of its time there). Flush each one as it fills.
  ro.min_write_buffer_number_to_merge = 1;
  ro.max_log_file_size = 64 << 20;
  ro.keep_log_file_num = 4;
  if (options.count_wal_syncs) ro.statistics = rocksdb::CreateDBStatistics();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(ro, options.path, &raw);
  if (!s.ok()) {
    std::string hint;
    if (s.ToString().find("lock") != std::string::npos) hint = " (is another shinrai using this data directory?)";
    return Unavailable("cannot open the data directory '" + options.path + "': " + s.ToString() + hint);
  }
  return std::unique_ptr<Store>(new RocksStore(std::unique_ptr<rocksdb::DB>(raw), ro, options.path));
}

int64_t RocksWalSyncs(Store& store) {
  auto* rocks = dynamic_cast<RocksStore*>(&store);
  return rocks ? rocks->wal_syncs() : -1;
}

}  // namespace shinrai::store
