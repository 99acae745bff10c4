// What lies on disk: no personal data in the clear in any file of the data
// directory, and nothing of an erased person in any form after erasure, not
// even in a backup taken before it.
#include <gtest/gtest.h>

#include <filesystem>

#include "crypto/aead.h"
#include "crypto/encrypted_store.h"
#include "profile/keys.h"
#include "testing/collect_fixture.h"
#include "testing/secure_stack.h"

namespace shinrai {
namespace {

using testing::ReadAllFiles;
using testing::SecureStack;
using testing::TempDir;

struct Person {
  std::string user_id, anonymous_id, email, phone_sent, phone_e164, first_name, last_name, query, order_id;
};

Person MakePerson(const std::string& tag) {
  return {"usr-" + tag + "-qx81", "anon-" + tag + "-77zz", tag + ".quokkaling@example.org", "07700 900" + tag.substr(0, 3),
          "+447700900" + tag.substr(0, 3), "Quillon" + tag, "Marchbanks" + tag, "repair kit for " + tag + " bicycle",
          "ORD-" + tag + "-99173"};
}

// Everything the tests look for on disk, for one person.
std::vector<std::string> Secrets(const Person& p) {
  return {p.user_id, p.anonymous_id, p.email, p.phone_e164, p.first_name, p.last_name, p.query, p.order_id};
}

void Send(SecureStack& s, const Person& p) {
  ASSERT_TRUE(s.Identify(R"({"userId":")" + p.user_id + R"(","anonymousId":")" + p.anonymous_id +
                         R"(","traits":{"email":")" + p.email + R"(","phone":")" + p.phone_sent +
                         R"(","first_name":")" + p.first_name + R"(","last_name":")" + p.last_name +
                         R"("},"context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true}}}})")
                  .ok());
  ASSERT_TRUE(s.Track(R"({"userId":")" + p.user_id + R"(","event":"Products Searched","properties":{"query":")" +
                      p.query + R"("},"context":{"channel":"web"}})")
                  .ok());
  auto r = s.Track(R"({"userId":")" + p.user_id + R"(","event":"Order Completed","properties":{"order_id":")" +
                   p.order_id + R"(","total":12.5,"products":[{"product_id":"sku-1001","price":12.5}]},"context":{"channel":"web"}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->accepted, 1);
}

std::vector<std::string> Found(const std::string& haystack, const std::vector<std::string>& needles) {
  std::vector<std::string> found;
  for (const auto& n : needles) {
    if (haystack.find(n) != std::string::npos) found.push_back(n);
  }
  return found;
}

TEST(AtRest, NoPersonalValueInAnyFileOfTheDataDirectory) {
  TempDir dir;
  std::vector<Person> people = {MakePerson("731"), MakePerson("842"), MakePerson("953")};
  {
    SecureStack s(dir.path());
    for (const auto& p : people) Send(s, p);
    // Still readable through the service: encryption is invisible above the store.
    auto found = s.rights().Export("email:" + people[1].email);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ((*found)["identities"]["user_id"], people[1].user_id);
    EXPECT_EQ((*found)["events"].size(), 3u);
    s.FlushToDisk();
    // Scanned while the server is up (WAL, SST, MANIFEST, LOG, key vault, audit log, model dir)...
    const std::string disk = ReadAllFiles(dir.path());
    for (const auto& p : people) EXPECT_EQ(Found(disk, Secrets(p)), std::vector<std::string>{});
  }
  // ...and after it stopped.
  const std::string disk = ReadAllFiles(dir.path());
  for (const auto& p : people) EXPECT_EQ(Found(disk, Secrets(p)), std::vector<std::string>{});
}

TEST(AtRest, TheScanFindsValuesWhenEncryptionIsOff) {
  // The same scan over an unencrypted directory finds them: the test above can fail.
  TempDir dir;
  Person p = MakePerson("614");
  {
    SecureStack s(dir.path(), /*encrypt=*/false);
    Send(s, p);
    s.FlushToDisk();
  }
  const std::string disk = ReadAllFiles(dir.path());
  EXPECT_EQ(Found(disk, Secrets(p)).size(), Secrets(p).size());
}

// The store's own files only: the key vault is a directory of its own and
// never part of a data backup.
void CopyStoreFiles(const std::string& from, const std::string& to) {
  std::filesystem::create_directories(to);
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    if (e.is_regular_file() && e.path().filename() != "LOCK") {
      std::filesystem::copy_file(e.path(), to + "/" + e.path().filename().string());
    }
  }
}

TEST(AtRest, ErasureLeavesNothingOfThePersonOnDiskAndShredsBackups) {
  TempDir dir, backup;
  Person gone = MakePerson("375"), kept = MakePerson("486");
  SecureStack s(dir.path());
  Send(s, gone);
  Send(s, kept);
  auto person = s.rights().Export("email:" + gone.email);
  ASSERT_TRUE(person.ok());
  const std::string pid = (*person)["profile_id"];
  // What erasure must remove, in the forms they take on disk: pseudonymized
  // identity keys and the wrapped data key.
  std::vector<std::string> forms;
  for (auto [kind, value] : {std::pair{profile::IdKind::kEmail, gone.email}, std::pair{profile::IdKind::kUser, gone.user_id},
                             std::pair{profile::IdKind::kAnonymous, gone.anonymous_id},
                             std::pair{profile::IdKind::kPhone, gone.phone_e164}}) {
    // The hash's tail: an SST block stores a key's bytes after the prefix it shares with the key before.
    const std::string stored = crypto::PseudonymizedKey(*s.data().vault, "id/", profile::IdentityKey(kind, value));
    forms.push_back(stored.substr(stored.size() - 24));
  }
  auto wrapped = s.data().vault_store->Get(crypto::SubjectKeyName(pid));
  ASSERT_TRUE(wrapped.ok() && *wrapped);
  forms.push_back(**wrapped);
  s.FlushToDisk();
  ASSERT_EQ(Found(ReadAllFiles(dir.path()), forms).size(), forms.size()) << "the forms are on disk before erasure";

  // A backup of the data store (never of the key vault), taken before the erasure.
  CopyStoreFiles(dir.path(), backup.path());

  // The recommender has cached both people's histories.
  service::RecommendRequest warm;
  ASSERT_TRUE(s.recs().Recommend(s.Admin(), gone.user_id, warm).ok());
  ASSERT_TRUE(s.recs().Recommend(s.Admin(), kept.user_id, warm).ok());
  ASSERT_EQ(s.recs().cached_people(), 2u);

  auto erased = s.Request({{"type", "erasure"}, {"subject", "email:" + gone.email}});
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ((*erased)["status"], "completed");
  EXPECT_EQ((*erased)["outcome"]["keys_destroyed"], 1);
  EXPECT_EQ(s.recs().cached_people(), 1u) << "the erased person's cached history is gone";
  s.FlushToDisk();

  const std::string disk = ReadAllFiles(dir.path());
  EXPECT_EQ(Found(disk, forms), std::vector<std::string>{});
  EXPECT_EQ(Found(disk, Secrets(gone)), std::vector<std::string>{});
  // Profile, history and recommendations are gone; the other person is intact.
  EXPECT_EQ(s.rights().Export("email:" + gone.email).status().code(), Code::kNotFound);
  EXPECT_EQ(s.rights().Export(gone.user_id).status().code(), Code::kNotFound);
  store::ScanOptions events;
  events.prefix = profile::EventPrefix(pid);
  int left = 0;
  ASSERT_TRUE(s.store().Scan(events, [&](auto, auto) { return ++left, true; }).ok());
  EXPECT_EQ(left, 0);
  service::RecommendRequest rr;
  auto recs = s.recs().Recommend(s.Admin(), gone.user_id, rr);
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  EXPECT_FALSE((*recs)["personalized"].get<bool>());
  auto other = s.rights().Export("email:" + kept.email);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)["events"].size(), 3u);

  // The backup still holds the erased person's records, sealed; with the key
  // destroyed they no longer open, while the other person's still do.
  store::RocksOptions bo;
  bo.path = backup.path();
  auto raw_backup = store::OpenRocksStore(bo);
  ASSERT_TRUE(raw_backup.ok()) << raw_backup.status().ToString();
  auto sealed = (*raw_backup)->Get(profile::ProfileKey(pid));
  ASSERT_TRUE(sealed.ok() && *sealed) << "the backup holds the person's profile record";
  auto restored = crypto::NewEncryptedStore(raw_backup->get(), s.data().vault.get(), app::PersonalDataScheme());
  auto gone_profile = restored->Get(profile::ProfileKey(pid));
  ASSERT_TRUE(gone_profile.ok());
  EXPECT_FALSE(gone_profile->has_value());
  int gone_events = 0;
  ASSERT_TRUE(restored->Scan(events, [&](auto, auto) { return ++gone_events, true; }).ok());
  EXPECT_EQ(gone_events, 0);
  auto kept_id = restored->Get(profile::IdentityKey(profile::IdKind::kEmail, kept.email));
  ASSERT_TRUE(kept_id.ok() && *kept_id);
  auto kept_profile = restored->Get(profile::ProfileKey(**kept_id));
  ASSERT_TRUE(kept_profile.ok() && *kept_profile);
  EXPECT_NE(kept_profile->value().find(kept.first_name), std::string::npos);
}

TEST(AtRest, AnErasedPersonIsNotRebuiltByLaterEventsUnlessTheyConsentAnew) {
  TempDir dir;
  Person p = MakePerson("597");
  SecureStack s(dir.path());
  Send(s, p);
  ASSERT_TRUE(s.Request({{"type", "erasure"}, {"subject", p.user_id}}).ok());

  auto late = s.Track(R"({"userId":")" + p.user_id + R"(","event":"Product Viewed","properties":{"product_id":"sku-1002"}})");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->accepted, 0);
  EXPECT_EQ(s.rights().Export(p.user_id).status().code(), Code::kNotFound);
  // No suppression entry holds the identifier in any readable form.
  s.FlushToDisk();
  EXPECT_EQ(Found(ReadAllFiles(dir.path()), Secrets(p)), std::vector<std::string>{});

  auto back = s.Track(R"({"userId":")" + p.user_id + R"(","event":"Product Viewed","properties":{"product_id":"sku-1002"},
      "context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true}}}})");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->accepted, 1);
  auto rebuilt = s.rights().Export(p.user_id);
  ASSERT_TRUE(rebuilt.ok());
  EXPECT_EQ((*rebuilt)["events"].size(), 1u) << "a new profile, with nothing of the erased one";
}

}  // namespace
}  // namespace shinrai
