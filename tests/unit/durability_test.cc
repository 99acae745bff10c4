// An acknowledged write is a synced write: StagedWriter calls a submission's
// `done` only after a Store::Write with sync=true holding its keys returned,
// and the RocksDB backend really syncs its write-ahead log for such a write.
//
// `kill -9` keeps the page cache, so a crash test cannot see a skipped sync;
// these tests count the syncs instead.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "store/staged_writer.h"
#include "store/store.h"
#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"

namespace shinrai::store {
namespace {

// A Store that records, for every Write that returned ok, whether it was
// synced and which keys it held; it can also fail the next write.
class RecordingStore : public Store {
 public:
  explicit RecordingStore(Store* inner) : inner_(inner) {}

  struct Recorded {
    bool sync;
    std::set<std::string> keys;
  };

  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_->Get(key); }
  Status Write(const WriteBatch& batch, bool sync) override {
    // Slow enough that an acknowledgement sent before (or without) the write
    // returning is seen as such.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (fail_next_.exchange(false)) return Internal("injected write failure");
    Status st = inner_->Write(batch, sync);
    if (!st.ok()) return st;
    Recorded r{sync, {}};
    for (const auto& op : batch.ops()) r.keys.insert(op.key);
    std::lock_guard lock(mu_);
    returned_.push_back(std::move(r));
    return st;
  }
  Status Scan(const ScanOptions& options, const ScanVisitor& visit) override { return inner_->Scan(options, visit); }
  Status CompactPrefix(std::string_view prefix) override { return inner_->CompactPrefix(prefix); }
  std::string_view Name() const override { return "recording"; }

  // Whether one Write with sync=true holding every key in `keys` has returned.
  bool SyncedWriteReturnedWith(const std::vector<std::string>& keys) {
    std::lock_guard lock(mu_);
    for (const auto& r : returned_) {
      if (!r.sync) continue;
      bool all = true;
      for (const auto& k : keys) all = all && r.keys.count(k);
      if (all) return true;
    }
    return false;
  }
  std::vector<Recorded> returned() {
    std::lock_guard lock(mu_);
    return returned_;
  }
  void FailNextWrite() { fail_next_ = true; }

 private:
  Store* const inner_;
  std::atomic<bool> fail_next_{false};
  std::mutex mu_;
  std::vector<Recorded> returned_;
};

TEST(Durability, EveryAcknowledgementFollowsASyncedWriteOfItsKeys) {
  auto memory = NewMemoryStore();
  RecordingStore recording(memory.get());
  StagedWriter writer(&recording);

  // Concurrent submitters, so the writer groups several transactions into
  // one commit; each transaction writes and deletes several keys.
  constexpr int kThreads = 4, kPerThread = 60;
  std::mutex mu;
  std::vector<std::string> early;  // transactions acknowledged before their synced write
  std::atomic<int> acked{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = std::to_string(t) + "/" + std::to_string(i);
        std::vector<std::string> keys = {"a/" + id, "b/" + id, "gone/" + id};
        Transaction txn = writer.Begin();
        txn.Put(keys[0], "value " + id);
        txn.Put(keys[1], "other " + id);
        txn.Delete(keys[2]);
        writer.Submit(std::move(txn), [&, id, keys](const Status& st) {
          if (!st.ok()) {
            std::lock_guard lock(mu);
            early.push_back(id + ": failed: " + st.ToString());
            return;
          }
          if (!recording.SyncedWriteReturnedWith(keys)) {
            std::lock_guard lock(mu);
            early.push_back(id);
          }
          ++acked;
        });
        if (i % 7 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_OK(writer.Flush());

  EXPECT_EQ(early, std::vector<std::string>{}) << "acknowledged without a returned sync=true write holding its keys";
  EXPECT_EQ(acked.load(), kThreads * kPerThread);
  const auto writes = recording.returned();
  ASSERT_FALSE(writes.empty());
  for (const auto& w : writes) EXPECT_TRUE(w.sync) << "every commit of the writer is synced";
  EXPECT_EQ(memory->Get("a/3/59")->value(), "value 3/59");
}

TEST(Durability, AFailedWriteIsNeverAcknowledgedAsDone) {
  auto memory = NewMemoryStore();
  RecordingStore recording(memory.get());
  StagedWriter writer(&recording);
  recording.FailNextWrite();
  std::promise<Status> answered;
  Transaction txn = writer.Begin();
  txn.Put("a/lost", "x");
  writer.Submit(std::move(txn), [&](const Status& st) { answered.set_value(st); });
  const Status st = answered.get_future().get();
  EXPECT_EQ(st.code(), Code::kInternal) << st.ToString();
  EXPECT_FALSE(recording.SyncedWriteReturnedWith({"a/lost"}));
}

// A RocksDB store in `path` that counts its WAL syncs (RocksWalSyncs).
Result<std::unique_ptr<Store>> OpenCountingWalSyncs(const std::string& path) {
  RocksOptions o;
  o.path = path;
  o.count_wal_syncs = true;
  return OpenRocksStore(o);
}

// The RocksDB backend: Write(batch, sync=true) syncs the WAL before it
// returns (WAL_FILE_SYNCED in RocksDB's statistics), Write(batch, false) does not.
TEST(Durability, RocksSyncedWritesSyncTheWriteAheadLog) {
  testing::TempDir dir;
  auto opened = OpenCountingWalSyncs(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& rocks = **opened;
  const int64_t start = RocksWalSyncs(rocks);
  ASSERT_GE(start, 0);

  WriteBatch b;
  b.Put("a/1", "one");
  ASSERT_OK(rocks.Write(b, /*sync=*/false));
  EXPECT_EQ(RocksWalSyncs(rocks), start) << "an unsynced write does not sync (the counter means something)";
  for (int i = 1; i <= 5; ++i) {
    WriteBatch s;
    s.Put("a/s" + std::to_string(i), "synced");
    ASSERT_OK(rocks.Write(s, /*sync=*/true));
    EXPECT_EQ(RocksWalSyncs(rocks), start + i) << "synced write #" << i << " returned before syncing the WAL";
  }
}

TEST(Durability, RocksWalSyncsIsOnlyCountedWhenAskedFor) {
  testing::TempDir dir;
  RocksOptions o;
  o.path = dir.path();
  auto opened = OpenRocksStore(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(RocksWalSyncs(**opened), -1);
  auto memory = NewMemoryStore();
  EXPECT_EQ(RocksWalSyncs(*memory), -1);
}

// End to end: every acknowledgement of the StagedWriter over RocksDB comes
// after a WAL sync that happened after the transaction was submitted.
TEST(Durability, RocksEveryAcknowledgementFollowsAWalSync) {
  testing::TempDir dir;
  auto opened = OpenCountingWalSyncs(dir.path());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& rocks = **opened;
  StagedWriter writer(&rocks);
  constexpr int kThreads = 4, kPerThread = 25;
  std::atomic<int> acked{0}, unsynced{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Transaction txn = writer.Begin();
        txn.Put("e/" + std::to_string(t) + "/" + std::to_string(i), "event");
        const int64_t before = RocksWalSyncs(rocks);
        writer.Submit(std::move(txn), [&, before](const Status& st) {
          if (st.ok() && RocksWalSyncs(rocks) > before) ++acked;
          else ++unsynced;
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_OK(writer.Flush());
  EXPECT_EQ(unsynced.load(), 0) << "acknowledged with no WAL sync since submission";
  EXPECT_EQ(acked.load(), kThreads * kPerThread);
}

}  // namespace
}  // namespace shinrai::store
