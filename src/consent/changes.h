// The body of PUT /v1/consent/{id}: a set of consent changes, validated
// whole against the declaration (known purposes that rest on consent, known
// channels, statuses and sources; no unknown fields) before any is applied.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "consent/ledger.h"
#include "core/status.h"
#include "schema/declaration.h"

namespace shinrai::consent {

// {"changes": [{"purpose", "channel"?, "status", "source"?, "notice_version"?,
// "proof"?, "brand"?}], "source"?, "notice_version"?, "brand"?} -> records
// (subject left empty), or InvalidArgument naming the field at fault. A
// change names no brand: `brand` (the caller's); "*": all of the group's brands.
Result<std::vector<ConsentRecord>> ParseConsentChanges(const schema::Declaration& declaration, std::string_view body,
                                                       int64_t now_ms, std::string_view brand);

}  // namespace shinrai::consent
