// Sealing, the key vault, crypto-shredding and master key rotation.
#include <gtest/gtest.h>

#include <thread>

#include "crypto/aead.h"
#include "crypto/encrypted_store.h"
#include "crypto/key_vault.h"
#include "store/store.h"

namespace shinrai {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::InitCrypto().ok()); }
};

TEST_F(CryptoTest, ASealedValueOpensOnlyWithItsKeyAndPlace) {
  crypto::SecretKey k = crypto::SecretKey::Random();
  const std::string sealed = crypto::Seal(k, "alice@example.org", "pr/p1");
  EXPECT_EQ(sealed.size(), 17 + crypto::kSealOverhead);
  EXPECT_EQ(sealed.find("alice"), std::string::npos);
  EXPECT_EQ(*crypto::Open(k, sealed, "pr/p1"), "alice@example.org");
  EXPECT_FALSE(crypto::Open(k, sealed, "pr/p2").ok()) << "moved to another person's key";
  EXPECT_FALSE(crypto::Open(crypto::SecretKey::Random(), sealed, "pr/p1").ok());
  std::string flipped = sealed;
  flipped[30] ^= 1;
  EXPECT_FALSE(crypto::Open(k, flipped, "pr/p1").ok());
  EXPECT_NE(crypto::Seal(k, "x", "a"), crypto::Seal(k, "x", "a")) << "fresh nonce each time";
}

TEST_F(CryptoTest, KeysParseFromHexAndNameTheirMistakes) {
  crypto::SecretKey k = crypto::SecretKey::Random();
  auto back = crypto::SecretKey::FromHex(k.ToHex() + "\n");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->ToHex(), k.ToHex());
  auto bad = crypto::SecretKey::FromHex("abc");
  EXPECT_NE(bad.status().message().find("64 hex digits"), std::string::npos);
}

TEST_F(CryptoTest, TheVaultRefusesAnotherMasterKey) {
  auto vs = store::NewMemoryStore();
  crypto::SecretKey master = crypto::SecretKey::Random();
  ASSERT_TRUE(crypto::KeyVault::Open(vs.get(), master).ok());
  auto other = crypto::KeyVault::Open(vs.get(), crypto::SecretKey::Random());
  EXPECT_EQ(other.status().code(), Code::kPermissionDenied);
  EXPECT_TRUE(crypto::KeyVault::Open(vs.get(), master).ok());
}

TEST_F(CryptoTest, ConcurrentWritersGetOneKeyPerSubject) {
  auto vs = store::NewMemoryStore();
  auto vault = crypto::KeyVault::Open(vs.get(), crypto::SecretKey::Random());
  ASSERT_TRUE(vault.ok());
  std::vector<std::string> seen(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto keys = (*vault)->FindOrCreate({"subject-a"});
      if (keys.ok()) seen[t] = (*keys)[0].ToHex();
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& s : seen) EXPECT_EQ(s, seen[0]);
  EXPECT_EQ((*vault)->CountSubjectKeys(), 1);
}

TEST_F(CryptoTest, RotationRewrapsKeysWithoutTouchingData) {
  auto vs = store::NewMemoryStore();
  auto data = store::NewMemoryStore();
  crypto::SecretKey old_master = crypto::SecretKey::Random();
  auto vault = crypto::KeyVault::Open(vs.get(), old_master);
  ASSERT_TRUE(vault.ok());
  crypto::RecordScheme scheme;
  scheme.subject_families = {"pr/"};
  auto enc = crypto::NewEncryptedStore(data.get(), vault->get(), scheme);
  store::WriteBatch wb;
  for (int i = 0; i < 50; ++i) wb.Put("pr/p" + std::to_string(i), "secret " + std::to_string(i));
  ASSERT_TRUE(enc->Write(wb, true).ok());
  std::string raw_before;
  ASSERT_TRUE(data->Scan({}, [&](auto k, auto v) { return raw_before.append(k).append(v), true; }).ok());

  crypto::SecretKey new_master = crypto::SecretKey::Random();
  auto report = (*vault)->Rotate(new_master);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->subject_keys, 50);
  std::string raw_after;
  ASSERT_TRUE(data->Scan({}, [&](auto k, auto v) { return raw_after.append(k).append(v), true; }).ok());
  EXPECT_EQ(raw_before, raw_after) << "data is not re-encrypted";

  EXPECT_EQ(crypto::KeyVault::Open(vs.get(), old_master).status().code(), Code::kPermissionDenied);
  auto reopened = crypto::KeyVault::Open(vs.get(), new_master);
  ASSERT_TRUE(reopened.ok());
  auto enc2 = crypto::NewEncryptedStore(data.get(), reopened->get(), scheme);
  EXPECT_EQ(**enc2->Get("pr/p7"), "secret 7");
}

TEST_F(CryptoTest, DestroyingASubjectKeyMakesItsRecordsUnreadable) {
  auto vs = store::NewMemoryStore();
  auto data = store::NewMemoryStore();
  auto vault = crypto::KeyVault::Open(vs.get(), crypto::SecretKey::Random());
  crypto::RecordScheme scheme;
  scheme.subject_families = {"ev/"};
  scheme.pseudonymized_families = {"id/"};
  auto enc = crypto::NewEncryptedStore(data.get(), vault->get(), scheme);
  store::WriteBatch wb;
  wb.Put("ev/alice/1", "viewed teapot");
  wb.Put("ev/bob/1", "viewed kayak");
  wb.Put("id/e/alice@example.org", "alice");
  ASSERT_TRUE(enc->Write(wb, true).ok());
  EXPECT_EQ(**enc->Get("id/e/alice@example.org"), "alice");
  EXPECT_FALSE(data->Get("id/e/alice@example.org")->has_value()) << "the identity key is pseudonymized";

  ASSERT_TRUE((*vault)->Destroy("alice").ok());
  EXPECT_TRUE(data->Get("ev/alice/1")->has_value()) << "the sealed record is still there...";
  EXPECT_FALSE(enc->Get("ev/alice/1")->has_value()) << "...and reads as absent";
  std::vector<std::string> visible;
  store::ScanOptions all;
  all.prefix = "ev/";
  ASSERT_TRUE(enc->Scan(all, [&](auto k, auto v) { return visible.emplace_back(v), true; }).ok());
  EXPECT_EQ(visible, std::vector<std::string>{"viewed kayak"});
}

}  // namespace
}  // namespace shinrai
