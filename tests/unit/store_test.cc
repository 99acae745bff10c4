// One suite, every backend: the Store contract must hold for each.
#include <gtest/gtest.h>

#include <thread>

#include <condition_variable>

#include "store/staged_writer.h"
#include "store/write_serializer.h"
#include "store/store.h"
#include "testing/collect_fixture.h"
#include "testing/postgres_fixture.h"
#include "testing/status_matchers.h"

namespace shinrai::store {
namespace {

struct Backend {
  std::string name;
  // Null with the reason in `skip` when the backend cannot be had here.
  std::function<std::unique_ptr<Store>(const std::string& dir, std::string* skip)> open;
};

void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string skip;
    store_ = GetParam().open(dir_.path(), &skip);
    if (!store_ && !skip.empty()) GTEST_SKIP() << skip;
    ASSERT_TRUE(store_);
  }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreContract, PutGetDelete) {
  WriteBatch b;
  b.Put("a/1", "one");
  b.Put("a/2", "two");
  ASSERT_OK(store_->Write(b, true));
  EXPECT_EQ(store_->Get("a/1")->value(), "one");
  EXPECT_FALSE(store_->Get("a/3")->has_value());
  WriteBatch d;
  d.Delete("a/1");
  ASSERT_OK(store_->Write(d, true));
  EXPECT_FALSE(store_->Get("a/1")->has_value());
}

TEST_P(StoreContract, ScansAPrefixInOrderBothWays) {
  WriteBatch b;
  for (const char* k : {"p/b", "p/a", "p/c", "q/a", "o/z"}) b.Put(k, k);
  ASSERT_OK(store_->Write(b, true));
  std::vector<std::string> seen;
  ScanOptions so;
  so.prefix = "p/";
  ASSERT_OK(store_->Scan(so, [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"p/a", "p/b", "p/c"}));
  seen.clear();
  so.reverse = true;
  so.limit = 2;
  ASSERT_OK(store_->Scan(so, [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return true;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"p/c", "p/b"}));
}

TEST_P(StoreContract, StagedWritesAreVisibleBeforeCommitAndDurableAfter) {
  StagedWriter writer(store_.get());
  std::atomic<int> acked{0};
  for (int i = 0; i < 200; ++i) {
    Transaction txn = writer.Begin();
    txn.Put("k/" + std::to_string(i), std::to_string(i));
    EXPECT_EQ(txn.Get("k/" + std::to_string(i))->value(), std::to_string(i));
    writer.Submit(std::move(txn), [&](const Status& st) {
      EXPECT_OK(st);
      ++acked;
    });
    // A later transaction reads the earlier one's write, committed or not.
    EXPECT_EQ(writer.Get("k/" + std::to_string(i))->value(), std::to_string(i));
  }
  ASSERT_OK(writer.Flush());
  EXPECT_EQ(acked.load(), 200);
  EXPECT_EQ(store_->Get("k/199")->value(), "199");
}

INSTANTIATE_TEST_SUITE_P(
    Backends, StoreContract,
    ::testing::Values(Backend{"memory", [](const std::string&, std::string*) { return NewMemoryStore(); }},
                      Backend{"rocksdb",
                              [](const std::string& dir, std::string*) {
                                RocksOptions o;
                                o.path = dir + "/db";
                                return std::move(OpenRocksStore(o)).value();
                              }},
                      Backend{"postgres",
                              [](const std::string&, std::string* skip) -> std::unique_ptr<Store> {
                                const testing::TestPostgres pg = testing::FindTestPostgres();
                                if (pg.url.empty()) return *skip = pg.skip_reason, nullptr;
                                auto s = testing::OpenTestPostgresStore(pg);
                                if (!s.ok()) ADD_FAILURE() << "the test cluster is up, but: " << s.status().ToString();
                                if (!s.ok()) return nullptr;
                                return std::move(*s);
                              }}),
    [](const auto& info) { return info.param.name; });

TEST(RocksStore, DataSurvivesReopen) {
  testing::TempDir dir;
  RocksOptions o;
  o.path = dir.path() + "/db";
  {
    auto s = OpenRocksStore(o);
    ASSERT_OK(s);
    WriteBatch b;
    b.Put("x", "kept");
    ASSERT_OK((*s)->Write(b, true));
  }
  auto s = OpenRocksStore(o);
  ASSERT_OK(s);
  EXPECT_EQ((*s)->Get("x")->value(), "kept");
}

TEST(RocksStore, UnusablePathIsAClearError) {
  RocksOptions o;
  o.path = "/proc/definitely/not/writable";
  auto s = OpenRocksStore(o);
  EXPECT_THAT(s, testing::StatusIs(Code::kInvalidArgument, ::testing::HasSubstr("/proc/definitely/not/writable")));
}

}  // namespace
}  // namespace shinrai::store

namespace shinrai::store {
namespace {

// A store whose writes wait until released: a slow disk or database.
class HeldStore : public Store {
 public:
  explicit HeldStore(std::unique_ptr<Store> inner) : inner_(std::move(inner)) {}
  Result<std::optional<std::string>> Get(std::string_view key) override { return inner_->Get(key); }
  Status Write(const WriteBatch& batch, bool sync) override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return open_; });
    return inner_->Write(batch, sync);
  }
  Status Scan(const ScanOptions& o, const ScanVisitor& v) override { return inner_->Scan(o, v); }
  Status CompactPrefix(std::string_view p) override { return inner_->CompactPrefix(p); }
  std::string_view Name() const override { return "held"; }
  void Open() {
    {
      std::lock_guard lock(mu_);
      open_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::unique_ptr<Store> inner_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

TEST(Backpressure, RequestsAreRefusedAtOnceWhileTooManyRecordsWaitAndAdmittedOnceCommitted) {
  HeldStore store(NewMemoryStore());
  std::atomic<int> committed{0};
  {
    StagedWriter writer(&store);
    WriteSerializer serializer;
    serializer.LimitBacklog([&] { return writer.backlog(); }, 5);
    // The first record goes to the committer, which holds it (the store waits).
    {
      ASSERT_TRUE(serializer.LockForRequest().ok());
      Transaction txn = writer.Begin();
      txn.Put("k/first", "v");
      writer.Submit(std::move(txn), [&](const Status& st) { committed += st.ok(); });
    }
    for (int i = 0; i < 1000 && writer.backlog() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(writer.backlog(), 0u);
    int admitted = 1;
    Status refused;
    for (int i = 0; i < 50 && refused.ok(); ++i) {
      auto lock = serializer.LockForRequest();
      if (!lock.ok()) {
        refused = lock.status();
        break;
      }
      Transaction txn = writer.Begin();
      txn.Put("k/" + std::to_string(i), "v");
      writer.Submit(std::move(txn), [&](const Status& st) { committed += st.ok(); });
      ++admitted;
    }
    EXPECT_EQ(refused.code(), Code::kUnavailable) << "the queue grew past its bound";
    EXPECT_NE(refused.message().find("server.max_pending_writes 5"), std::string::npos) << refused.message();
    EXPECT_EQ(admitted, 7) << "one record in the committer, then 6 queued: the bound of 5 passed";
    EXPECT_TRUE(serializer.Lock().ok()) << "the server's own sections (recovery, start-up) are never refused";
    store.Open();
    ASSERT_TRUE(writer.Flush().ok());
    EXPECT_EQ(committed.load(), admitted);
    EXPECT_TRUE(serializer.LockForRequest().ok()) << "admitted again once the queue drained";
  }
}

}  // namespace
}  // namespace shinrai::store
