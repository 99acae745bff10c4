// The write lease that lets several nodes on one database run their
// read-modify-write sections one node at a time (store/write_serializer.h,
// store/postgres/pg_cluster.h).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <future>
#include <mutex>
#include <thread>

#include "store/postgres/pg_cluster.h"
#include "store/write_serializer.h"
#include "testing/collect_fixture.h"
#include "testing/postgres_fixture.h"
#include "testing/status_matchers.h"

namespace shinrai::store {
namespace {

using namespace std::chrono_literals;

// A cluster whose lease is a flag, recording what the serializer did in order.
class FakeCluster : public Cluster {
 public:
  Result<bool> AcquireLease() override {
    std::lock_guard lock(mu);
    log += "acquire ";
    const bool other = other_wrote;
    other_wrote = false;
    return other;
  }
  Status ReleaseLease() override {
    std::lock_guard lock(mu);
    log += "release ";
    return Status::Ok();
  }
  bool LeaseLost() override { return std::exchange(lost, false); }
  Status Notify(std::string_view, std::string_view) override { return Status::Ok(); }
  void Listen(NoticeHandler) override {}
  void StopListening() override {}
  Status Publish(std::string_view, int64_t, std::string_view) override { return Status::Ok(); }
  Result<std::optional<Published>> Fetch(std::string_view) override { return std::optional<Published>(); }
  Result<int64_t> PublishedVersion(std::string_view) override { return int64_t{0}; }
  Result<std::optional<double>> TakeToken(std::string_view, double, double*) override { return std::optional<double>(1); }

  std::string Log() {
    std::lock_guard lock(mu);
    return log;
  }
  void Note(const std::string& what) {
    std::lock_guard lock(mu);
    log += what + " ";
  }

  std::mutex mu;
  std::string log;
  bool other_wrote = false;
  bool lost = false;
};

// The URL of a migrated schema of its own in the test cluster; "" when there is none.
void NewSchema(std::string* url) {
  auto pg = testing::FindTestPostgres();
  if (pg.url.empty()) return;
  testing::TempDir dir;
  auto made = testing::TestPostgresUrlFor(pg, dir.path());
  ASSERT_OK(made.status());
  *url = *made;
}

TEST(WriteLease, ASectionAfterAnotherNodeWroteRunsOnReloadedState) {
  FakeCluster cluster;
  cluster.other_wrote = true;
  WriteSerializer s;
  Status reload_result = Unavailable("the database went away mid-reload");
  s.Share(&cluster, [&] { return cluster.Note("flush"), Status::Ok(); },
          [&] { return cluster.Note("reload"), reload_result; }, 10s);
  // A reload that fails fails the section, and the lease goes back at once.
  EXPECT_EQ(s.Lock().status().code(), Code::kUnavailable);
  EXPECT_EQ(cluster.Log(), "acquire reload flush release ");
  // The next section reloads again, although the database no longer says
  // another node wrote since: the memory was never brought up to date.
  reload_result = Status::Ok();
  {
    auto held = s.Lock();
    ASSERT_OK(held.status());
  }
  EXPECT_EQ(cluster.Log(), "acquire reload flush release acquire reload ");
  {
    auto held = s.Lock();  // still held: no reload, no round trip
    ASSERT_OK(held.status());
  }
  EXPECT_EQ(cluster.Log(), "acquire reload flush release acquire reload ");
  EXPECT_EQ(s.handovers(), 1);
  s.StopSharing();
  EXPECT_EQ(cluster.Log(), "acquire reload flush release acquire reload flush release ");
}

TEST(WriteLease, AfterAWriteFoundItLostTheNextSectionTakesItAgainAndReloads) {
  FakeCluster cluster;
  WriteSerializer s;
  s.Share(&cluster, [] { return Status::Ok(); }, [&] { return cluster.Note("reload"), Status::Ok(); }, 10s);
  { ASSERT_OK(s.Lock().status()); }
  cluster.lost = true;  // as the store reports when the database names another holder
  { ASSERT_OK(s.Lock().status()); }
  EXPECT_EQ(cluster.Log(), "acquire acquire reload ");
  s.StopSharing();
}

TEST(WriteLease, IsHandedBackEachSliceOnlyAfterWhatSectionsSubmittedIsCommitted) {
  FakeCluster cluster;
  WriteSerializer s;
  std::atomic<int> flushes{0};
  s.Share(&cluster, [&] { return ++flushes, cluster.Note("flush"), Status::Ok(); }, [] { return Status::Ok(); }, 20ms);
  { ASSERT_OK(s.Lock().status()); }
  for (int i = 0; i < 200 && cluster.Log().find("release") == std::string::npos; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(cluster.Log(), "acquire flush release ") << "the lease outlived its slice, or went back before the flush";
  // Idle, it stays handed back: nothing more happens until the next section.
  std::this_thread::sleep_for(60ms);
  EXPECT_EQ(flushes.load(), 1);
  s.StopSharing();
}

TEST(WriteLease, TwoNodesOnOneDatabaseHoldItInTurn) {
  std::string url;
  ASSERT_NO_FATAL_FAILURE(NewSchema(&url));
  if (url.empty()) GTEST_SKIP() << testing::FindTestPostgres().skip_reason;
  auto a = OpenPostgresCluster({url});
  auto b = OpenPostgresCluster({url});
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  auto first = (*a)->AcquireLease();
  ASSERT_OK(first.status());
  EXPECT_TRUE(*first) << "a new database's lease had no holder: its memory is read before the first section";
  // B waits while A holds it.
  auto taken = std::async(std::launch::async, [&] { return (*b)->AcquireLease(); });
  EXPECT_EQ(taken.wait_for(300ms), std::future_status::timeout) << "two nodes held the lease at once";
  ASSERT_OK((*a)->ReleaseLease());
  ASSERT_EQ(taken.wait_for(10s), std::future_status::ready);
  auto by_b = taken.get();
  ASSERT_OK(by_b.status());
  EXPECT_TRUE(*by_b) << "A wrote last: B must reload";
  ASSERT_OK((*b)->ReleaseLease());
  // B again, with nobody between: nothing to reload.
  auto again = (*b)->AcquireLease();
  ASSERT_OK(again.status());
  EXPECT_FALSE(*again);
  ASSERT_OK((*b)->ReleaseLease());
}

TEST(WriteLease, ANodeThatDiesHoldingItFreesItForTheOthers) {
  std::string url;
  ASSERT_NO_FATAL_FAILURE(NewSchema(&url));
  if (url.empty()) GTEST_SKIP() << testing::FindTestPostgres().skip_reason;
  auto b = OpenPostgresCluster({url});
  ASSERT_OK(b.status());
  {
    auto a = OpenPostgresCluster({url});
    ASSERT_OK(a.status());
    ASSERT_OK((*a)->AcquireLease().status());
  }  // its session ends, as when the process is killed
  auto taken = std::async(std::launch::async, [&] { return (*b)->AcquireLease(); });
  ASSERT_EQ(taken.wait_for(10s), std::future_status::ready);
  ASSERT_OK(taken.get().status());
}

TEST(WriteLease, ANodeWhoseLeaseSessionDiedUnnoticedCannotCommit) {
  std::string url;
  ASSERT_NO_FATAL_FAILURE(NewSchema(&url));
  if (url.empty()) GTEST_SKIP() << testing::FindTestPostgres().skip_reason;
  PostgresOptions a_options{url};
  a_options.fence = std::make_shared<LeaseFence>();
  auto a_store = OpenPostgresStore(a_options);
  auto a = OpenPostgresCluster(a_options);
  auto b = OpenPostgresCluster({url});
  ASSERT_OK(a_store.status());
  ASSERT_OK(a.status());
  ASSERT_OK(b.status());
  ASSERT_OK((*a)->AcquireLease().status());
  WriteBatch one;
  one.Put("t/fenced", "1");
  ASSERT_OK((*a_store)->Write(one, true));
  // A's lease session is ended behind its back (an idle-connection killer, a
  // proxy); B takes the lease over and records itself as the holder.
  const std::string kill_sql =
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7301453 AND granted "
      "AND classid::bigint = (hashtext(current_schema())::bigint & 4294967295)";  // this test's schema only
  std::string psql = "psql -Atq '" + url + "' -c \"" + kill_sql + "\" > /dev/null";
  ASSERT_EQ(std::system(psql.c_str()), 0);
  auto by_b = (*b)->AcquireLease();
  ASSERT_OK(by_b.status());
  WriteBatch two;
  two.Put("t/fenced", "2");
  Status refused = (*a_store)->Write(two, true);
  EXPECT_EQ(refused.code(), Code::kUnavailable) << "A committed while B held the lease";
  EXPECT_TRUE((*a)->LeaseLost());
  EXPECT_EQ((*a_store)->Get("t/fenced")->value(), "1");
  ASSERT_OK((*b)->ReleaseLease());
}

}  // namespace
}  // namespace shinrai::store
