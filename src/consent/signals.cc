#include "consent/signals.h"

#include <cstdio>
#include <map>

#include "consent/tcf_string.h"
#include "crypto/aead.h"

namespace shinrai::consent {

namespace {

// What the signal said, fingerprinted: the record carries the hash, not the
// TC string or the preferences themselves.
std::string Proof(std::string_view what) { return "blake2b:" + crypto::Blake2bHex(what); }

// purpose -> granted? for one source; a denial is final within the source.
using Verdicts = std::map<std::string, bool>;

void Vote(Verdicts* v, const std::vector<std::string>& purposes, bool granted) {
  for (const auto& p : purposes) {
    auto [it, inserted] = v->emplace(p, granted);
    if (!inserted) it->second = it->second && granted;
  }
}

Result<bool> ModeValue(const nlohmann::json& v, const std::string& name) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    const std::string s = v.get<std::string>();
    if (s == "granted") return true;
    if (s == "denied") return false;
  }
  return InvalidArgument("context.consentMode." + name + ": expected \"granted\" or \"denied\"");
}

}  // namespace

Result<SignalInput> ReadSignals(const nlohmann::json& context, const nlohmann::json& gdpr_consent, bool gpc) {
  SignalInput in;
  in.gpc = gpc;
  if (!context.is_object()) return in;
  if (auto c = context.find("consent"); c != context.end() && !c->is_null()) {
    if (!c->is_object()) return InvalidArgument("context.consent: expected an object");
    if (auto p = c->find("categoryPreferences"); p != c->end() && !p->is_null()) {
      if (!p->is_object()) return InvalidArgument("context.consent.categoryPreferences: expected an object");
      in.category_preferences = *p;
    }
    if (auto m = c->find("consentMode"); m != c->end() && !m->is_null()) in.consent_mode = *m;
  }
  if (auto m = context.find("consentManagement"); m != context.end() && !m->is_null()) {
    if (!m->is_object()) return InvalidArgument("context.consentManagement: expected an object");
    in.consent_management = *m;
  }
  if (auto m = context.find("consentMode"); m != context.end() && !m->is_null()) in.consent_mode = *m;
  if (!in.consent_mode.is_null() && !in.consent_mode.is_object())
    return InvalidArgument("context.consentMode: expected an object");
  for (const char* name : {"tcf", "gdpr_consent"}) {
    if (auto t = context.find(name); t != context.end() && !t->is_null()) {
      if (!t->is_string()) return InvalidArgument(std::string("context.") + name + ": expected a TC string");
      in.tc_string = t->get<std::string>();
    }
  }
  if (!gdpr_consent.is_null()) {
    if (!gdpr_consent.is_string()) return InvalidArgument("gdpr_consent: expected a TC string");
    in.tc_string = gdpr_consent.get<std::string>();
  }
  return in;
}

Result<std::vector<ConsentRecord>> RecordsFromSignals(const schema::ConsentSignals& mapping, const SignalInput& in,
                                                      const std::string& subject, const std::string& channel,
                                                      int64_t at_ms) {
  struct Source {
    std::string name;
    Verdicts verdicts;
    std::string proof;
  };
  std::vector<Source> sources;

  if (in.category_preferences.is_object() || in.consent_management.is_object()) {
    Source s{"consent_manager", {}, Proof(in.category_preferences.dump() + in.consent_management.dump())};
    if (in.category_preferences.is_object()) {
      for (const auto& [category, value] : in.category_preferences.items()) {
        if (!value.is_boolean())
          return InvalidArgument("context.consent.categoryPreferences." + category + ": expected true or false");
        if (auto it = mapping.categories.find(category); it != mapping.categories.end())
          Vote(&s.verdicts, it->second, value.get<bool>());
      }
    }
    if (in.consent_management.is_object()) {
      for (const auto& [field, granted] : {std::pair{"allowedConsentIds", true}, std::pair{"deniedConsentIds", false}}) {
        auto ids = in.consent_management.find(field);
        if (ids == in.consent_management.end() || ids->is_null()) continue;
        if (!ids->is_array()) return InvalidArgument(std::string("context.consentManagement.") + field + ": expected a list");
        for (const auto& id : *ids) {
          if (!id.is_string()) return InvalidArgument(std::string("context.consentManagement.") + field + ": expected strings");
          if (auto it = mapping.categories.find(id.get<std::string>()); it != mapping.categories.end())
            Vote(&s.verdicts, it->second, granted);
        }
      }
    }
    sources.push_back(std::move(s));
  }

  if (in.consent_mode.is_object()) {
    Source s{"consent_mode", {}, Proof(in.consent_mode.dump())};
    for (const auto& [signal, value] : in.consent_mode.items()) {
      ASSIGN_OR_RETURN(bool granted, ModeValue(value, signal));
      if (auto it = mapping.consent_mode.find(signal); it != mapping.consent_mode.end())
        Vote(&s.verdicts, it->second, granted);
    }
    sources.push_back(std::move(s));
  }

  if (!in.tc_string.empty()) {
    auto tc = DecodeTcString(in.tc_string);
    if (!tc.ok()) return InvalidArgument("the TC string is invalid: " + tc.status().message());
    Source s{"tcf", {}, Proof(in.tc_string)};
    for (const auto& [tcf_purpose, purposes] : mapping.tcf_purposes) {
      const bool granted = std::binary_search(tc->purpose_consents.begin(), tc->purpose_consents.end(), tcf_purpose);
      Vote(&s.verdicts, purposes, granted);
    }
    sources.push_back(std::move(s));
  }

  // Within one message a denial of a purpose wins over any grant of it.
  std::map<std::string, bool> denied_somewhere;
  for (const auto& s : sources)
    for (const auto& [p, granted] : s.verdicts)
      if (!granted) denied_somewhere[p] = true;
  if (in.gpc)
    for (const auto& p : mapping.gpc_denies) denied_somewhere[p] = true;

  std::vector<ConsentRecord> out;
  for (const auto& s : sources) {
    for (const auto& [purpose, granted] : s.verdicts) {
      if (granted && denied_somewhere.count(purpose)) continue;
      ConsentRecord r;
      r.subject = subject;
      r.purpose = purpose;
      r.channel = channel;
      r.status = granted ? ConsentStatus::kGranted : ConsentStatus::kDenied;
      r.source = s.name;
      r.notice_version = mapping.notice_version;
      r.at_ms = at_ms;
      r.proof = s.proof;
      out.push_back(std::move(r));
    }
  }
  if (in.gpc) {
    for (const auto& purpose : mapping.gpc_denies) {
      ConsentRecord r;
      r.subject = subject;
      r.purpose = purpose;
      r.channel = std::string(kAllChannels);
      r.status = ConsentStatus::kDenied;
      r.source = "gpc";
      r.notice_version = mapping.notice_version;
      r.at_ms = at_ms;
      r.proof = "Sec-GPC: 1";
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace shinrai::consent
