#include "schema/declaration.h"

#include <algorithm>

namespace shinrai::schema {

std::string_view LegalBasisName(LegalBasis basis) {
  switch (basis) {
    case LegalBasis::kContract: return "contract";
    case LegalBasis::kConsent: return "consent";
    case LegalBasis::kLegitimateInterest: return "legitimate_interest";
    case LegalBasis::kLegalObligation: return "legal_obligation";
  }
  return "consent";
}

std::string_view SensitivityName(Sensitivity s) {
  switch (s) {
    case Sensitivity::kPublic: return "public";
    case Sensitivity::kPersonal: return "personal";
    case Sensitivity::kSensitive: return "sensitive";
  }
  return "personal";
}

std::string_view FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kString: return "string";
    case FieldType::kNumber: return "number";
    case FieldType::kInteger: return "integer";
    case FieldType::kBoolean: return "boolean";
    case FieldType::kEmail: return "email";
    case FieldType::kPhone: return "phone";
    case FieldType::kDateTime: return "datetime";
    case FieldType::kObject: return "object";
    case FieldType::kList: return "list";
  }
  return "string";
}

bool Brand::Runs(std::string_view purpose) const {
  return purposes.empty() || std::find(purposes.begin(), purposes.end(), purpose) != purposes.end();
}

const std::string& Declaration::Text(std::string_view lang, std::string_view key, const std::string& fallback) const {
  auto l = translations.find(lang);
  if (l == translations.end()) return fallback;
  auto t = l->second.find(key);
  return t == l->second.end() ? fallback : t->second;
}

std::string Declaration::PurposeText(const std::string& id, std::string_view lang) const {
  auto it = purposes.find(id);
  return Text(lang, "purposes." + id, it == purposes.end() || it->second.description.empty() ? id : it->second.description);
}

std::string Declaration::CategoryText(const std::string& id, std::string_view lang) const {
  auto it = categories.find(id);
  return Text(lang, "categories." + id,
              it == categories.end() || it->second.description.empty() ? id : it->second.description);
}

const Brand* Declaration::FindBrand(std::string_view id) const {
  auto it = brands.find(id);
  return it == brands.end() ? nullptr : &it->second;
}

Result<std::string> Declaration::KeyBrand(std::string_view asked, bool write_key) const {
  if (brands.empty()) {
    if (!asked.empty() && asked != "group") return InvalidArgument("no brands are declared (add a brands: section)");
    return std::string("*");
  }
  if (asked.empty()) return write_key ? default_brand : std::string("*");
  if (asked == "group") {
    if (write_key) return InvalidArgument("a write key collects for one brand: name it");
    return std::string("*");
  }
  if (!FindBrand(asked)) return InvalidArgument("unknown brand '" + std::string(asked) + "'");
  return std::string(asked);
}

const EventSpec* Declaration::FindEvent(std::string_view name) const {
  auto it = events.find(name);
  return it == events.end() ? nullptr : &it->second;
}

bool Declaration::HasChannel(std::string_view channel) const {
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

}  // namespace shinrai::schema
