// Rights requests through the whole stack: the export holds everything about
// the person and nothing about anyone else; rectification, restriction and
// objection change what happens next; bad requests are named.
#include <gtest/gtest.h>

#include "consent/ledger.h"
#include "consent/policy.h"
#include "core/time_format.h"
#include "testing/collect_fixture.h"
#include "testing/secure_stack.h"

namespace shinrai {
namespace {

using testing::SecureStack;
using testing::TempDir;

class RightsTest : public ::testing::Test {
 protected:
  RightsTest() : s_(dir_.path()) {}

  void SendAlice() {
    // Two devices, then a login that merges them into one person.
    ASSERT_TRUE(s_.Track(R"({"anonymousId":"alice-phone","event":"Product Viewed","properties":{"product_id":"sku-1001"},
        "context":{"channel":"app"}})").ok());
    ASSERT_TRUE(s_.Track(R"({"anonymousId":"alice-laptop","event":"Products Searched","properties":{"query":"alice searches teapots"},
        "context":{"channel":"web"}})").ok());
    ASSERT_TRUE(s_.Identify(R"({"userId":"alice-1","anonymousId":"alice-phone","traits":{"email":"alice@example.org","first_name":"Alice"},
        "context":{"channel":"app","consent":{"categoryPreferences":{"Personalization":true,"Advertising":false}}}})").ok());
    ASSERT_TRUE(s_.Identify(R"({"userId":"alice-1","anonymousId":"alice-laptop","context":{"channel":"web"}})").ok());
    ASSERT_TRUE(s_.Track(R"({"userId":"alice-1","event":"Order Completed","properties":{"order_id":"alice-order-1","total":30,
        "products":[{"product_id":"sku-1001","price":30}]},"context":{"channel":"web"}})").ok());
  }
  void SendBob() {
    ASSERT_TRUE(s_.Identify(R"({"userId":"bob-2","anonymousId":"bob-phone","traits":{"email":"bob@example.net","first_name":"Roberto"},
        "context":{"channel":"app"}})").ok());
    ASSERT_TRUE(s_.Track(R"({"userId":"bob-2","event":"Products Searched","properties":{"query":"bob looks for kayaks"},
        "context":{"channel":"app"}})").ok());
  }
  nlohmann::json Filed(const nlohmann::json& body) {
    auto r = s_.Request(body);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : nlohmann::json();
  }

  TempDir dir_;
  SecureStack s_;
};

TEST_F(RightsTest, ExportHoldsEverythingAboutThePersonAndNothingAboutAnyoneElse) {
  SendAlice();
  SendBob();
  nlohmann::json filed = Filed({{"type", "access"}, {"subject", "email:alice@example.org"}});
  EXPECT_EQ(filed["status"], "completed");
  // Due in 30 days, the declared deadline.
  auto received = ParseIso8601Millis(filed["received_at"].get<std::string>());
  auto due = ParseIso8601Millis(filed["due"].get<std::string>());
  ASSERT_TRUE(received && due);
  EXPECT_EQ(*due - *received, int64_t{30} * 86400 * 1000);

  auto got = s_.rights().Get(s_.Officer(), filed["id"].get<std::string>());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const nlohmann::json& e = (*got)["export"];
  // Every event of both merged devices and the account, with why and until when.
  ASSERT_EQ(e["events"].size(), 5u);
  for (const auto& ev : e["events"]) {
    EXPECT_TRUE(ev.contains("purposes")) << ev.dump();
    EXPECT_TRUE(ev.contains("retention")) << ev.dump();
  }
  EXPECT_EQ(e["identities"]["user_id"], "alice-1");
  EXPECT_EQ(e["identities"]["anonymous_ids"].size(), 2u);
  EXPECT_EQ(e["identities"]["emails"], nlohmann::json::array({"alice@example.org"}));
  bool has_first_name = false;
  for (const auto& t : e["traits"]) {
    if (t["name"] == "first_name") {
      has_first_name = true;
      EXPECT_EQ(t["value"], "Alice");
      EXPECT_EQ(t["category"], "identity");
    }
  }
  EXPECT_TRUE(has_first_name);
  EXPECT_FALSE(e["consent"]["history"].empty());
  EXPECT_TRUE(e["consent"]["decisions"]["personalization"]["app"]["allowed"].get<bool>());
  EXPECT_FALSE(e["consent"]["decisions"]["advertising"]["app"]["allowed"].get<bool>());
  EXPECT_FALSE(e["merges"].empty());
  EXPECT_EQ(e["merged_profiles"].size(), 1u);
  bool recipients_shown = false;
  for (const auto& p : e["purposes"]) recipients_shown = recipients_shown || !p["recipients"].empty();
  EXPECT_TRUE(recipients_shown);
  EXPECT_EQ(e["rights_requests"].size(), 1u);
  const std::string text = e.dump();
  EXPECT_NE(text.find("alice searches teapots"), std::string::npos);
  for (const char* other : {"bob-2", "bob-phone", "bob@example.net", "Roberto", "kayaks"})
    EXPECT_EQ(text.find(other), std::string::npos) << other;
  auto bob = s_.rights().Export("bob-2");
  ASSERT_TRUE(bob.ok());
  EXPECT_EQ(text.find((*bob)["profile_id"].get<std::string>()), std::string::npos);

  // The human-readable rendering shows the same person, escaped.
  auto html = s_.rights().GetHtml(s_.Officer(), filed["id"].get<std::string>());
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("alice@example.org"), std::string::npos);
  EXPECT_NE(html->find("alice searches teapots"), std::string::npos);
  EXPECT_EQ(html->find("Roberto"), std::string::npos);
}

TEST_F(RightsTest, RestrictionStopsProcessingUntilLiftedAndObjectionStopsProfiling) {
  SendAlice();
  const auto& decl = s_.config().declaration;
  auto decide = [&](const char* purpose) {
    auto pid = s_.rights().Export("alice-1");
    consent::ConsentLedger ledger(&s_.store());
    auto state = ledger.State((*pid)["profile_id"].get<std::string>());
    return policy::Decide(decl, *state, {purpose, "app", "*", ""});
  };
  ASSERT_TRUE(decide("personalization").allowed);

  nlohmann::json r = Filed({{"type", "restriction"}, {"subject", "alice-1"}});
  EXPECT_EQ(r["status"], "completed");
  EXPECT_EQ(decide("personalization").reason, "restricted");
  EXPECT_EQ(decide("service").reason, "restricted");
  EXPECT_TRUE(decide("accounting").allowed) << "legal obligations go on";
  service::RecommendRequest rr;
  rr.channel = "app";
  auto recs = s_.recs().Recommend(s_.Admin(), "alice-1", rr);
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  EXPECT_FALSE((*recs)["personalized"].get<bool>());
  EXPECT_EQ((*recs)["reason"], "restricted");

  Filed({{"type", "restriction"}, {"subject", "alice-1"}, {"lift", true}});
  EXPECT_TRUE(decide("personalization").allowed);

  Filed({{"type", "objection"}, {"subject", "alice-1"}});
  EXPECT_EQ(decide("personalization").reason, "objected_to_profiling");
  EXPECT_TRUE(decide("service").allowed) << "an objection to profiling leaves the contract alone";
  // Both are in the ledger's history, visible in the export.
  auto e = s_.rights().Export("alice-1");
  int rights_records = 0;
  for (const auto& h : (*e)["consent"]["history"]) rights_records += h["source"] == "rights_request";
  EXPECT_EQ(rights_records, 3);
}

TEST_F(RightsTest, RectificationChangesDeclaredTraitsAndRefusesOthers) {
  SendAlice();
  nlohmann::json r = Filed({{"type", "rectification"}, {"subject", "alice-1"},
                            {"traits", {{"first_name", "Alicia"}, {"city", nullptr}}}});
  EXPECT_EQ(r["status"], "completed");
  auto e = s_.rights().Export("alice-1");
  bool renamed = false;
  for (const auto& t : (*e)["traits"]) renamed = renamed || (t["name"] == "first_name" && t["value"] == "Alicia");
  EXPECT_TRUE(renamed);

  auto bad = s_.Request({{"type", "rectification"}, {"subject", "alice-1"}, {"traits", {{"shoe_size", 41}}}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("shoe_size"), std::string::npos) << bad.status().message();
  auto still = s_.rights().Export("alice-1");
  EXPECT_EQ((*still)["traits"].dump().find("shoe_size"), std::string::npos);
}

TEST_F(RightsTest, RectifyingAnEmailMovesItsIdentityLink) {
  SendAlice();
  SendBob();
  nlohmann::json r = Filed({{"type", "rectification"}, {"subject", "alice-1"},
                            {"traits", {{"email", "Alice.New@Example.org"}}}});
  EXPECT_EQ(r["status"], "completed");
  auto by_new = s_.rights().Export("email:alice.new@example.org");
  ASSERT_TRUE(by_new.ok()) << by_new.status().ToString();
  EXPECT_EQ((*by_new)["identities"]["user_id"], "alice-1");
  EXPECT_EQ((*by_new)["identities"]["emails"], nlohmann::json::array({"alice.new@example.org"}));
  EXPECT_EQ(s_.rights().Export("email:alice@example.org").status().code(), Code::kNotFound);

  // Someone else's address is refused, and nothing changes.
  auto taken = s_.Request({{"type", "rectification"}, {"subject", "alice-1"}, {"traits", {{"email", "bob@example.net"}}}});
  EXPECT_EQ(taken.status().code(), Code::kConflict);
  EXPECT_EQ((*s_.rights().Export("bob-2"))["identities"]["emails"], nlohmann::json::array({"bob@example.net"}));
  EXPECT_TRUE(s_.rights().Export("email:alice.new@example.org").ok());

  // Removing the trait removes the link.
  Filed({{"type", "rectification"}, {"subject", "alice-1"}, {"traits", {{"email", nullptr}}}});
  EXPECT_EQ(s_.rights().Export("email:alice.new@example.org").status().code(), Code::kNotFound);
  EXPECT_TRUE(s_.rights().Export("alice-1").ok());
}

TEST_F(RightsTest, BadRequestsAreNamedAndOtherRolesAreRefused) {
  auto body = [&](const std::string& text) { return s_.rights().Create(s_.Officer(), text); };
  EXPECT_NE(body("{").status().message().find("JSON object"), std::string::npos);
  EXPECT_NE(body(R"({"type":"delete","subject":"x"})").status().message().find("type"), std::string::npos);
  EXPECT_NE(body(R"({"type":"access"})").status().message().find("subject"), std::string::npos);
  EXPECT_NE(body(R"({"type":"access","subject":"x","colour":"red"})").status().message().find("colour"), std::string::npos);
  EXPECT_NE(body(R"({"type":"rectification","subject":"x"})").status().message().find("traits"), std::string::npos);
  EXPECT_NE(body(R"({"type":"access","subject":"email:not an address"})").status().code(), Code::kOk);

  service::Principal analyst{service::Role::kAnalyst, "analyst", "k1", 0};
  EXPECT_EQ(s_.rights().Create(analyst, R"({"type":"access","subject":"x"})").status().code(), Code::kPermissionDenied);
  EXPECT_EQ(s_.rights().Get(s_.Officer(), "rr_missing").status().code(), Code::kNotFound);
  // An access request about nobody completes, saying nothing is held.
  nlohmann::json none = Filed({{"type", "access"}, {"subject", "nobody-here"}});
  EXPECT_EQ(none["outcome"]["found"], false);
}

}  // namespace
}  // namespace shinrai
