// Issue 15, defect 1: the consent ledger owns the order of a subject's
// records. Three services used to number them with counters of their own,
// each from 0, so a grant arriving with an event and a withdrawal through the
// API in the same millisecond left one record where there were two.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <future>
#include <thread>

#include "consent/ledger.h"
#include "privacy/consent_service.h"
#include "testing/collect_fixture.h"

namespace shinrai {
namespace {

using testing::CollectFixture;
using testing::ExampleConfig;

class LedgerOrder : public ::testing::Test {
 protected:
  LedgerOrder()
      : consent_(f_.deps()) {}

  Result<nlohmann::json> Withdraw(const std::string& who) {
    std::promise<Result<nlohmann::json>> done;
    consent_.Change(admin_, who,
                    R"({"source":"privacy_center","changes":[{"purpose":"personalization","channel":"web","status":"withdrawn"}]})",
                    [&](Result<nlohmann::json> r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  }
  Result<service::CollectReport> GrantWithEvent(const std::string& who, int k) {
    return f_.Track(R"({"userId":")" + who + R"(","event":"Product Viewed","messageId":"m-)" + who + "-" +
                    std::to_string(k) +
                    R"(","properties":{"product_id":"sku-1001"},"context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true}}}})");
  }
  size_t Records(const std::string& who) {
    auto p = f_.Find(who);
    EXPECT_TRUE(p.ok());
    consent::ConsentLedger ledger(&f_.store());
    auto h = ledger.History({p->id});
    EXPECT_TRUE(h.ok());
    return h.ok() ? h->size() : 0;
  }

  CollectFixture f_{ExampleConfig()};
  service::ConsentService consent_;
  service::Principal admin_{service::Role::kAdmin, "admin", "a"};
};

TEST_F(LedgerOrder, AGrantWithAnEventAndAWithdrawalInTheSameMillisecondAreBothKept) {
  ASSERT_TRUE(GrantWithEvent("same-ms", 0).ok());
  // The clock does not move: both statements carry the same time.
  auto w = Withdraw("same-ms");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  ASSERT_TRUE(f_.writer().Flush().ok());
  EXPECT_EQ(Records("same-ms"), 2u);
}

TEST_F(LedgerOrder, ConcurrentWritersThroughEveryServiceKeepEveryRecord) {
  ASSERT_TRUE(GrantWithEvent("busy", 0).ok());
  ASSERT_TRUE(f_.writer().Flush().ok());
  const size_t before = Records("busy");
  constexpr int kRounds = 40;
  std::atomic<int> recorded{0};
  // Both writers start each round together, so the grants and withdrawals
  // interleave and most of them change the state (an unchanged state
  // records nothing). The clock stands still: every statement is of one
  // millisecond.
  std::barrier round(2);
  std::thread events([&] {
    for (int k = 1; k <= kRounds; ++k) {
      round.arrive_and_wait();
      auto r = GrantWithEvent("busy", k);
      EXPECT_TRUE(r.ok());
      if (r.ok()) recorded += r->consent_records;
    }
  });
  std::thread api([&] {
    for (int k = 0; k < kRounds; ++k) {
      round.arrive_and_wait();
      auto r = Withdraw("busy");
      EXPECT_TRUE(r.ok());
      if (r.ok()) recorded += (*r)["recorded"].get<int>();
    }
  });
  events.join();
  api.join();
  ASSERT_TRUE(f_.writer().Flush().ok());
  ASSERT_GT(recorded.load(), kRounds / 2);
  // Every record a service said it recorded is in the ledger.
  EXPECT_EQ(Records("busy") - before, static_cast<size_t>(recorded.load()));
}

}  // namespace
}  // namespace shinrai
