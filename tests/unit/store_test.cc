// One suite, every backend: the Store contract must hold for each.
#include <gtest/gtest.h>

#include <thread>

#include "store/staged_writer.h"
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
