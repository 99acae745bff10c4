// Collection: minimisation, de-duplication and bad input, checked by reading
// the store back.
#include <gtest/gtest.h>

#include "profile/keys.h"
#include "store/store.h"
#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"

namespace shinrai {
namespace {

using ::testing::HasSubstr;
using testing::CollectFixture;
using testing::ExampleConfig;
using testing::StatusIs;

TEST(Collect, UndeclaredAndForbiddenFieldsAreNotStoredAndCountedByReason) {
  CollectFixture f(ExampleConfig());
  auto r = f.Track(R"({
    "userId": "u-1", "messageId": "m-1", "event": "Product Viewed",
    "properties": {"product_id": "sku-7", "price": 9.5, "latitude": 51.50722, "shoe_size": "44-undeclared",
                   "name": 12345},
    "context": {"ip": "198.51.100.77", "location": {"city": "Paris-forbidden"}, "locale": "en-GB",
                "favourite_colour": "teal-undeclared"}
  })");
  ASSERT_OK(r);
  EXPECT_EQ(r->accepted, 1);
  std::map<std::string, std::string> reasons;
  for (const auto& d : r->dropped) reasons[d.path] = schema::DropReasonName(d.reason);
  EXPECT_EQ(reasons["properties.latitude"], "forbidden_field");
  EXPECT_EQ(reasons["context.ip"], "forbidden_field");
  EXPECT_EQ(reasons["context.location"], "forbidden_field");
  EXPECT_EQ(reasons["properties.shoe_size"], "undeclared_field");
  EXPECT_EQ(reasons["context.favourite_colour"], "undeclared_field");
  EXPECT_EQ(reasons["properties.name"], "type_mismatch");

  const std::string stored = f.DumpStore();
  for (const char* gone : {"51.50722", "latitude", "198.51.100.77", "Paris-forbidden", "44-undeclared",
                           "teal-undeclared", "shoe_size", "12345"}) {
    EXPECT_EQ(stored.find(gone), std::string::npos) << gone << " reached the store";
  }
  EXPECT_NE(stored.find("sku-7"), std::string::npos);  // declared data is kept
  auto counters = *f.collect().Counters();
  EXPECT_EQ(counters["forbidden_field"], 3);
  EXPECT_EQ(counters["undeclared_field"], 2);
  EXPECT_EQ(counters["type_mismatch"], 1);
  // Counters are persisted with the data.
  EXPECT_EQ(f.store().Get(profile::CounterKey("forbidden_field"))->value(), "3");
}

TEST(Collect, UndeclaredEventsAreNotKeptAtAll) {
  CollectFixture f(ExampleConfig());
  auto r = f.Track(R"({"userId":"u-2","messageId":"m-2","event":"Mood Logged","properties":{"mood":"sad-secret"}})");
  ASSERT_OK(r);
  EXPECT_EQ(r->accepted, 0);
  EXPECT_EQ(r->dropped_events, 1);
  EXPECT_EQ(f.DumpStore().find("sad-secret"), std::string::npos);
  EXPECT_THAT(f.Find("u-2"), StatusIs(Code::kNotFound));
  EXPECT_EQ(f.collect().Counters()->at("undeclared_event"), 1);
}

TEST(Collect, StrictModeRejectsInsteadOfDropping) {
  schema::Config cfg = ExampleConfig();
  cfg.server.strict = true;
  CollectFixture f(std::move(cfg));
  auto r = f.Track(R"({"userId":"u-3","messageId":"m-3","event":"Product Viewed","properties":{"latitude":1.0}})");
  EXPECT_THAT(r, StatusIs(Code::kUnprocessable, HasSubstr("properties.latitude")));
  EXPECT_THAT(f.Find("u-3"), StatusIs(Code::kNotFound));
  ASSERT_OK(f.Track(R"({"userId":"u-3","messageId":"m-4","event":"Product Viewed","properties":{"product_id":"a"}})"));
}

TEST(Collect, RetriedMessagesAreStoredOnce) {
  CollectFixture f(ExampleConfig());
  const std::string body = R"({"userId":"u-4","messageId":"retry-1","event":"Product Viewed"})";
  ASSERT_OK(f.Track(body));
  auto again = f.Track(body);
  ASSERT_OK(again);
  EXPECT_EQ(again->accepted, 0);
  EXPECT_EQ(again->duplicates, 1);
  // Duplicates inside one batch too.
  auto batch = f.Send(std::nullopt, R"({"batch":[
      {"type":"track","userId":"u-4","messageId":"retry-2","event":"Product Viewed"},
      {"type":"track","userId":"u-4","messageId":"retry-2","event":"Product Viewed"}]})");
  ASSERT_OK(batch);
  EXPECT_EQ(batch->accepted, 1);
  EXPECT_EQ(batch->duplicates, 1);
  EXPECT_EQ(f.View("u-4")->recent_events.size(), 2u);
}

TEST(Collect, RetriesAreDroppedAcrossARestartWithinTheWindow) {
  testing::TempDir dir;
  auto open = [&] {
    store::RocksOptions o;
    o.path = dir.path() + "/db";
    return std::move(store::OpenRocksStore(o)).value();
  };
  const std::string body = R"({"userId":"r","messageId":"sdk-retry-77","event":"Product Viewed"})";
  int64_t now;
  {
    CollectFixture f(ExampleConfig(), open());
    ASSERT_EQ(f.Track(body)->accepted, 1);
    now = f.env().NowMicros();
  }
  {
    CollectFixture f(ExampleConfig(), open());
    f.env().Set(now + int64_t{3600} * 1'000'000);  // an hour later
    auto again = f.Track(body);
    ASSERT_OK(again);
    EXPECT_EQ(again->duplicates, 1);
    EXPECT_EQ(f.View("r")->recent_events.size(), 1u);
  }
  {
    // Past the window (7 days by default) the id is forgotten.
    CollectFixture f(ExampleConfig(), open());
    f.env().Set(now + int64_t{8 * 86400} * 1'000'000);
    EXPECT_EQ(f.Track(body)->accepted, 1);
  }
}

TEST(Collect, BadInputIsRejectedWithTheProblemNamedAndHarmsNothing) {
  CollectFixture f(ExampleConfig());
  ASSERT_OK(f.Identify(R"({"userId":"keep","messageId":"k1","traits":{"first_name":"Kept"}})"));
  const std::string before = f.DumpStore();

  struct Case {
    std::optional<profile::CallType> endpoint;
    std::string body;
    Code code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {profile::CallType::kTrack, R"({"userId": "keep", "event": )", Code::kInvalidArgument, "not valid JSON"},
      {profile::CallType::kTrack, "{\"userId\":\"keep\",\"event\":\"\xff\xfe\"}", Code::kInvalidArgument, "UTF-8"},
      {profile::CallType::kTrack, R"({"event":"Product Viewed","messageId":"x1"})", Code::kInvalidArgument,
       "needs a userId or an anonymousId"},
      {profile::CallType::kTrack, R"({"userId":"keep","messageId":"x2"})", Code::kInvalidArgument, "body.event: missing"},
      {profile::CallType::kTrack, R"({"userId":{"id":1},"event":"Product Viewed"})", Code::kInvalidArgument,
       "body.userId: expected a string"},
      {profile::CallType::kTrack, R"({"userId":"keep","event":"Product Viewed","timestamp":"last tuesday"})",
       Code::kInvalidArgument, "not an ISO 8601 date or time"},
      {profile::CallType::kTrack, R"({"userId":"keep","event":"Product Viewed","timestamp":"2026-02-31T10:00:00Z"})",
       Code::kInvalidArgument, "month 2 of 2026 has 28 days"},
      {profile::CallType::kAlias, R"({"userId":"keep"})", Code::kInvalidArgument, "needs both userId and previousId"},
      {profile::CallType::kTrack, R"([1,2,3])", Code::kInvalidArgument, "must be a JSON object"},
      {std::nullopt, R"({"events":[]})", Code::kInvalidArgument, "batch: missing"},
      // A batch with no usable message is refused whole, naming the problems.
      {std::nullopt, R"({"batch":[{"type":"teleport","userId":"keep"},{"type":"track","userId":"keep"}]})",
       Code::kInvalidArgument,
       "batch: every message was refused: batch[0].type: unknown call type 'teleport'; batch[1].event: missing"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(f.Send(c.endpoint, c.body), StatusIs(c.code, HasSubstr(c.message))) << c.body;
  }
  EXPECT_THAT(f.Send(profile::CallType::kTrack, R"({"userId":"keep","event":"Product Viewed"})", "wrong-key"),
              StatusIs(Code::kUnauthenticated));
  EXPECT_EQ(f.DumpStore(), before);
  EXPECT_EQ(f.Find("keep")->traits["first_name"], "Kept");
}

// Issue 16: SDKs do not retry a 4xx, so one bad message used to lose the
// whole batch. The good ones are stored and the bad ones named.
TEST(Collect, ABatchStoresItsValidMessagesAndNamesTheRefusedOnes) {
  CollectFixture f(ExampleConfig());
  auto r = f.Send(std::nullopt, R"({"batch":[
    {"type":"identify","userId":"part","messageId":"p1","traits":{"first_name":"Pat"}},
    {"type":"teleport","userId":"part","messageId":"p2"},
    {"type":"track","userId":"part","messageId":"p3","event":"Product Viewed","properties":{"product_id":"sku-1001"}},
    {"type":"track","messageId":"p4","event":"Product Viewed"},
    "not a message"]})");
  ASSERT_OK(r);
  EXPECT_EQ(r->accepted, 2);
  ASSERT_EQ(r->refused.size(), 3u);
  EXPECT_EQ(r->refused[0].index, 1u);
  EXPECT_EQ(r->refused[0].message_id, "p2");
  EXPECT_EQ(r->refused[0].reason, "invalid_message");
  EXPECT_THAT(r->refused[0].detail, HasSubstr("batch[1].type: unknown call type 'teleport'"));
  EXPECT_EQ(r->refused[1].index, 3u);
  EXPECT_THAT(r->refused[1].detail, HasSubstr("needs a userId or an anonymousId"));
  EXPECT_EQ(r->refused[2].index, 4u);
  EXPECT_EQ(r->refused[2].message_id, "");
  const nlohmann::json reply = service::CollectReportToJson(*r);
  EXPECT_EQ(reply["refused"][0]["messageId"], "p2");
  EXPECT_EQ(reply["refused"][1]["index"], 3);

  auto view = f.View("part");
  ASSERT_OK(view);
  EXPECT_EQ(view->profile.traits["first_name"], "Pat");
  EXPECT_EQ(view->recent_events.size(), 2u);
  EXPECT_EQ(f.collect().Counters()->at("refused_invalid_message"), 3);
}

TEST(Collect, InStrictModeAMessageWithUndeclaredFieldsIsRefusedAlone) {
  schema::Config config = ExampleConfig();
  config.server.strict = true;
  CollectFixture f(std::move(config));
  auto r = f.Send(std::nullopt, R"({"batch":[
    {"type":"identify","userId":"strict","messageId":"s1","traits":{"first_name":"Sam"}},
    {"type":"identify","userId":"strict","messageId":"s2","traits":{"shoe_size":44}}]})");
  ASSERT_OK(r);
  EXPECT_EQ(r->accepted, 1);
  ASSERT_EQ(r->refused.size(), 1u);
  EXPECT_EQ(r->refused[0].reason, "strict_mode");
  EXPECT_THAT(r->refused[0].detail, HasSubstr("traits.shoe_size"));
  EXPECT_EQ(f.collect().Counters()->at("refused_strict_mode"), 1);
}

// RudderStack's browser SDK sends an identify's traits in context.traits and
// repeats them on every later call: read as the identify's traits, otherwise
// neither kept nor refused in strict mode.
TEST(Collect, RudderStackContextTraitsAreTheIdentifysTraitsAndNothingElse) {
  schema::Config config = ExampleConfig();
  config.server.strict = true;
  CollectFixture f(std::move(config));
  ASSERT_OK(f.Identify(R"({"userId":"rs","context":{"traits":{"first_name":"Rae","email":"Rae@Example.org"}}})"));
  auto track = f.Track(R"({"userId":"rs","event":"Product Viewed","properties":{"product_id":"sku-1"},
      "context":{"traits":{"first_name":"Rae","email":"rae@example.org"}}})");
  ASSERT_OK(track);
  EXPECT_EQ(track->accepted, 1);
  auto view = f.View("email:rae@example.org");
  ASSERT_OK(view);
  EXPECT_EQ(view->profile.traits["first_name"], "Rae");
  for (const auto& e : view->recent_events) EXPECT_FALSE(e.context.contains("traits"));
}

TEST(Collect, ChannelComesFromContextOrTheSendingLibrary) {
  CollectFixture f(ExampleConfig());
  ASSERT_OK(f.Send(std::nullopt, R"({"batch":[
    {"type":"track","userId":"c","messageId":"c1","event":"Product Viewed","context":{"channel":"store"}},
    {"type":"track","userId":"c","messageId":"c2","event":"Product Viewed","context":{"library":{"name":"analytics.js"}}},
    {"type":"track","userId":"c","messageId":"c3","event":"Product Viewed","context":{"library":{"name":"analytics-ios"}}},
    {"type":"track","userId":"c","messageId":"c4","event":"Product Viewed","context":{"library":{"name":"@segment/analytics-node"}}}
  ]})"));
  auto p = f.Find("c");
  ASSERT_OK(p);
  EXPECT_EQ(p->channels.at("store").events, 1);
  EXPECT_EQ(p->channels.at("web").events, 1);
  EXPECT_EQ(p->channels.at("app").events, 1);
  EXPECT_EQ(p->channels.at("server").events, 1);
}

TEST(Collect, GroupCallsRecordMembershipWithDeclaredGroupTraitsOnly) {
  CollectFixture f(ExampleConfig());
  auto r = f.Send(profile::CallType::kGroup,
                  R"({"userId":"g","messageId":"g1","groupId":"acme-ltd","traits":{"name":"Acme","employees":250}})");
  ASSERT_OK(r);
  EXPECT_EQ(r->dropped.size(), 1u);
  EXPECT_EQ(r->dropped[0].path, "traits.employees");
  auto v = f.View("g");
  ASSERT_OK(v);
  EXPECT_EQ(v->profile.groups, std::vector<std::string>{"acme-ltd"});
  EXPECT_EQ(v->recent_events[0].traits["name"], "Acme");
  EXPECT_THAT(f.Send(profile::CallType::kGroup, R"({"userId":"g","messageId":"g2"})"),
              StatusIs(Code::kInvalidArgument, HasSubstr("groupId: missing")));
}

TEST(Collect, ClockSkewIsCorrectedWithSentAt) {
  CollectFixture f(ExampleConfig());
  f.env().Set(int64_t{1'700'000'100'000} * 1000);  // server clock: 100 s after the client's
  ASSERT_OK(f.Track(R"({"userId":"s","messageId":"s1","event":"Product Viewed",
    "timestamp":"2023-11-14T22:13:10.000Z","sentAt":"2023-11-14T22:13:20.000Z"})"));
  auto v = f.View("s");
  ASSERT_OK(v);
  // Sent at 22:13:20 by the client's clock, received 100 s later by ours:
  // the event (10 s before sending) happened at 22:14:50 server time.
  EXPECT_EQ(v->recent_events[0].timestamp_ms, 1'700'000'090'000);
}

}  // namespace
}  // namespace shinrai
