#include "profile/lookup.h"

#include "core/utf8.h"
#include "schema/identifiers.h"

namespace shinrai::profile {

std::vector<IdKind> IdKindsOf(const Lookup& l) {
  switch (l.kind) {
    case Lookup::Kind::kEmail: return {IdKind::kEmail};
    case Lookup::Kind::kPhone: return {IdKind::kPhone};
    case Lookup::Kind::kId: return {IdKind::kUser, IdKind::kAnonymous};
    case Lookup::Kind::kProfile: return {};
  }
  return {};
}

Result<Lookup> ParseLookup(std::string_view text, std::string_view default_country_code) {
  // Checked here, where every API names a person, so no invalid id is ever
  // stored or echoed back.
  if (!IsValidUtf8(text)) return InvalidArgument("the subject is not valid UTF-8 text");
  if (text.size() > kMaxLookupBytes)
    return InvalidArgument("the subject is longer than " + std::to_string(kMaxLookupBytes) + " bytes");
  Lookup l;
  if (text.rfind("email:", 0) == 0) {
    auto e = schema::NormalizeEmail(text.substr(6));
    if (!e) return InvalidArgument("'" + std::string(text.substr(6)) + "' is not an e-mail address");
    l.kind = Lookup::Kind::kEmail;
    l.value = *e;
  } else if (text.rfind("phone:", 0) == 0) {
    auto p = schema::NormalizePhone(text.substr(6), default_country_code);
    if (!p) return InvalidArgument("'" + std::string(text.substr(6)) + "' is not a phone number");
    l.kind = Lookup::Kind::kPhone;
    l.value = *p;
  } else if (text.rfind("profile:", 0) == 0) {
    l.kind = Lookup::Kind::kProfile;
    l.value = std::string(text.substr(8));
  } else {
    l.value = std::string(schema::Trim(text));
  }
  return l;
}

}  // namespace shinrai::profile
