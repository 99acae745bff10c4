// API keys: stored hashed, made and revoked with the key file, rate-limited.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crypto/secret_key.h"
#include "access/access.h"
#include "access/api_key_file.h"
#include "testing/collect_fixture.h"

namespace shinrai {
namespace {

using testing::TempDir;

service::Credentials Bearer(const std::string& key) {
  service::Credentials c;
  c.bearer_token = key;
  return c;
}

TEST(ApiKeys, CreatedKeysWorkUntilRevokedAndOnlyTheirHashIsStored) {
  ASSERT_TRUE(crypto::InitCrypto().ok());
  TempDir dir;
  FakeEnv env;
  const std::string file = dir.path() + "/api-keys.json";
  service::Access access({}, file, 100, &env);
  EXPECT_EQ(access.Authenticate(Bearer("shk_nothing")).status().code(), Code::kUnauthenticated);

  auto made = service::CreateKey(file, "agent", "call center, desk 4", 0, "*", &env);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().find(made->secret), std::string::npos) << "the secret is never stored";
  EXPECT_NE(text.str().find(service::HashApiKey(made->secret)), std::string::npos);

  env.Advance(1'100'000);  // the server re-reads the file at most once a second
  auto who = access.Authenticate(Bearer(made->secret));
  ASSERT_TRUE(who.ok()) << who.status().ToString();
  EXPECT_EQ(who->role, service::Role::kAgent);
  EXPECT_EQ(who->key_id, made->stored.id);

  ASSERT_TRUE(service::RevokeKey(file, made->stored.id, &env).ok());
  EXPECT_EQ(service::RevokeKey(file, made->stored.id, &env).status().code(), Code::kConflict);
  env.Advance(1'100'000);
  auto revoked = access.Authenticate(Bearer(made->secret));
  EXPECT_EQ(revoked.status().code(), Code::kUnauthenticated);
  EXPECT_NE(revoked.status().message().find("revoked"), std::string::npos);

  EXPECT_EQ(service::CreateKey(file, "superuser", "x", 0, "*", &env).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(service::RevokeKey(file, "0000", &env).status().code(), Code::kNotFound);
}

TEST(ApiKeys, ConfiguredKeysMayBeGivenAsHashes) {
  schema::KeySpec spec;
  spec.key_hash = service::HashApiKey("a-long-secret-key");
  spec.kind = "api";
  spec.role = "analyst";
  spec.name = "analytics team";
  service::Access access({spec});
  auto who = access.Authenticate(Bearer("a-long-secret-key"));
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, service::Role::kAnalyst);
  EXPECT_EQ(access.Authenticate(Bearer("a-long-secret-kez")).status().code(), Code::kUnauthenticated);
}

TEST(ApiKeys, EachApiKeyIsHeldToItsRateAndWriteKeysAreNot) {
  FakeEnv env;
  schema::KeySpec limited{"limited-key-1", "", "api", "service", "shop back end", 5};
  schema::KeySpec other{"other-key-12", "", "api", "service", "another service", 5};
  schema::KeySpec write{"write-key-123", "", "write", "", "web sdk", 0};
  service::Access access({limited, other, write}, "", 100, &env);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(access.Authenticate(Bearer("limited-key-1")).ok()) << i;
  auto over = access.Authenticate(Bearer("limited-key-1"));
  EXPECT_EQ(over.status().code(), Code::kResourceExhausted);
  EXPECT_NE(over.status().message().find("5 requests/s"), std::string::npos) << over.status().message();
  EXPECT_TRUE(access.Authenticate(Bearer("other-key-12")).ok()) << "limits are per key";
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(access.Authenticate(Bearer("write-key-123")).ok());
  env.Advance(200'000);  // a fifth of a second refills one request
  EXPECT_TRUE(access.Authenticate(Bearer("limited-key-1")).ok());
  EXPECT_FALSE(access.Authenticate(Bearer("limited-key-1")).ok());
}

}  // namespace
}  // namespace shinrai
