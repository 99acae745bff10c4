// Issue 16: the proof of consent was an FNV-1a checksum anyone could forge.
// Each consent record is now fingerprinted with BLAKE2b, and every writer of
// the ledger (collection signals, the consent API, rights requests) puts the
// fingerprints of what it appended into the hash-chained audit log: a record
// altered, added or removed in the store no longer matches the chain.
#include <gtest/gtest.h>

#include <future>
#include <set>

#include "consent/ledger.h"
#include "privacy/consent_service.h"
#include "testing/collect_fixture.h"

namespace shinrai {
namespace {

using testing::CollectFixture;
using testing::ExampleConfig;

class ConsentChain : public ::testing::Test {
 protected:
  std::vector<consent::ConsentRecord> History(const std::string& who) {
    auto p = f_.Find(who);
    EXPECT_TRUE(p.ok());
    auto h = consent::ConsentLedger(&f_.store()).History(p->SourceIds());
    EXPECT_TRUE(h.ok());
    return h.ok() ? *h : std::vector<consent::ConsentRecord>{};
  }
  std::set<std::string> ChainedFingerprints() {
    std::set<std::string> out;
    auto entries = f_.audit().Entries();
    EXPECT_TRUE(entries.ok());
    for (const auto& e : *entries) {
      if (e["action"] != "consent.change") continue;
      for (const auto& f : e["detail"].value("records", nlohmann::json::array())) out.insert(f.get<std::string>());
    }
    return out;
  }

  CollectFixture f_{ExampleConfig()};
  service::ConsentService consent_{f_.deps()};
};

TEST_F(ConsentChain, EveryRecordFromCollectionAndTheApiIsInTheAuditChain) {
  ASSERT_TRUE(f_.Track(R"({"userId":"chained","event":"Product Viewed","properties":{"product_id":"sku-1001"},
      "context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true}}}})")
                  .ok());
  std::promise<Result<nlohmann::json>> done;
  consent_.Change({service::Role::kAdmin, "admin", "a"}, "chained",
                  R"({"source":"privacy_center","changes":[{"purpose":"personalization","channel":"web","status":"withdrawn"}]})",
                  [&](Result<nlohmann::json> r) { done.set_value(std::move(r)); });
  ASSERT_TRUE(done.get_future().get().ok());
  ASSERT_TRUE(f_.writer().Flush().ok());

  const auto records = History("chained");
  ASSERT_GE(records.size(), 2u);
  const auto chained = ChainedFingerprints();
  for (const auto& r : records) {
    EXPECT_EQ(r.Fingerprint().size(), 64u) << "BLAKE2b-256 in hex";
    EXPECT_TRUE(chained.count(r.Fingerprint())) << r.purpose << "@" << r.channel << " from " << r.source
                                                << " is not vouched for by the audit log";
  }
  // The signal's proof is a BLAKE2b hash of what the consent manager sent.
  const auto signal = std::find_if(records.begin(), records.end(), [](const auto& r) { return r.source != "privacy_center"; });
  ASSERT_NE(signal, records.end());
  EXPECT_EQ(signal->proof.rfind("blake2b:", 0), 0u) << signal->proof;
  EXPECT_EQ(signal->proof.size(), 8u + 64u);

  // A record edited in the store (a withdrawal turned back into a grant)
  // matches nothing in the chain.
  consent::ConsentRecord forged = records.back();
  forged.status = consent::ConsentStatus::kGranted;
  EXPECT_FALSE(chained.count(forged.Fingerprint()));
}

}  // namespace
}  // namespace shinrai
