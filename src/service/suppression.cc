#include "service/suppression.h"

#include "crypto/aead.h"

namespace shinrai::service {

std::string SuppressionList::Key(profile::IdKind kind, std::string_view value) const {
  std::string input(1, static_cast<char>(kind));
  input += '/';
  input += value;
  return std::string(kSuppressionPrefix) + crypto::ToHex(crypto::KeyedHash(key_, input));
}

Result<std::vector<std::string>> SuppressionList::Matches(store::Transaction& txn,
                                                          const profile::Identifiers& ids) const {
  std::vector<std::string> found;
  auto check = [&](profile::IdKind kind, const std::string& value) -> Status {
    if (value.empty()) return Status::Ok();
    std::string key = Key(kind, value);
    ASSIGN_OR_RETURN(std::optional<std::string> v, txn.Get(key));
    if (v) found.push_back(std::move(key));
    return Status::Ok();
  };
  RETURN_IF_ERROR(check(profile::IdKind::kUser, ids.user_id));
  RETURN_IF_ERROR(check(profile::IdKind::kAnonymous, ids.anonymous_id));
  RETURN_IF_ERROR(check(profile::IdKind::kEmail, ids.email));
  RETURN_IF_ERROR(check(profile::IdKind::kPhone, ids.phone));
  // An alias's previous id may be either kind.
  RETURN_IF_ERROR(check(profile::IdKind::kUser, ids.previous_id));
  RETURN_IF_ERROR(check(profile::IdKind::kAnonymous, ids.previous_id));
  return found;
}

void SuppressionList::Add(store::Transaction& txn, const profile::Profile& p, int64_t at_ms) const {
  const std::string at = std::to_string(at_ms);
  if (!p.user_id.empty()) txn.Put(Key(profile::IdKind::kUser, p.user_id), at);
  for (const auto& a : p.anonymous_ids) txn.Put(Key(profile::IdKind::kAnonymous, a), at);
  for (const auto& e : p.emails) txn.Put(Key(profile::IdKind::kEmail, e), at);
  for (const auto& ph : p.phones) txn.Put(Key(profile::IdKind::kPhone, ph), at);
}

}  // namespace shinrai::service
