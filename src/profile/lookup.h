// Lookup: how the API names a person. A user id or anonymous id as given,
// "email:<address>", "phone:<number>" or "profile:<id>"; e-mails and phones
// are normalised the way collection stores them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "profile/keys.h"

namespace shinrai::profile {

struct Lookup {
  enum class Kind { kId, kEmail, kPhone, kProfile };
  Kind kind = Kind::kId;
  std::string value;  // trimmed id, normalised e-mail or phone, or profile id
};

inline constexpr size_t kMaxLookupBytes = 1024;

// The identifier kinds a lookup may name, in the order they are tried: an id
// is a user id first, then an anonymous one; "profile:" names none.
std::vector<IdKind> IdKindsOf(const Lookup& l);

// InvalidArgument when text is not UTF-8, longer than kMaxLookupBytes, or when an "email:" or "phone:" value cannot be normalised.
Result<Lookup> ParseLookup(std::string_view text, std::string_view default_country_code);

}  // namespace shinrai::profile
