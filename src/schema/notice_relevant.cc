#include "schema/notice_relevant.h"

#include <sodium.h>

namespace shinrai::schema {

namespace {

void AddFields(const FieldMap& fields, nlohmann::json* out) {
  for (const auto& [name, f] : fields) {
    out->push_back({{"path", f.path},
                    {"category", f.category},
                    {"purposes", f.purposes},
                    {"retention_seconds", f.retention_seconds},
                    {"sensitivity", SensitivityName(f.sensitivity)}});
    AddFields(f.fields, out);
    if (f.items) AddFields(f.items->fields, out);
  }
}

nlohmann::json FieldsJson(const FieldMap& fields) {
  nlohmann::json out = nlohmann::json::array();
  AddFields(fields, &out);
  return out;
}

}  // namespace

nlohmann::json NoticeRelevantParts(const Declaration& d) {
  nlohmann::json brands = nlohmann::json::array();
  for (const auto& [id, b] : d.brands) {
    brands.push_back({{"id", id}, {"name", b.name}, {"controller", b.controller}, {"contact", b.contact},
                      {"purposes", b.purposes}, {"default", id == d.default_brand}});
  }
  nlohmann::json purposes = nlohmann::json::array();
  for (const auto& [id, p] : d.purposes) {
    purposes.push_back({{"id", id}, {"legal_basis", LegalBasisName(p.legal_basis)}, {"description", p.description},
                        {"profiling", p.profiling}, {"recipients", p.recipients}});
  }
  nlohmann::json categories = nlohmann::json::array();
  for (const auto& [id, c] : d.categories) {
    categories.push_back({{"id", id}, {"description", c.description}, {"sensitive", c.sensitive},
                          {"consent_purpose", c.consent_purpose}});
  }
  nlohmann::json events = nlohmann::json::array();
  for (const auto& [name, e] : d.events) {
    events.push_back({{"name", name}, {"category", e.category}, {"purposes", e.purposes},
                      {"retention_seconds", e.retention_seconds}, {"properties", FieldsJson(e.properties)}});
  }
  nlohmann::json forbidden = nlohmann::json::array();
  for (const auto& f : d.forbidden) forbidden.push_back({{"path", f.path}, {"name", f.name}, {"reason", f.reason}});
  return {{"controller", {{"name", d.controller.name}, {"contact", d.controller.contact}}},
          {"brands", brands},
          {"purposes", purposes},
          {"categories", categories},
          {"channels", d.channels},
          {"traits", FieldsJson(d.traits)},
          {"group_traits", FieldsJson(d.group_traits)},
          {"context", FieldsJson(d.context)},
          {"common_properties", FieldsJson(d.common_properties)},
          {"events", events},
          {"forbidden", forbidden},
          {"gpc_denies", d.consent.gpc_denies},
          {"identity_across_brands", d.identity.across_brands},
          {"translations", d.translations}};
}

std::string NoticeVersionOf(const Declaration& d, const std::string& label) {
  const std::string canonical = NoticeRelevantParts(d).dump();
  if (sodium_init() < 0) return label;  // cannot happen on a working libsodium; the label still names it
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 6; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 15]);
  }
  return label.empty() ? hex : label + "+" + hex;
}

}  // namespace shinrai::schema
