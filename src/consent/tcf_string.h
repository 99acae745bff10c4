// TcString: an IAB TCF v2.2/v2.3 Transparency & Consent string, decoded.
//
// Written to the IAB "Consent string and vendor list formats" specification:
// the core segment (every field, vendor sections in bit-field and range
// encodings, publisher restrictions) plus the disclosed-vendors and
// publisher-TC segments. Invalid input is an InvalidArgument naming the
// problem, never a crash (a libFuzzer target checks that). Policy findings
// that do not make the string unreadable (TCF v2.3's mandatory
// disclosed-vendors segment missing, the deprecated allowed-vendors segment)
// are reported as warnings.
//
// Thread-safety: values; DecodeTcString is pure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace shinrai::consent {

// Sorted, distinct ids (purposes, features, vendors).
using IdList = std::vector<int>;

struct PublisherRestriction {
  int purpose = 0;
  int type = 0;  // 0 not allowed, 1 require consent, 2 require legitimate interest
  IdList vendors;
};

struct TcString {
  int version = 0;
  int64_t created_ms = 0;
  int64_t last_updated_ms = 0;
  int cmp_id = 0;
  int cmp_version = 0;
  int consent_screen = 0;
  std::string consent_language;  // two upper-case letters
  int vendor_list_version = 0;
  int policy_version = 0;
  bool is_service_specific = false;
  bool use_non_standard_texts = false;
  IdList special_feature_optins;
  IdList purpose_consents;
  IdList purpose_legitimate_interests;
  bool purpose_one_treatment = false;
  std::string publisher_country_code;
  IdList vendor_consents;
  IdList vendor_legitimate_interests;
  std::vector<PublisherRestriction> publisher_restrictions;  // by purpose, then type

  bool has_vendors_disclosed = false;
  IdList vendors_disclosed;
  IdList vendors_allowed;  // deprecated segment, kept for completeness
  bool has_publisher_tc = false;
  IdList publisher_consents;
  IdList publisher_legitimate_interests;
  int num_custom_purposes = 0;
  IdList publisher_custom_consents;
  IdList publisher_custom_legitimate_interests;

  std::vector<std::string> warnings;
};

Result<TcString> DecodeTcString(std::string_view encoded);

// The decoded string with the field names of @iabtechlabtcf/core's TCModel;
// dates as ISO 8601 UTC; `warnings` only when there are some.
nlohmann::json TcStringToJson(const TcString& tc);

}  // namespace shinrai::consent
