// policy::Decide: the one function that decides every use of personal data.
//
// Given the declaration, a person's consent state, and a use (a purpose, a
// channel, the brand it serves and a data category), it answers allowed or
// not, and why, with a stable reason code a UI can show:
//   contract, legal_obligation        no consent needed
//   legitimate_interest               allowed until the person objects
//   objected                          legitimate interest, and the person objected
//   consent_granted                   consent on record for this purpose and channel
//   no_consent                        consent-based and nothing on record: default deny
//   consent_denied, consent_withdrawn the record says no
//   explicit_consent_required         a sensitive category without explicit consent: a grant of the
//                                     category's `consent_purpose`, or of the purpose itself when it has none
//   unknown_purpose, unknown_category the declaration does not know it
//   restricted                        the person asked to restrict processing (only legal obligations go on)
//   objected_to_profiling             the person objected to profiling, and the purpose profiles
//   unknown_brand                     the declaration has no such brand
//   purpose_not_run_by_brand          the brand does not run this purpose (its declared purposes)
//
// Consent, objections and restrictions count for the brand they were given
// to, or for all of the group's brands (brand "*"); one brand's grant never
// allows another brand's use.
//
// Pure: no I/O, no clock; safe anywhere.
#pragma once

#include <string>
#include <string_view>

#include "consent/ledger.h"
#include "schema/declaration.h"

namespace shinrai::policy {

// Rights requests are recorded in the consent ledger under these reserved
// purposes (channel "*"), "granted" meaning the restriction or objection is
// in force and "withdrawn" that it was lifted; the history shows both.
inline constexpr std::string_view kRestrictionPurpose = "_restriction";
inline constexpr std::string_view kProfilingObjectionPurpose = "_profiling_objection";

struct Decision {
  bool allowed = false;
  std::string reason;
};

// One use of a person's data. `category` may be empty when the use concerns
// no particular category. `brand` is a declared brand id, or "*" where the
// use serves the group as a whole (group-level identity, or a configuration
// that declares no brands).
struct Use {
  std::string_view purpose;
  std::string_view channel;
  std::string_view brand;
  std::string_view category = {};
};

// An objection to a legitimate-interest purpose is recorded as a "denied" or
// "withdrawn" record for that purpose.
Decision Decide(const schema::Declaration& declaration, const consent::ConsentState& state, const Use& use);

}  // namespace shinrai::policy
