#include "privacy/suppression.h"

#include "crypto/aead.h"

namespace shinrai::service {

std::string SuppressionList::Key(profile::IdKind kind, std::string_view value, std::string_view scope) const {
  const std::string input = profile::IdentityName(kind, value, scope == "*" ? "" : scope);
  return std::string(kSuppressionPrefix) + crypto::ToHex(crypto::KeyedHash(key_, input));
}

Status SuppressionList::Load(store::Store& store) {
  // Built apart and swapped in: read again after another node changed it
  // (erased someone, or lifted a suppression), it must drop what went too.
  decltype(keys_) loaded;
  store::ScanOptions so;
  so.prefix = std::string(kSuppressionPrefix);
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view k, std::string_view) {
    loaded.emplace(k);
    return true;
  }));
  std::unique_lock lock(mu_);
  keys_ = std::move(loaded);
  return Status::Ok();
}

std::vector<std::string> SuppressionList::Matches(const profile::Identifiers& ids, std::string_view brand) const {
  std::vector<std::string> found;
  std::shared_lock lock(mu_);
  if (keys_.empty()) return found;
  auto check = [&](profile::IdKind kind, const std::string& value) {
    if (value.empty()) return;
    for (std::string_view scope : {std::string_view(), brand}) {
      std::string key = Key(kind, value, scope);
      if (keys_.count(key)) found.push_back(std::move(key));
      if (brand == "*") break;
    }
  };
  check(profile::IdKind::kUser, ids.user_id);
  check(profile::IdKind::kAnonymous, ids.anonymous_id);
  check(profile::IdKind::kEmail, ids.email);
  check(profile::IdKind::kPhone, ids.phone);
  // An alias's previous id may be either kind.
  check(profile::IdKind::kUser, ids.previous_id);
  check(profile::IdKind::kAnonymous, ids.previous_id);
  return found;
}

void SuppressionList::Put(store::Transaction& txn, std::string key, const std::string& at) {
  {
    std::unique_lock lock(mu_);
    keys_.insert(key);
  }
  txn.Put(std::move(key), at);
}

void SuppressionList::Add(store::Transaction& txn, const profile::Profile& p, std::string_view brand, int64_t at_ms) {
  const std::string at = std::to_string(at_ms);
  if (!p.user_id.empty()) Put(txn, Key(profile::IdKind::kUser, p.user_id, brand), at);
  for (const auto& a : p.anonymous_ids) Put(txn, Key(profile::IdKind::kAnonymous, a, brand), at);
  for (const auto& e : p.emails) Put(txn, Key(profile::IdKind::kEmail, e, brand), at);
  for (const auto& ph : p.phones) Put(txn, Key(profile::IdKind::kPhone, ph, brand), at);
}

void SuppressionList::Lift(store::Transaction& txn, const std::vector<std::string>& keys) {
  std::unique_lock lock(mu_);
  for (const auto& k : keys) {
    keys_.erase(k);
    txn.Delete(k);
  }
}

}  // namespace shinrai::service
