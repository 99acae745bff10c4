// Declaration: privacy-as-code. What Shinrai may hold, why, and for how long.
//
// Parsed from the YAML file given with --config (examples/shinrai.yaml is the
// documented example). It declares purposes with their legal basis, data
// categories, every trait, context field and event property that may be kept
// (type, category, purposes, retention, sensitivity), and what must never be
// collected. Collection keeps only what is declared here (schema/field_filter.h).
//
// The same file carries the server settings and API keys (config.h).
//
// Thread-safety: immutable after loading; share by const reference.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace shinrai::schema {

enum class LegalBasis { kContract, kConsent, kLegitimateInterest, kLegalObligation };
std::string_view LegalBasisName(LegalBasis basis);

enum class Sensitivity { kPublic, kPersonal, kSensitive };
std::string_view SensitivityName(Sensitivity s);

enum class FieldType { kString, kNumber, kInteger, kBoolean, kEmail, kPhone, kDateTime, kObject, kList };
std::string_view FieldTypeName(FieldType t);

struct Purpose {
  std::string id;
  LegalBasis legal_basis = LegalBasis::kConsent;
  std::string description;
  bool profiling = false;  // builds a profile of the person: an objection to profiling stops it
  std::vector<std::string> recipients;  // who data used for it is disclosed to (shown in exports and notices)
};

struct Category {
  std::string id;
  std::string description;
  bool sensitive = false;  // a special category (GDPR art. 9): needs explicit consent
  // For a sensitive category: the consent-based purpose whose grant is the
  // explicit consent to use it ("health_personalization"), asked separately
  // from the purpose the data would serve. Empty: a grant of that purpose itself.
  std::string consent_purpose;
};

struct FieldSpec {
  std::string path;  // "traits.email", "properties.products[].price": for messages
  FieldType type = FieldType::kString;
  std::string category;
  std::vector<std::string> purposes;
  int64_t retention_seconds = 0;
  Sensitivity sensitivity = Sensitivity::kPersonal;
  std::map<std::string, FieldSpec, std::less<>> fields;  // kObject; items of a kList of objects
  std::shared_ptr<FieldSpec> items;                      // kList
  int line = 0;
};

using FieldMap = std::map<std::string, FieldSpec, std::less<>>;

struct EventSpec {
  std::string name;
  std::string category;
  std::vector<std::string> purposes;
  int64_t retention_seconds = 0;
  FieldMap properties;
  int line = 0;
};

// A rule for data that must never be collected. `path` matches a field and
// everything below it ("context.location"); `name` matches a field of that
// name at any depth ("latitude").
struct ForbiddenRule {
  std::string path;
  std::string name;
  std::string reason;
};

struct IdentityLimits {
  int max_anonymous_ids = 50;  // Default: 50 device/browser ids per person
  int max_emails = 5;
  int max_phones = 5;
  std::string default_country_code;  // e.g. "+44": used for national phone numbers
  // The purpose under which one person is unified across the group's brands.
  // Empty: each brand keeps its own people, linked to nothing.
  std::string across_brands;
};

// How consent signals that arrive with tracking calls map to purposes.
struct ConsentSignals {
  // The privacy notice currently shown: consent.notice_version (a label) and
  // a hash of what the notice says (schema/notice_relevant.h).
  std::string notice_version;
  // Consent-manager categories (Segment's categoryPreferences, RudderStack's
  // consent ids, OneTrust groups) -> purposes.
  std::map<std::string, std::vector<std::string>, std::less<>> categories;
  // IAB TCF purpose ids (1-11) -> purposes. A purpose mapped from several TCF
  // purposes is granted only when all of them are.
  std::map<int, std::vector<std::string>> tcf_purposes;
  // Google Consent Mode signals (ad_storage, analytics_storage, ad_user_data,
  // ad_personalization) -> purposes.
  std::map<std::string, std::vector<std::string>, std::less<>> consent_mode;
  // Purposes a Global Privacy Control signal (Sec-GPC: 1) denies: sale and sharing.
  std::vector<std::string> gpc_denies;
};

// One of the group's brands: its own customers' choices, notices and uses.
struct Brand {
  std::string id;
  std::string name;
  std::string controller;             // the legal entity answerable for it (its notices name it)
  std::string contact;                // where people reach its privacy team
  std::vector<std::string> purposes;  // what it runs; empty: every declared purpose
  bool Runs(std::string_view purpose) const;
};

// Who answers for the data (named in the notices) where no brands are declared.
struct Controller {
  std::string name;
  std::string contact;
};

// What people read, in another language than the declaration's own:
// language -> "purposes.<id>" | "categories.<id>" | "recipients.<text>" |
// "forbidden.<reason>" -> the text in that language.
using Translations = std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>>;

struct Declaration {
  Controller controller;
  Translations translations;
  // The group's brands. Empty: one organisation, whose uses and choices are
  // all group-wide ("*"), as before brands existed.
  std::map<std::string, Brand, std::less<>> brands;
  std::string default_brand;  // what keys that name no brand collect for
  std::map<std::string, Purpose, std::less<>> purposes;
  std::map<std::string, Category, std::less<>> categories;
  std::vector<std::string> channels;
  FieldMap traits;
  FieldMap group_traits;
  FieldMap context;
  std::map<std::string, EventSpec, std::less<>> events;  // "page", "screen" name those calls
  FieldMap common_properties;                            // events["*"]: allowed on every event
  std::vector<ForbiddenRule> forbidden;
  IdentityLimits identity;
  ConsentSignals consent;

  const EventSpec* FindEvent(std::string_view name) const;
  // `key`'s text in `lang` ("purposes.service"), or `fallback` when none is declared.
  const std::string& Text(std::string_view lang, std::string_view key, const std::string& fallback) const;
  // What people read for a purpose or a category: its description (its id
  // without one), in `lang` where the declaration translates it.
  std::string PurposeText(const std::string& id, std::string_view lang) const;
  std::string CategoryText(const std::string& id, std::string_view lang) const;
  const Brand* FindBrand(std::string_view id) const;
  // The brand a key belongs to, from what was asked ("" or "group" or an
  // id): a declared brand, or "*" for the group. A write key collects for
  // one brand (the default when none is named); an API key serves the group
  // unless it names a brand. The configuration and `shinrai keys create`
  // both resolve keys here.
  Result<std::string> KeyBrand(std::string_view asked, bool write_key) const;
  bool HasChannel(std::string_view channel) const;
  // Whether each brand keeps its own people (brands declared, no
  // identity.across_brands).
  bool BrandsKeepOwnPeople() const { return !brands.empty() && identity.across_brands.empty(); }
};

}  // namespace shinrai::schema
