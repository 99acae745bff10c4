#include <gtest/gtest.h>

#include "core/env.h"
#include "core/status.h"
#include "core/time_format.h"
#include "testing/status_matchers.h"

namespace shinrai {
namespace {

TEST(TimeFormat, ParsesTheFormsTheTrackingSpecUses) {
  EXPECT_EQ(ParseIso8601Millis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseIso8601Millis("2024-02-29T12:34:56.789Z"), 1709210096789);
  EXPECT_EQ(ParseIso8601Millis("2024-02-29T13:34:56.789+01:00"), 1709210096789);
  EXPECT_EQ(ParseIso8601Millis("2024-02-29T12:34:56.789123Z"), 1709210096789);
  EXPECT_EQ(ParseIso8601Millis("2024-02-29"), 1709164800000);
  EXPECT_FALSE(ParseIso8601Millis("yesterday"));
  EXPECT_FALSE(ParseIso8601Millis("2024-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseIso8601Millis("2024-01-01T00:00:00Zjunk"));
}

// Issue 16: impossible dates rolled into the next month and a leap second
// into the next day; each is refused with the reason.
TEST(TimeFormat, RefusesDatesAndTimesThatDoNotExist) {
  const auto why = [](std::string_view text) {
    auto r = ParseIso8601(text);
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_NE(why("2026-02-31").find("month 2 of 2026 has 28 days"), std::string::npos) << why("2026-02-31");
  EXPECT_NE(why("2025-02-29T10:00:00Z").find("has 28 days"), std::string::npos);
  EXPECT_NE(why("2026-04-31T00:00:00Z").find("has 30 days"), std::string::npos);
  EXPECT_NE(why("2026-12-31T23:59:60Z").find("not a time of day"), std::string::npos);
  EXPECT_NE(why("2026-01-01T00:00:00+24:00").find("UTC offset"), std::string::npos);
  EXPECT_NE(why("2026-13-01").find("no month 13"), std::string::npos);
  EXPECT_EQ(why("2024-02-29T23:59:59Z"), "accepted");
  EXPECT_FALSE(ParseIso8601Millis("2026-02-31"));
}

TEST(TimeFormat, FormatsRoundTrip) {
  for (int64_t ms : {int64_t{0}, int64_t{1709210096789}, int64_t{951782400000}}) {
    EXPECT_EQ(ParseIso8601Millis(FormatIso8601Millis(ms)), ms) << FormatIso8601Millis(ms);
  }
  EXPECT_EQ(FormatIso8601Millis(1709210096789), "2024-02-29T12:34:56.789Z");
}

TEST(TimeFormat, Durations) {
  EXPECT_EQ(ParseDurationSeconds("30d"), 30 * 86400);
  EXPECT_EQ(ParseDurationSeconds("2y"), 2 * 365 * 86400);
  EXPECT_EQ(ParseDurationSeconds("90s"), 90);
  EXPECT_FALSE(ParseDurationSeconds("2 years"));
  EXPECT_FALSE(ParseDurationSeconds("d"));
}

TEST(Status, CodesMapToHttp) {
  EXPECT_EQ(HttpStatusOf(Code::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusOf(Code::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusOf(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusOf(Code::kPayloadTooLarge), 413);
  EXPECT_EQ(HttpStatusOf(Code::kUnprocessable), 422);
  EXPECT_EQ(CodeName(Code::kNotFound), "not_found");
}

Result<int> Half(int x) {
  if (x % 2) return InvalidArgument("odd");
  return x / 2;
}
Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  return Half(h);
}

TEST(Status, MacrosPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), testing::StatusIs(Code::kInvalidArgument, "odd"));
}

TEST(Env, FakeEnvIsDeterministic) {
  FakeEnv a(1000, 5), b(1000, 5);
  EXPECT_EQ(a.NewId(), b.NewId());
  a.Advance(500);
  EXPECT_EQ(a.NowMicros(), 1500);
  EXPECT_EQ(Env::Default()->NewId().size(), 32u);
}

}  // namespace
}  // namespace shinrai
