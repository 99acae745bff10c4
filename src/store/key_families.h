// KeyFamilies: every family of store keys, declared once.
//
// A family is a key prefix with one owner (the module that encodes its keys
// and values; everyone else calls the owner's functions) and one protection,
// which decides what the encrypting store does with it. The encrypting
// store's scheme is built from this table (app/data_dir.cc), so a new family
// that holds personal data is sealed because it is declared here, not because
// someone remembered a second list. Key literals like "pr/" appear nowhere
// else in src/ (tests/unit/key_families_test.cc checks it).
#pragma once

#include <array>
#include <string_view>

namespace shinrai::store {

enum class Protection {
  kNone,             // not personal data (items, counters, hashes of message ids)
  kSealedBySubject,  // "<prefix><subject>[/...]": sealed with that person's data key
  kPseudonymized,    // "<prefix><kind>/<value>": the value is replaced by a keyed hash
  kSealedByService,  // sealed with the service's records key (who it concerns is inside)
  kKeyVault,         // lives in the key vault's own store, wrapped by the master key
};

struct KeyFamily {
  std::string_view prefix;
  std::string_view name;
  Protection protection;
  std::string_view owner;  // where its keys are encoded
};

namespace family {
// profile/keys.h
inline constexpr KeyFamily kIdentity{"id/", "identity index", Protection::kPseudonymized, "profile/keys.h"};
inline constexpr KeyFamily kProfile{"pr/", "profiles", Protection::kSealedBySubject, "profile/keys.h"};
inline constexpr KeyFamily kEvent{"ev/", "events", Protection::kSealedBySubject, "profile/keys.h"};
inline constexpr KeyFamily kMerge{"mg/", "merge records", Protection::kSealedBySubject, "profile/keys.h"};
inline constexpr KeyFamily kFeedback{"fb/", "recommendation feedback", Protection::kSealedBySubject, "profile/keys.h"};
inline constexpr KeyFamily kAccessNote{"an/", "agents' access notes", Protection::kSealedBySubject, "profile/keys.h"};
inline constexpr KeyFamily kDedup{"mq/", "message id hashes (de-duplication)", Protection::kNone, "profile/keys.h"};
inline constexpr KeyFamily kCounter{"st/", "collection counters", Protection::kNone, "profile/keys.h"};
inline constexpr KeyFamily kItem{"it/", "catalogue items", Protection::kNone, "profile/keys.h"};
// consent/ledger.h
inline constexpr KeyFamily kConsentRecord{"cs/", "consent ledger", Protection::kSealedBySubject, "consent/ledger.h"};
inline constexpr KeyFamily kConsentState{"cc/", "derived consent state", Protection::kSealedBySubject, "consent/ledger.h"};
inline constexpr KeyFamily kQuietHours{"qh/", "quiet hours", Protection::kSealedBySubject, "consent/quiet_hours.h"};
// service/
inline constexpr KeyFamily kRightsRequest{"rr/", "rights requests", Protection::kSealedByService,
                                          "privacy/rights_service.h"};
inline constexpr KeyFamily kFeedbackTotals{"rs/", "feedback totals by group", Protection::kNone,
                                           "personalize/recommendation_service.cc"};
inline constexpr KeyFamily kSuppression{"sx/", "suppressed identifiers (keyed hashes)", Protection::kNone,
                                        "privacy/suppression.h"};
inline constexpr KeyFamily kMeta{"meta/", "markers of the data directory", Protection::kNone, "app/main.cc, app/data_dir.cc"};
// crypto/key_vault.h (the vault's store, never the data store)
inline constexpr KeyFamily kSubjectKey{"sk/", "people's data keys", Protection::kKeyVault, "crypto/key_vault.h"};
inline constexpr KeyFamily kServiceKey{"sv/", "service keys", Protection::kKeyVault, "crypto/key_vault.h"};
inline constexpr KeyFamily kMasterCheck{"mk/", "master key check", Protection::kKeyVault, "crypto/key_vault.h"};
}  // namespace family

inline constexpr std::array kKeyFamilies = {
    family::kIdentity,      family::kProfile,      family::kEvent,         family::kMerge,
    family::kFeedback,      family::kAccessNote,   family::kDedup,         family::kCounter,
    family::kItem,          family::kConsentRecord, family::kConsentState, family::kRightsRequest,
    family::kFeedbackTotals, family::kSuppression, family::kMeta,          family::kSubjectKey,
    family::kServiceKey,    family::kMasterCheck,  family::kQuietHours,
};

}  // namespace shinrai::store
