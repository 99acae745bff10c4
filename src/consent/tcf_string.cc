#include "consent/tcf_string.h"

#include <algorithm>
#include <map>

#include "consent/bit_reader.h"
#include "core/time_format.h"

namespace shinrai::consent {

namespace {

// Bit lengths from the TCF v2 specification.
constexpr int kVersionBits = 6, kDateBits = 36, kCmpBits = 12, kScreenBits = 6, kLangBits = 12,
              kVendorListBits = 12, kPolicyBits = 6, kSpecialFeatureBits = 12, kPurposeBits = 24,
              kVendorIdBits = 16, kNumEntriesBits = 12, kRestrictionPurposeBits = 6,
              kRestrictionTypeBits = 2, kSegmentTypeBits = 3, kNumCustomBits = 6;

enum SegmentType { kCore = 0, kDisclosedVendors = 1, kAllowedVendors = 2, kPublisherTc = 3 };

class SegmentDecoder {
 public:
  SegmentDecoder(std::string bytes, std::string segment) : r_(std::move(bytes)), segment_(std::move(segment)) {}

  Result<uint64_t> Int(int bits, const char* field) {
    auto v = r_.Read(bits);
    if (!v) return InvalidArgument("TC string truncated: the " + segment_ + " segment ends inside '" + field + "'");
    return *v;
  }

  Result<bool> Bool(const char* field) {
    ASSIGN_OR_RETURN(uint64_t v, Int(1, field));
    return v == 1;
  }

  // A fixed-length field of flags, bit i meaning id i+1.
  Result<IdList> Flags(int bits, const char* field) {
    IdList ids;
    for (int i = 0; i < bits; ++i) {
      ASSIGN_OR_RETURN(bool set, Bool(field));
      if (set) ids.push_back(i + 1);
    }
    return ids;
  }

  Result<std::string> Letters(const char* field) {
    std::string out;
    for (int i = 0; i < 2; ++i) {
      ASSIGN_OR_RETURN(uint64_t v, Int(6, field));
      if (v > 25) return InvalidArgument(std::string("TC string has an invalid letter in '") + field + "'");
      out.push_back(static_cast<char>('A' + v));
    }
    return out;
  }

  // NumEntries, then entries of (IsARange, StartOrOnlyVendorId, [EndVendorId]).
  Status Ranges(std::vector<bool>* bits, const char* field) {
    ASSIGN_OR_RETURN(uint64_t entries, Int(kNumEntriesBits, field));
    for (uint64_t i = 0; i < entries; ++i) {
      ASSIGN_OR_RETURN(bool is_range, Bool(field));
      ASSIGN_OR_RETURN(uint64_t start, Int(kVendorIdBits, field));
      uint64_t end = start;
      if (is_range) {
        ASSIGN_OR_RETURN(end, Int(kVendorIdBits, field));
      }
      if (start == 0 || end < start)
        return InvalidArgument(std::string("TC string has an invalid vendor range ") + std::to_string(start) + "-" +
                               std::to_string(end) + " in '" + field + "'");
      for (uint64_t id = start; id <= end; ++id) (*bits)[id] = true;
    }
    return Status::Ok();
  }

  // MaxVendorId, IsRangeEncoding, then a bit field or ranges.
  Result<IdList> Vendors(const char* field) {
    ASSIGN_OR_RETURN(uint64_t max_id, Int(kVendorIdBits, field));
    ASSIGN_OR_RETURN(bool is_range, Bool(field));
    std::vector<bool> bits(1 << kVendorIdBits, false);
    if (is_range) {
      RETURN_IF_ERROR(Ranges(&bits, field));
    } else {
      if (r_.remaining_bits() < max_id)
        return InvalidArgument("TC string truncated: the " + segment_ + " segment ends inside '" + field + "'");
      for (uint64_t id = 1; id <= max_id; ++id) {
        ASSIGN_OR_RETURN(bool set, Bool(field));
        bits[id] = set;
      }
    }
    IdList ids;
    for (size_t id = 1; id < bits.size(); ++id) {
      if (bits[id]) ids.push_back(static_cast<int>(id));
    }
    return ids;
  }

 private:
  BitReader r_;
  std::string segment_;
};

Result<std::string> SegmentBytes(std::string_view text, size_t index) {
  if (text.empty()) return InvalidArgument("TC string has an empty segment (number " + std::to_string(index + 1) + ")");
  auto bytes = DecodeBase64Url(text);
  if (!bytes) {
    return InvalidArgument("TC string segment " + std::to_string(index + 1) +
                           " is not base64url (only A-Z, a-z, 0-9, '-' and '_' may appear)");
  }
  return std::move(*bytes);
}

Status DecodeCore(std::string bytes, TcString* tc) {
  SegmentDecoder d(std::move(bytes), "core");
  ASSIGN_OR_RETURN(uint64_t version, d.Int(kVersionBits, "version"));
  if (version != 2) {
    return InvalidArgument("TC string version " + std::to_string(version) +
                           " is not supported (TCF v2.2 and v2.3 strings have version 2)");
  }
  tc->version = 2;
  ASSIGN_OR_RETURN(uint64_t created, d.Int(kDateBits, "created"));
  ASSIGN_OR_RETURN(uint64_t updated, d.Int(kDateBits, "lastUpdated"));
  tc->created_ms = static_cast<int64_t>(created) * 100;  // deciseconds
  tc->last_updated_ms = static_cast<int64_t>(updated) * 100;
  ASSIGN_OR_RETURN(uint64_t cmp_id, d.Int(kCmpBits, "cmpId"));
  ASSIGN_OR_RETURN(uint64_t cmp_version, d.Int(kCmpBits, "cmpVersion"));
  ASSIGN_OR_RETURN(uint64_t screen, d.Int(kScreenBits, "consentScreen"));
  tc->cmp_id = static_cast<int>(cmp_id);
  tc->cmp_version = static_cast<int>(cmp_version);
  tc->consent_screen = static_cast<int>(screen);
  static_assert(kLangBits == 12);
  ASSIGN_OR_RETURN(tc->consent_language, d.Letters("consentLanguage"));
  ASSIGN_OR_RETURN(uint64_t vlv, d.Int(kVendorListBits, "vendorListVersion"));
  ASSIGN_OR_RETURN(uint64_t policy, d.Int(kPolicyBits, "policyVersion"));
  tc->vendor_list_version = static_cast<int>(vlv);
  tc->policy_version = static_cast<int>(policy);
  ASSIGN_OR_RETURN(tc->is_service_specific, d.Bool("isServiceSpecific"));
  ASSIGN_OR_RETURN(tc->use_non_standard_texts, d.Bool("useNonStandardTexts"));
  ASSIGN_OR_RETURN(tc->special_feature_optins, d.Flags(kSpecialFeatureBits, "specialFeatureOptins"));
  ASSIGN_OR_RETURN(tc->purpose_consents, d.Flags(kPurposeBits, "purposeConsents"));
  ASSIGN_OR_RETURN(tc->purpose_legitimate_interests, d.Flags(kPurposeBits, "purposeLegitimateInterests"));
  ASSIGN_OR_RETURN(tc->purpose_one_treatment, d.Bool("purposeOneTreatment"));
  ASSIGN_OR_RETURN(tc->publisher_country_code, d.Letters("publisherCountryCode"));
  ASSIGN_OR_RETURN(tc->vendor_consents, d.Vendors("vendorConsents"));
  ASSIGN_OR_RETURN(tc->vendor_legitimate_interests, d.Vendors("vendorLegitimateInterests"));

  ASSIGN_OR_RETURN(uint64_t restrictions, d.Int(kNumEntriesBits, "publisherRestrictions"));
  std::map<std::pair<int, int>, std::vector<bool>> by_purpose_type;
  for (uint64_t i = 0; i < restrictions; ++i) {
    ASSIGN_OR_RETURN(uint64_t purpose, d.Int(kRestrictionPurposeBits, "publisherRestrictions"));
    ASSIGN_OR_RETURN(uint64_t type, d.Int(kRestrictionTypeBits, "publisherRestrictions"));
    if (type == 3) return InvalidArgument("TC string has an undefined publisher restriction type 3");
    if (purpose == 0) return InvalidArgument("TC string has a publisher restriction for purpose 0");
    auto& bits = by_purpose_type[{static_cast<int>(purpose), static_cast<int>(type)}];
    if (bits.empty()) bits.assign(1 << kVendorIdBits, false);
    RETURN_IF_ERROR(d.Ranges(&bits, "publisherRestrictions"));
  }
  for (const auto& [key, bits] : by_purpose_type) {
    PublisherRestriction pr{key.first, key.second, {}};
    for (size_t id = 1; id < bits.size(); ++id) {
      if (bits[id]) pr.vendors.push_back(static_cast<int>(id));
    }
    tc->publisher_restrictions.push_back(std::move(pr));
  }
  return Status::Ok();
}

Status DecodeSegment(std::string bytes, size_t index, TcString* tc) {
  SegmentDecoder d(std::move(bytes), "segment " + std::to_string(index + 1));
  ASSIGN_OR_RETURN(uint64_t type, d.Int(kSegmentTypeBits, "segmentType"));
  switch (type) {
    case kDisclosedVendors: {
      if (tc->has_vendors_disclosed) return InvalidArgument("TC string has two disclosed-vendors segments");
      tc->has_vendors_disclosed = true;
      ASSIGN_OR_RETURN(tc->vendors_disclosed, d.Vendors("vendorsDisclosed"));
      return Status::Ok();
    }
    case kAllowedVendors: {
      tc->warnings.push_back("allowed-vendors segment present: it was removed from TCF v2.2 and is ignored");
      ASSIGN_OR_RETURN(tc->vendors_allowed, d.Vendors("vendorsAllowed"));
      return Status::Ok();
    }
    case kPublisherTc: {
      if (tc->has_publisher_tc) return InvalidArgument("TC string has two publisher-TC segments");
      tc->has_publisher_tc = true;
      ASSIGN_OR_RETURN(tc->publisher_consents, d.Flags(kPurposeBits, "publisherConsents"));
      ASSIGN_OR_RETURN(tc->publisher_legitimate_interests, d.Flags(kPurposeBits, "publisherLegitimateInterests"));
      ASSIGN_OR_RETURN(uint64_t n, d.Int(kNumCustomBits, "numCustomPurposes"));
      tc->num_custom_purposes = static_cast<int>(n);
      ASSIGN_OR_RETURN(tc->publisher_custom_consents, d.Flags(static_cast<int>(n), "publisherCustomConsents"));
      ASSIGN_OR_RETURN(tc->publisher_custom_legitimate_interests,
                       d.Flags(static_cast<int>(n), "publisherCustomLegitimateInterests"));
      return Status::Ok();
    }
    default:
      return InvalidArgument("TC string segment " + std::to_string(index + 1) + " has unknown segment type " +
                             std::to_string(type));
  }
}

nlohmann::json Ids(const IdList& ids) { return nlohmann::json(ids); }

}  // namespace

Result<TcString> DecodeTcString(std::string_view encoded) {
  // Trimmed: strings arrive from headers, query strings and files.
  while (!encoded.empty() && (encoded.back() == ' ' || encoded.back() == '\r' || encoded.back() == '\n' ||
                              encoded.back() == '\t'))
    encoded.remove_suffix(1);
  while (!encoded.empty() && (encoded.front() == ' ' || encoded.front() == '\t')) encoded.remove_prefix(1);
  if (encoded.empty()) return InvalidArgument("TC string is empty");
  if (encoded.size() > 64 * 1024) return InvalidArgument("TC string is longer than 64 KiB");

  TcString tc;
  size_t index = 0;
  size_t start = 0;
  while (start <= encoded.size()) {
    const size_t dot = encoded.find('.', start);
    const std::string_view part = encoded.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    ASSIGN_OR_RETURN(std::string bytes, SegmentBytes(part, index));
    if (index == 0) {
      RETURN_IF_ERROR(DecodeCore(std::move(bytes), &tc));
    } else {
      RETURN_IF_ERROR(DecodeSegment(std::move(bytes), index, &tc));
    }
    ++index;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (!tc.has_vendors_disclosed) {
    tc.warnings.push_back("disclosed-vendors segment missing: TCF v2.3 requires it in every TC string");
  }
  return tc;
}

nlohmann::json TcStringToJson(const TcString& tc) {
  nlohmann::json restrictions = nlohmann::json::array();
  for (const auto& r : tc.publisher_restrictions)
    restrictions.push_back({{"purpose", r.purpose}, {"type", r.type}, {"vendors", Ids(r.vendors)}});
  nlohmann::json j = {{"version", tc.version},
                      {"cmpId", tc.cmp_id},
                      {"cmpVersion", tc.cmp_version},
                      {"consentScreen", tc.consent_screen},
                      {"consentLanguage", tc.consent_language},
                      {"publisherCountryCode", tc.publisher_country_code},
                      {"vendorListVersion", tc.vendor_list_version},
                      {"policyVersion", tc.policy_version},
                      {"isServiceSpecific", tc.is_service_specific},
                      {"useNonStandardTexts", tc.use_non_standard_texts},
                      {"purposeOneTreatment", tc.purpose_one_treatment},
                      {"purposeConsents", Ids(tc.purpose_consents)},
                      {"purposeLegitimateInterests", Ids(tc.purpose_legitimate_interests)},
                      {"specialFeatureOptins", Ids(tc.special_feature_optins)},
                      {"vendorConsents", Ids(tc.vendor_consents)},
                      {"vendorLegitimateInterests", Ids(tc.vendor_legitimate_interests)},
                      {"publisherRestrictions", std::move(restrictions)},
                      {"vendorsDisclosed", Ids(tc.vendors_disclosed)},
                      {"publisherConsents", Ids(tc.publisher_consents)},
                      {"publisherLegitimateInterests", Ids(tc.publisher_legitimate_interests)},
                      {"numCustomPurposes", tc.num_custom_purposes},
                      {"publisherCustomConsents", Ids(tc.publisher_custom_consents)},
                      {"publisherCustomLegitimateInterests", Ids(tc.publisher_custom_legitimate_interests)},
                      {"created", FormatIso8601Millis(tc.created_ms)},
                      {"lastUpdated", FormatIso8601Millis(tc.last_updated_ms)}};
  if (!tc.warnings.empty()) j["warnings"] = tc.warnings;
  return j;
}

}  // namespace shinrai::consent
