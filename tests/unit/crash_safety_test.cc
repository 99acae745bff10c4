// Issue 14's defects, each shown by what a user would notice: invalid
// identifiers refused, keys durable before the records sealed with them,
// orphans repaired, erasure reporting what it destroyed, agents' reasons kept
// out of the audit log, a truncated audit log caught, storage that recovers.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>

#include "app/data_dir.h"
#include "audit/file_audit_log.h"
#include "audit/memory_audit_log.h"
#include "crypto/encrypted_store.h"
#include "crypto/key_vault.h"
#include "profile/keys.h"
#include "profile/lookup.h"
#include "collect/collect_service.h"
#include "privacy/rights_service.h"
#include "privacy/suppression.h"
#include "store/staged_writer.h"
#include "testing/collect_fixture.h"
#include "testing/flaky_store.h"
#include "testing/secure_stack.h"

namespace shinrai {
namespace {

using testing::FlakyStore;
using testing::SecureStack;
using testing::TempDir;

class CrashSafety : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::InitCrypto().ok()); }
};

TEST_F(CrashSafety, IdentifiersThatAreNotUtf8AreRefusedWherePeopleAreNamed) {
  auto l = profile::ParseLookup("\xC3\x28", "");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.status().code(), Code::kInvalidArgument);
  EXPECT_NE(l.status().message().find("UTF-8"), std::string::npos);
  EXPECT_TRUE(profile::ParseLookup("渡辺-1", "").ok());
}

TEST_F(CrashSafety, ANewPersonsKeyIsDurableBeforeAnyRecordSealedWithIt) {
  auto vault_inner = store::NewMemoryStore();
  FlakyStore vault_store(vault_inner.get());
  auto vault = crypto::KeyVault::Open(&vault_store, crypto::SecretKey::Random());
  ASSERT_TRUE(vault.ok());
  auto data = store::NewMemoryStore();
  crypto::RecordScheme scheme;
  scheme.subject_families = {"pr/"};
  auto sealed = crypto::NewEncryptedStore(data.get(), vault->get(), scheme);

  vault_store.failing = true;  // the key cannot be stored
  store::WriteBatch wb;
  wb.Put("pr/newcomer", "first record");
  EXPECT_FALSE(sealed->Write(wb, true).ok());
  // No record may exist that no key can open.
  EXPECT_FALSE(data->Get("pr/newcomer")->has_value());

  vault_store.failing = false;
  ASSERT_TRUE(sealed->Write(wb, true).ok());
  EXPECT_EQ(sealed->Get("pr/newcomer")->value_or(""), "first record");
}

TEST_F(CrashSafety, RecordsWithoutAKeyAndLinksToNobodyAreRepaired) {
  auto vault_store = store::NewMemoryStore();
  auto vault = crypto::KeyVault::Open(vault_store.get(), crypto::SecretKey::Random());
  ASSERT_TRUE(vault.ok());
  auto data = store::NewMemoryStore();
  crypto::RecordScheme scheme;
  scheme.subject_families = {"pr/", "ev/"};
  scheme.pseudonymized_families = {"id/"};
  auto sealed = crypto::NewEncryptedStore(data.get(), vault->get(), scheme);
  store::WriteBatch wb;
  wb.Put("pr/p1", "profile of p1");
  wb.Put("ev/p1/1", "an event");
  wb.Put("id/u/alice", "p1");
  wb.Put("pr/p2", "profile of p2");
  wb.Put("id/u/bob", "p2");
  ASSERT_TRUE(sealed->Write(wb, true).ok());
  // What an older version's crash left: p1's records and link, no key.
  ASSERT_TRUE((*vault)->Destroy("p1").ok());

  auto report = crypto::RepairOrphans(data.get(), sealed.get(), vault->get(), scheme, "pr/");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->records_without_key, 2);
  EXPECT_EQ(report->links_to_nobody, 1);
  EXPECT_FALSE(sealed->Get("id/u/alice")->has_value());
  EXPECT_EQ(sealed->Get("id/u/bob")->value_or(""), "p2");
  EXPECT_EQ(sealed->Get("pr/p2")->value_or(""), "profile of p2");
}

TEST_F(CrashSafety, AnIdentifierLinkedToAnUnreadableProfileStartsANewPerson) {
  TempDir dir;
  SecureStack s(dir.path());
  ASSERT_TRUE(s.Track(R"({"userId":"orphan-1","event":"Product Viewed","properties":{"product_id":"sku-1001"}})").ok());
  ASSERT_TRUE(s.writer().Flush().ok());
  auto before = s.rights().Export("orphan-1");
  ASSERT_TRUE(before.ok());
  // The key goes, the link stays (as a crash between the two writes left it).
  ASSERT_TRUE(s.data().vault->Destroy((*before)["profile_id"].get<std::string>()).ok());
  auto again = s.Track(R"({"userId":"orphan-1","event":"Product Viewed","properties":{"product_id":"sku-1002"}})");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE(s.writer().Flush().ok());
  auto after = s.rights().Export("orphan-1");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_NE((*after)["profile_id"], (*before)["profile_id"]);
}

TEST_F(CrashSafety, ErasureReportsTheKeysItDestroyedAndThatNoneRemain) {
  TempDir dir;
  SecureStack s(dir.path());
  ASSERT_TRUE(s.Identify(R"({"userId":"erase-me","anonymousId":"erase-phone","traits":{"email":"erase@example.org"}})").ok());
  ASSERT_TRUE(s.Track(R"({"anonymousId":"other-device","event":"Product Viewed","properties":{"product_id":"sku-1001"}})").ok());
  ASSERT_TRUE(s.Identify(R"({"userId":"erase-me","anonymousId":"other-device"})").ok());
  ASSERT_TRUE(s.writer().Flush().ok());
  auto r = s.Request({{"type", "erasure"}, {"subject", "email:erase@example.org"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)["status"], "completed");
  const int64_t profiles = (*r)["outcome"]["profiles_erased"];
  EXPECT_EQ((*r)["outcome"]["keys_destroyed"], profiles);
  EXPECT_EQ((*r)["outcome"]["keys_remaining"], 0);
  auto got = s.rights().Get(s.Officer(), (*r)["id"].get<std::string>());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["keys_remaining"], 0);
  // A retry finds nobody and says so; it does not pretend to destroy anything.
  auto retry = s.Request({{"type", "erasure"}, {"subject", "email:erase@example.org"}});
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ((*retry)["outcome"]["found"], false);
}

// An erasure interrupted between its phases (here: the key vault fails when
// the keys are to be destroyed, as it does when descriptors run out) is
// completed by the retry, under the same request, audited once.
TEST_F(CrashSafety, AnInterruptedErasureIsCompletedByTheRetryAndAuditedOnce) {
  TempDir dir;
  schema::Config config = testing::ExampleConfig();
  FakeEnv env;
  auto vault_inner = store::NewMemoryStore();
  FlakyStore vault_store(vault_inner.get());
  auto vault = crypto::KeyVault::Open(&vault_store, crypto::SecretKey::Random());
  ASSERT_TRUE(vault.ok());
  auto data = store::NewMemoryStore();
  auto sealed = crypto::NewEncryptedStore(data.get(), vault->get(), app::PersonalDataScheme());
  auto audit = audit::FileAuditLog::Open(dir.path() + "/audit", &env);
  ASSERT_TRUE(audit.ok());
  store::StagedWriter writer(sealed.get());
  store::WriteSerializer serializer;
  service::SuppressionList suppression((*vault)->suppression_key());
  service::Access access(config.keys);
  const service::UseCaseDeps deps{config, *sealed, writer, serializer, env, **audit};
  service::CollectService collect(deps, access, suppression);
  ASSERT_TRUE(collect.Load().ok());
  service::RightsService rights({deps, suppression, vault->get(), {}});
  service::Principal officer{service::Role::kPrivacyOfficer, "officer", "o"};

  std::promise<Result<service::CollectReport>> sent;
  service::Credentials c;
  c.basic_user = "demo-write-key";
  collect.Collect(c, profile::CallType::kIdentify, R"({"userId":"half-erased","traits":{"email":"half@example.org"}})",
                  false, [&](Result<service::CollectReport> r) { sent.set_value(std::move(r)); });
  ASSERT_TRUE(sent.get_future().get().ok());
  ASSERT_TRUE(writer.Flush().ok());

  const std::string body = R"({"type":"erasure","subject":"half-erased"})";
  vault_store.failing = true;
  auto first = rights.Create(officer, body);
  ASSERT_FALSE(first.ok()) << "the key could not be destroyed, so the erasure is not complete";
  vault_store.failing = false;

  auto retry = rights.Create(officer, body);
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ((*retry)["status"], "completed");
  EXPECT_EQ((*retry)["outcome"]["resumed_after_interruption"], true);
  EXPECT_EQ((*retry)["outcome"]["keys_destroyed"], 1);
  EXPECT_EQ((*retry)["outcome"]["keys_remaining"], 0);
  EXPECT_EQ(*rights.ResumeErasures(), 0) << "nothing is left to resume";
  ASSERT_TRUE((*audit)->Flush().ok());
  auto entries = audit::ReadEntries(dir.path() + "/audit");
  ASSERT_TRUE(entries.ok());
  int erasures = 0;
  for (const auto& e : *entries) erasures += e.value("action", "") == "rights.erasure";
  EXPECT_EQ(erasures, 1);
}

TEST_F(CrashSafety, AnAgentsReasonIsADeclaredCodeAndTheirNoteStaysWithThePerson) {
  TempDir dir;
  SecureStack s(dir.path());
  ASSERT_TRUE(s.Identify(R"({"userId":"caller-1","traits":{"email":"caller@example.org"}})").ok());
  ASSERT_TRUE(s.writer().Flush().ok());
  service::Principal agent;
  agent.role = service::Role::kAgent;
  agent.key_name = "agent";
  EXPECT_EQ(s.profiles().Get(agent, "caller-1", "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.profiles().Get(agent, "caller-1", " ").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(s.profiles().Get(agent, "caller-1", "just curious").status().code(), Code::kInvalidArgument);
  const std::string note = "caller said her sister is noteworthy.sister@example.net";
  auto read = s.profiles().Get(agent, "caller-1", "order_query", note);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  s.FlushToDisk();
  const std::string audit_text = testing::ReadAllFiles(s.data().paths.audit_dir);
  EXPECT_NE(audit_text.find("order_query"), std::string::npos);
  EXPECT_EQ(audit_text.find("noteworthy.sister"), std::string::npos);
  EXPECT_EQ(testing::ReadAllFiles(dir.path()).find("noteworthy.sister"), std::string::npos);

  auto export_before = s.rights().Export("caller-1");
  ASSERT_TRUE(export_before.ok());
  const std::string pid = (*export_before)["profile_id"];
  auto notes = [&] {
    int n = 0;
    store::ScanOptions so;
    so.prefix = profile::AccessNotePrefix(pid);
    EXPECT_TRUE(s.store().Scan(so, [&](std::string_view, std::string_view v) {
      n += std::string(v).find("noteworthy.sister") != std::string::npos;
      return true;
    }).ok());
    return n;
  };
  EXPECT_EQ(notes(), 1);
  ASSERT_TRUE(s.Request({{"type", "erasure"}, {"subject", "caller-1"}}).ok());
  EXPECT_EQ(notes(), 0);
}

TEST_F(CrashSafety, AnAuditLogCutAtTheEndIsCaughtWithoutItsHeadOrWithARewrittenOne) {
  const crypto::SecretKey master = crypto::SecretKey::Random();
  const crypto::SecretKey head_key = audit::HeadKeyFrom(master);
  TempDir dir;
  {
    auto log = audit::FileAuditLog::Open(dir.path(), Env::Default(), audit::FileAuditLog::kDefaultSegmentBytes, head_key);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*log)->Append({"profile.read", {"k", "n", "admin"}, "p", {}, "", {}}, true).ok());
  }
  auto intact = audit::Verify(dir.path(), head_key);
  ASSERT_TRUE(intact.ok());
  EXPECT_TRUE(intact->ok) << intact->problem;

  // Cut to the first entry and write a head that matches it (no master key).
  std::string first;
  {
    std::ifstream in(dir.path() + "/audit.jsonl");
    std::getline(in, first);
  }
  const std::string first_hash = nlohmann::json::parse(first)["hash"];
  std::ofstream(dir.path() + "/audit.jsonl", std::ios::trunc) << first << "\n";
  std::ofstream(dir.path() + "/head.json", std::ios::trunc)
      << nlohmann::json{{"seq", 1}, {"hash", first_hash}, {"signature", std::string(64, 'a')}}.dump() << "\n";
  auto forged = audit::Verify(dir.path(), head_key);
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(forged->ok);
  EXPECT_NE(forged->problem.find("not signed"), std::string::npos) << forged->problem;

  // The head deleted and the log emptied: not "0 entries, fine".
  std::filesystem::remove(dir.path() + "/head.json");
  std::ofstream(dir.path() + "/audit.jsonl", std::ios::trunc).flush();
  auto emptied = audit::Verify(dir.path(), head_key);
  ASSERT_TRUE(emptied.ok());
  EXPECT_FALSE(emptied->ok);
  EXPECT_NE(emptied->problem.find("missing"), std::string::npos) << emptied->problem;
}

TEST_F(CrashSafety, ACorruptCounterIsAnErrorNamingItNotAnExceptionAtStartUp) {
  schema::Config config = testing::ExampleConfig();
  FakeEnv env;
  auto store = store::NewMemoryStore();
  store::WriteBatch wb;
  wb.Put(profile::CounterKey("accepted_events"), "12x");
  ASSERT_TRUE(store->Write(wb, true).ok());
  store::StagedWriter writer(store.get());
  store::WriteSerializer serializer;
  service::Access access(config.keys);
  audit::MemoryAuditLog audit(&env);
  service::SuppressionList suppression{crypto::SecretKey{}};
  service::CollectService collect({config, *store, writer, serializer, env, audit}, access, suppression);
  Status loaded = collect.Load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.message().find("accepted_events"), std::string::npos) << loaded.ToString();
}

TEST_F(CrashSafety, StorageComesBackAfterATransientWriteFailure) {
  auto inner = store::NewMemoryStore();
  FlakyStore flaky(inner.get());
  store::StagedWriter writer(&flaky);
  std::atomic<int> hook_runs{0};
  writer.AddRecoveryHook([&] {
    ++hook_runs;
    return Status::Ok();
  });
  auto commit = [&](const std::string& key) {
    std::promise<Status> done;
    store::Transaction txn = writer.Begin();
    txn.Put(key, "v");
    writer.Submit(std::move(txn), [&](const Status& st) { done.set_value(st); });
    return done.get_future().get();
  };
  flaky.failing = true;
  EXPECT_FALSE(commit("k/1").ok());
  // The failed write is not visible as if it had been stored.
  EXPECT_FALSE(writer.Get("k/1")->has_value());
  flaky.failing = false;
  for (int i = 0; i < 200 && !writer.health().ok(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(writer.health().ok()) << writer.health().ToString();
  EXPECT_GE(hook_runs.load(), 1);
  EXPECT_TRUE(commit("k/2").ok());
  EXPECT_TRUE(inner->Get("k/2")->has_value());
  EXPECT_EQ(writer.recoveries(), 1);
}

}  // namespace
}  // namespace shinrai
