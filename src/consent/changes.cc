#include "consent/changes.h"

#include <nlohmann/json.hpp>
#include <set>

namespace shinrai::consent {

namespace {

const std::set<std::string>& ChangeFields() {
  static const std::set<std::string> k = {"purpose", "channel", "status", "source", "notice_version", "proof", "brand"};
  return k;
}

const std::set<std::string>& Sources() {
  static const std::set<std::string> k = {"web_banner", "app",  "email_link", "call_center", "store",
                                          "privacy_center", "tcf", "gpc", "api", "consent_manager"};
  return k;
}

Result<std::string> OptionalString(const nlohmann::json& j, const char* name, const std::string& where,
                                   std::string fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_string()) return InvalidArgument(where + "." + name + ": expected a string");
  return it->get<std::string>();
}

}  // namespace

Result<std::vector<ConsentRecord>> ParseConsentChanges(const schema::Declaration& d, std::string_view body,
                                                       int64_t now_ms, std::string_view brand) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) return InvalidArgument("the body is not valid JSON");
  if (!j.is_object()) return InvalidArgument("the body must be a JSON object with \"changes\"");
  for (const auto& [k, _] : j.items()) {
    if (k != "changes" && k != "source" && k != "notice_version" && k != "brand")
      return InvalidArgument("unknown field '" + k + "' (expected changes, source, notice_version, brand)");
  }
  ASSIGN_OR_RETURN(std::string default_brand, OptionalString(j, "brand", "body", std::string(brand)));
  if (default_brand == "group") default_brand = std::string(kAllBrands);  // as ?brand=group says it
  if (default_brand != kAllBrands && !d.FindBrand(default_brand))
    return InvalidArgument("brand: unknown brand '" + default_brand.substr(0, 64) + "' (a declared brand, or * for all)");
  ASSIGN_OR_RETURN(std::string default_source, OptionalString(j, "source", "body", "api"));
  ASSIGN_OR_RETURN(std::string default_notice, OptionalString(j, "notice_version", "body", d.consent.notice_version));
  auto changes = j.find("changes");
  if (changes == j.end() || !changes->is_array() || changes->empty())
    return InvalidArgument("changes: expected a non-empty list of {purpose, channel, status}");
  if (changes->size() > 200) return InvalidArgument("changes: more than 200 in one request");
  std::vector<ConsentRecord> out;
  for (size_t i = 0; i < changes->size(); ++i) {
    const nlohmann::json& c = (*changes)[i];
    const std::string where = "changes[" + std::to_string(i) + "]";
    if (!c.is_object()) return InvalidArgument(where + ": expected an object");
    for (const auto& [k, _] : c.items()) {
      if (!ChangeFields().count(k))
        return InvalidArgument(where + ": unknown field '" + k +
                               "' (purpose, channel, status, source, notice_version, proof, brand)");
    }
    ConsentRecord r;
    ASSIGN_OR_RETURN(r.purpose, OptionalString(c, "purpose", where, ""));
    auto purpose = d.purposes.find(r.purpose);
    if (purpose == d.purposes.end()) return InvalidArgument(where + ".purpose: unknown purpose '" + r.purpose + "'");
    if (purpose->second.legal_basis == schema::LegalBasis::kContract ||
        purpose->second.legal_basis == schema::LegalBasis::kLegalObligation)
      return InvalidArgument(where + ".purpose: '" + r.purpose + "' rests on " +
                             std::string(schema::LegalBasisName(purpose->second.legal_basis)) + ", not on consent");
    ASSIGN_OR_RETURN(r.channel, OptionalString(c, "channel", where, std::string(kAllChannels)));
    if (r.channel != kAllChannels && !d.HasChannel(r.channel))
      return InvalidArgument(where + ".channel: unknown channel '" + r.channel + "'");
    ASSIGN_OR_RETURN(std::string status, OptionalString(c, "status", where, ""));
    auto parsed = ParseConsentStatus(status);
    if (!parsed) return InvalidArgument(where + ".status: expected granted, denied or withdrawn");
    r.status = *parsed;
    ASSIGN_OR_RETURN(r.source, OptionalString(c, "source", where, default_source));
    if (!Sources().count(r.source)) return InvalidArgument(where + ".source: unknown source '" + r.source + "'");
    ASSIGN_OR_RETURN(r.notice_version, OptionalString(c, "notice_version", where, default_notice));
    ASSIGN_OR_RETURN(r.proof, OptionalString(c, "proof", where, ""));
    ASSIGN_OR_RETURN(r.brand, OptionalString(c, "brand", where, default_brand));
    if (r.brand == "group") r.brand = std::string(kAllBrands);
    if (r.brand != kAllBrands && !d.FindBrand(r.brand))
      return InvalidArgument(where + ".brand: unknown brand '" + r.brand.substr(0, 64) + "' (a declared brand, or * for all)");
    r.at_ms = now_ms;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace shinrai::consent
