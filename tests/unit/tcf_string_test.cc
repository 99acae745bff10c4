// Decoder edge cases; the field-by-field oracle against the IAB reference
// encoder is tests/clients/tcf_oracle.test.mjs.
#include <gtest/gtest.h>

#include "consent/bit_reader.h"
#include "consent/tcf_string.h"
#include "testing/status_matchers.h"

namespace shinrai::consent {
namespace {

using ::testing::HasSubstr;
using shinrai::testing::StatusIs;

// Made with @iabtechlabtcf/core: CMP 10, EN, GB, vendor list 90, policy 5,
// purposes 1, vendors 5, 900 and 1200 (range-encoded) and LI 2-3, disclosed
// vendors 1, 2, 755, and a publisher-TC segment with 2 custom purposes.
constexpr const char* kGood = "CQdWToAQdWToAAKACAENBaFgAIAAAAAAAAwIJYQAwACgOEAlgAAZgAAA.IF5wAoAAgAEAvMAA.cAAAAAAAASAA";

TEST(TcString, DecodesEverySegment) {
  auto tc = DecodeTcString(kGood);
  ASSERT_OK(tc);
  EXPECT_EQ(tc->version, 2);
  EXPECT_EQ(tc->cmp_id, 10);
  EXPECT_EQ(tc->consent_language, "EN");
  EXPECT_EQ(tc->publisher_country_code, "GB");
  EXPECT_EQ(tc->vendor_list_version, 90);
  EXPECT_EQ(tc->policy_version, 5);
  EXPECT_EQ(tc->purpose_consents, IdList{1});
  EXPECT_EQ(tc->vendor_consents, (IdList{5, 900, 1200}));
  EXPECT_EQ(tc->vendor_legitimate_interests, (IdList{2, 3}));
  EXPECT_TRUE(tc->has_vendors_disclosed);
  EXPECT_EQ(tc->vendors_disclosed, (IdList{1, 2, 755}));
  EXPECT_TRUE(tc->has_publisher_tc);
  EXPECT_EQ(tc->num_custom_purposes, 2);
  EXPECT_EQ(tc->publisher_custom_consents, IdList{2});
  EXPECT_TRUE(tc->warnings.empty());
  EXPECT_EQ(TcStringToJson(*tc)["created"], "2026-01-01T00:00:00.000Z");
}

TEST(TcString, MissingDisclosedVendorsIsAWarningNotAnError) {
  const std::string core(kGood, std::string_view(kGood).find('.'));
  auto tc = DecodeTcString(core);
  ASSERT_OK(tc);
  ASSERT_EQ(tc->warnings.size(), 1u);
  EXPECT_THAT(tc->warnings[0], HasSubstr("TCF v2.3"));
}

TEST(TcString, InvalidStringsAreNamedErrors) {
  const std::string good(kGood);
  EXPECT_THAT(DecodeTcString(""), StatusIs(Code::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(DecodeTcString("ab$cd"), StatusIs(Code::kInvalidArgument, HasSubstr("not base64url")));
  EXPECT_THAT(DecodeTcString(good.substr(0, 12)), StatusIs(Code::kInvalidArgument, HasSubstr("truncated")));
  EXPECT_THAT(DecodeTcString(good + "."), StatusIs(Code::kInvalidArgument, HasSubstr("empty segment")));
  // Segment type 7 does not exist.
  EXPECT_THAT(DecodeTcString(good + "._A"), StatusIs(Code::kInvalidArgument, HasSubstr("unknown segment type 7")));
  // Version 1 strings (TCF v1) start with "B".
  EXPECT_THAT(DecodeTcString("BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA"),
              StatusIs(Code::kInvalidArgument, HasSubstr("version 1 is not supported")));
}

TEST(BitReader, ReadsMostSignificantBitFirstAndStopsAtTheEnd) {
  BitReader r(std::string("\xA5\x0F", 2));
  EXPECT_EQ(r.Read(4), 0xAu);
  EXPECT_EQ(r.Read(8), 0x50u);
  EXPECT_EQ(r.Read(4), 0xFu);
  EXPECT_FALSE(r.Read(1));
}

}  // namespace
}  // namespace shinrai::consent
