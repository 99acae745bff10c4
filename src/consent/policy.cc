#include "consent/policy.h"

namespace shinrai::policy {

Decision Decide(const schema::Declaration& declaration, const consent::ConsentState& state, const Use& use) {
  const auto [purpose, channel, brand, category] = use;
  auto p = declaration.purposes.find(purpose);
  if (p == declaration.purposes.end()) return {false, "unknown_purpose"};
  if (brand != consent::kAllBrands) {
    const schema::Brand* b = declaration.FindBrand(brand);
    if (!b) return {false, "unknown_brand"};
    if (!b->Runs(purpose)) return {false, "purpose_not_run_by_brand"};
  }
  bool sensitive = false;
  std::string_view explicit_purpose = purpose;
  if (!category.empty()) {
    auto c = declaration.categories.find(category);
    if (c == declaration.categories.end()) return {false, "unknown_category"};
    sensitive = c->second.sensitive;
    if (!c->second.consent_purpose.empty()) explicit_purpose = c->second.consent_purpose;
  }
  // Rights requests (GDPR art. 18 and 21) outrank consent.
  if (const auto* r = state.Find(kRestrictionPurpose, consent::kAllChannels, brand);
      r && r->status == consent::ConsentStatus::kGranted && p->second.legal_basis != schema::LegalBasis::kLegalObligation) {
    return {false, "restricted"};
  }
  if (const auto* o = state.Find(kProfilingObjectionPurpose, consent::kAllChannels, brand);
      o && o->status == consent::ConsentStatus::kGranted && p->second.profiling) {
    return {false, "objected_to_profiling"};
  }
  const consent::ConsentRecord* record = state.Find(purpose, channel, brand);
  // Special categories need explicit consent whatever the purpose's basis:
  // a grant of the category's own consent purpose where it declares one.
  if (sensitive) {
    const consent::ConsentRecord* ex = state.Find(explicit_purpose, channel, brand);
    if (!ex || ex->status != consent::ConsentStatus::kGranted) return {false, "explicit_consent_required"};
  }

  switch (p->second.legal_basis) {
    case schema::LegalBasis::kContract:
      return {true, "contract"};
    case schema::LegalBasis::kLegalObligation:
      return {true, "legal_obligation"};
    case schema::LegalBasis::kLegitimateInterest:
      if (record && record->status != consent::ConsentStatus::kGranted) return {false, "objected"};
      return {true, "legitimate_interest"};
    case schema::LegalBasis::kConsent:
      if (!record) return {false, "no_consent"};
      switch (record->status) {
        case consent::ConsentStatus::kGranted: return {true, "consent_granted"};
        case consent::ConsentStatus::kDenied: return {false, "consent_denied"};
        case consent::ConsentStatus::kWithdrawn: return {false, "consent_withdrawn"};
      }
  }
  return {false, "no_consent"};
}

}  // namespace shinrai::policy
