#include <gtest/gtest.h>

#include "collect/message_dedup.h"
#include "profile/keys.h"
#include "store/staged_writer.h"
#include "testing/status_matchers.h"

namespace shinrai::service {
namespace {

// One request carrying one id, as CollectService records it.
void Collect(store::StagedWriter& writer, MessageDedup& dedup, const std::string& id, int64_t at_ms, uint64_t random) {
  auto txn = writer.Begin();
  dedup.Add(id, at_ms);
  dedup.Persist(txn, at_ms, random);
  writer.Submit(std::move(txn), [](const Status& st) { EXPECT_OK(st); });
}

TEST(MessageDedup, MemoryStaysBoundedAndTheNewestIdsAreKept) {
  auto store = store::NewMemoryStore();
  store::StagedWriter writer(store.get());
  MessageDedup dedup(/*window_ms=*/86'400'000, /*max_ids=*/100);
  for (int i = 0; i < 1000; ++i) {
    Collect(writer, dedup, "id-" + std::to_string(i), 1000 + i, i);
  }
  EXPECT_LE(dedup.size(), 101u);
  EXPECT_TRUE(dedup.Seen("id-999", 2000));
  EXPECT_TRUE(dedup.Seen("id-960", 2000));
  EXPECT_FALSE(dedup.Seen("id-3", 2000));
  ASSERT_OK(writer.Flush());
}

// A burst within one millisecond must not defeat the bound: found when 11M
// events came in under a fixed clock and every Persist scanned every id.
TEST(MessageDedup, MemoryStaysBoundedWhenIdsShareOneMillisecond) {
  auto store = store::NewMemoryStore();
  store::StagedWriter writer(store.get());
  MessageDedup dedup(/*window_ms=*/86'400'000, /*max_ids=*/100);
  for (int i = 0; i < 1000; ++i) {
    Collect(writer, dedup, "burst-" + std::to_string(i), 5000, i);
    EXPECT_TRUE(dedup.Seen("burst-" + std::to_string(i), 5000));  // the id just added is always remembered
    EXPECT_LE(dedup.size(), 101u);
  }
  ASSERT_OK(writer.Flush());
}

// One record per request: found by the soak (issue 20), where memory grew by
// 1 MiB/s under steady load with the ids bounded, because the records of
// forgotten ids were kept, in memory and in the store, for the whole window.
TEST(MessageDedup, RecordsOfForgottenIdsGoFromMemoryAndTheStore) {
  auto store = store::NewMemoryStore();
  store::StagedWriter writer(store.get());
  MessageDedup dedup(/*window_ms=*/86'400'000, /*max_ids=*/100);
  for (int i = 0; i < 5000; ++i) {
    Collect(writer, dedup, "id-" + std::to_string(i), 1000 + i, i);
  }
  ASSERT_OK(writer.Flush());
  EXPECT_LE(dedup.records(), 200u);
  size_t stored = 0;
  ASSERT_OK(store->Scan({std::string(profile::kDedupPrefix)}, [&](std::string_view, std::string_view) {
    ++stored;
    return true;
  }));
  EXPECT_EQ(stored, dedup.records());
  // A restart remembers what the bound kept, and only that.
  MessageDedup reloaded(/*window_ms=*/86'400'000, /*max_ids=*/100);
  ASSERT_OK(reloaded.Load(*store, 6000));
  EXPECT_TRUE(reloaded.Seen("id-4999", 6000));
  EXPECT_TRUE(reloaded.Seen("id-4960", 6000));
  EXPECT_FALSE(reloaded.Seen("id-3", 6000));
  EXPECT_LE(reloaded.size(), 101u);
}

TEST(MessageDedup, RecordsOlderThanTheWindowAreDeleted) {
  auto store = store::NewMemoryStore();
  store::StagedWriter writer(store.get());
  MessageDedup dedup(/*window_ms=*/60'000, /*max_ids=*/1000);
  for (int i = 0; i < 300; ++i) {  // one request a second for five minutes
    Collect(writer, dedup, "id-" + std::to_string(i), 1'000'000 + i * 1000, i);
  }
  ASSERT_OK(writer.Flush());
  // Swept once a minute: at most two minutes' records remain.
  EXPECT_LE(dedup.records(), 121u);
  EXPECT_GE(dedup.records(), 60u);
}

TEST(MessageDedup, IdsAreForgottenAfterTheWindow) {
  MessageDedup dedup(/*window_ms=*/1000, /*max_ids=*/100);
  dedup.Add("late-retry", 5000);
  EXPECT_TRUE(dedup.Seen("late-retry", 5900));
  EXPECT_FALSE(dedup.Seen("late-retry", 6100));
  EXPECT_FALSE(dedup.Seen("never-seen", 5000));
}

}  // namespace
}  // namespace shinrai::service
