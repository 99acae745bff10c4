// What lies on disk: no personal data in the clear in any file of the data
// directory, and nothing of an erased person in any form after erasure, not
// even in a backup taken before it.
#include <gtest/gtest.h>

#include <future>

#include <cstdio>
#include <filesystem>
#include <set>
#include <tuple>

#include "app/data_dir.h"
#include "consent/quiet_hours.h"
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

// A store key for a failure message: binary parts (timestamps) as \xNN.
std::string Printable(std::string_view key) {
  std::string out;
  for (unsigned char c : key) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

// Puts personal values into every key family that PersonalDataScheme seals
// or pseudonymizes, beyond what Send writes: a merge record (mg/), feedback
// (fb/), an agent's access note (an/) and rights requests whose notes hold
// contact details (rr/). Answers the values (beyond Secrets of the people)
// that must never be on disk.
std::vector<std::string> FillEveryPersonalFamily(SecureStack& s, const Person& p, const Person& q) {
  const std::string tablet = "anon-" + p.user_id + "-tablet-5xq7", merge_message = "msg-merge-" + p.user_id + "-k2v9";
  // Notes are free text: whatever the requester wrote, contact details included.
  const std::string access_note = "asked by phone, reply to wrensworth.note-" + p.user_id + "@example.com";
  const std::string restriction_note = "letter from Ysolde Fairbrook-" + q.user_id + ", 12 Quarry Lane";
  const std::string agent_note = "caller Hesper Quenby-" + p.user_id + " asked where parcel 55" + p.order_id + " is";
  std::vector<std::string> markers = {tablet, merge_message, "wrensworth.note-" + p.user_id + "@example.com",
                                      "Ysolde Fairbrook-" + q.user_id, "Hesper Quenby-" + p.user_id};
  Send(s, p);
  Send(s, q);
  // A device seen before the login, then merged into the person (mg/).
  EXPECT_TRUE(s.Track(R"({"anonymousId":")" + tablet + R"(","event":"Product Viewed","properties":{"product_id":"sku-1002"},
      "context":{"channel":"web","consent":{"categoryPreferences":{"Personalization":true}}}})")
                  .ok());
  auto merged = s.Track(R"({"userId":")" + p.user_id + R"(","anonymousId":")" + tablet + R"(","messageId":")" +
                        merge_message + R"(","event":"Product Viewed","properties":{"product_id":"sku-1001"},"context":{"channel":"web"}})");
  EXPECT_TRUE(merged.ok() && merged->accepted == 1) << merged.status().ToString();
  // Feedback on recommendations shown to the person (fb/).
  auto fed = s.recs().Feedback(s.Admin(), nlohmann::json{{"type", "impression"}, {"subject", p.user_id},
                                                         {"items", {"sku-1001", "sku-1002"}}}.dump());
  EXPECT_TRUE(fed.ok()) << fed.status().ToString();
  // An agent's note on why they read the profile, naming the caller (an/).
  service::Principal agent;
  agent.role = service::Role::kAgent;
  agent.key_name = "call center";
  agent.key_id = "a9e1c0ffee000001";
  auto agent_read = s.profiles().Get(agent, p.user_id, s.config().security.access_reasons.at(0), agent_note);
  EXPECT_TRUE(agent_read.ok()) << agent_read.status().ToString();
  // Rights requests with notes (rr/).
  for (const auto& [type, subject, note] : {std::tuple{"access", "email:" + p.email, access_note},
                                            std::tuple{"restriction", q.user_id, restriction_note}}) {
    auto filed = s.Request({{"type", type}, {"subject", subject}, {"note", note}});
    EXPECT_TRUE(filed.ok()) << filed.status().ToString();
    if (!filed.ok()) continue;
    // The note was kept (so a scan that does not find it means something).
    auto read = s.rights().Get(s.Officer(), (*filed)["id"].get<std::string>());
    EXPECT_TRUE(read.ok() && (*read)["note"] == note) << (read.ok() ? read->dump() : read.status().ToString());
  }
  auto exported = s.rights().Export(p.user_id);
  EXPECT_TRUE(exported.ok() && !(*exported)["merges"].empty()) << "the tablet was merged into the person";
  // Quiet hours (qh/): where the person lives shows in their time zone.
  if (exported.ok()) {
    store::Transaction txn = s.writer().Begin();
    consent::StageQuietHours(txn, (*exported)["profile_id"].get<std::string>(), "*",
                             consent::QuietHours{21 * 60, 8 * 60, "America/Argentina/ComodRivadavia"});
    std::promise<Status> committed;
    s.writer().Submit(std::move(txn), [&](const Status& st) { committed.set_value(st); });
    EXPECT_TRUE(committed.get_future().get().ok());
    markers.push_back("ComodRivadavia");
  }
  s.FlushToDisk();
  return markers;
}

TEST(AtRest, EveryPersonalKeyFamilyIsSealedRightsRequestNotesIncluded) {
  TempDir dir;
  Person p = MakePerson("264"), q = MakePerson("158");
  std::vector<std::string> markers;
  {
    SecureStack s(dir.path());
    markers = FillEveryPersonalFamily(s, p, q);
    ASSERT_FALSE(::testing::Test::HasFailure());
    for (const auto& v : {Secrets(p), Secrets(q)}) markers.insert(markers.end(), v.begin(), v.end());

    // The personal key families, written out here rather than taken from
    // PersonalDataScheme, so that one dropped from the scheme is still checked
    // (and one added to it must be filled above and named here).
    const std::set<std::string> subject = {"pr/", "ev/", "mg/", "fb/", "an/", "cs/", "cc/", "qh/"}, pseudonymized = {"id/"},
                                service = {"rr/"};
    const crypto::RecordScheme scheme = app::PersonalDataScheme();
    EXPECT_EQ(std::set<std::string>(scheme.subject_families.begin(), scheme.subject_families.end()), subject);
    EXPECT_EQ(std::set<std::string>(scheme.pseudonymized_families.begin(), scheme.pseudonymized_families.end()),
              pseudonymized);
    EXPECT_EQ(std::set<std::string>(scheme.service_families.begin(), scheme.service_families.end()), service);
    std::set<std::string> sealed = subject;
    sealed.insert(service.begin(), service.end());

    // Every family holds records here, so the checks below cover each.
    std::set<std::string> families = sealed;
    families.insert(pseudonymized.begin(), pseudonymized.end());
    for (const auto& f : families) {
      store::ScanOptions so;
      so.prefix = f;
      int records = 0;
      ASSERT_TRUE(s.data().backend->Scan(so, [&](auto, auto) { return ++records, true; }).ok());
      EXPECT_GT(records, 0) << "no record in the personal family " << f;
    }

    // Every record of a sealed family lies on disk other than it reads.
    for (const auto& f : sealed) {
      store::ScanOptions so;
      so.prefix = f;
      std::vector<std::pair<std::string, std::string>> raw;
      ASSERT_TRUE(s.data().backend->Scan(so, [&](std::string_view k, std::string_view v) {
                     raw.emplace_back(k, v);
                     return true;
                   }).ok());
      int readable = 0;
      for (const auto& [key, stored] : raw) {
        auto plain = s.store().Get(key);
        ASSERT_TRUE(plain.ok()) << plain.status().ToString();
        if (!plain->has_value()) continue;  // sealed for a key that is gone: not readable at all
        ++readable;
        EXPECT_NE(stored, **plain) << Printable(key) << " is stored in the clear";
        if ((*plain)->size() >= 8) {
          EXPECT_EQ(stored.find(**plain), std::string::npos) << Printable(key) << " holds its plaintext";
        }
      }
      EXPECT_GT(readable, 0) << "no readable record in " << f;
    }

    const std::string disk = ReadAllFiles(dir.path());
    EXPECT_EQ(Found(disk, markers), std::vector<std::string>{});
  }
  EXPECT_EQ(Found(ReadAllFiles(dir.path()), markers), std::vector<std::string>{});
}

TEST(AtRest, TheScanFindsEveryFamilysValuesWhenEncryptionIsOff) {
  // The same scenario unencrypted: the scan finds the notes and the rest.
  TempDir dir;
  Person p = MakePerson("371"), q = MakePerson("482");
  std::vector<std::string> markers;
  {
    SecureStack s(dir.path(), /*encrypt=*/false);
    markers = FillEveryPersonalFamily(s, p, q);
  }
  EXPECT_EQ(Found(ReadAllFiles(dir.path()), markers), markers);
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
