// libFuzzer target: consent payloads, both as PUT /v1/consent bodies and as
// signals inside a tracking call's context, must be accepted or refused with
// an InvalidArgument, never crash.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "consent/changes.h"
#include "consent/signals.h"

namespace {

const shinrai::schema::Declaration& TestDeclaration() {
  static const shinrai::schema::Declaration* d = [] {
    auto* decl = new shinrai::schema::Declaration();
    using shinrai::schema::LegalBasis;
    decl->purposes["service"] = {"service", LegalBasis::kContract, ""};
    decl->purposes["analytics"] = {"analytics", LegalBasis::kLegitimateInterest, ""};
    decl->purposes["personalization"] = {"personalization", LegalBasis::kConsent, ""};
    decl->purposes["advertising"] = {"advertising", LegalBasis::kConsent, ""};
    decl->channels = {"web", "app", "email"};
    decl->consent.categories["Advertising"] = {"advertising"};
    decl->consent.categories["C0002"] = {"analytics"};
    decl->consent.tcf_purposes[3] = {"advertising"};
    decl->consent.tcf_purposes[5] = {"personalization"};
    decl->consent.consent_mode["ad_storage"] = {"advertising"};
    decl->consent.gpc_denies = {"advertising"};
    return decl;
  }();
  return *d;
}

void Check(const shinrai::Status& st) {
  if (!st.ok() && st.code() != shinrai::Code::kInvalidArgument) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Check(shinrai::consent::ParseConsentChanges(TestDeclaration(), input, 1000, "*").status());
  nlohmann::json context = nlohmann::json::parse(input, nullptr, false);
  if (context.is_discarded()) return 0;
  auto signals = shinrai::consent::ReadSignals(context, context.is_object() ? context.value("gdpr_consent", nlohmann::json()) : nlohmann::json(), size % 2 == 0);
  Check(signals.status());
  if (signals.ok()) {
    auto records = shinrai::consent::RecordsFromSignals(TestDeclaration().consent, *signals, "subject", "web", 1000);
    Check(records.status());
  }
  return 0;
}
