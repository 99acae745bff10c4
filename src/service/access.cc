#include "service/access.h"

#include <cstdio>

#include "core/hash.h"

namespace shinrai::service {

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kWriteKey: return "write_key";
    case Role::kAdmin: return "admin";
    case Role::kPrivacyOfficer: return "privacy_officer";
    case Role::kAgent: return "agent";
    case Role::kAnalyst: return "analyst";
    case Role::kService: return "service";
  }
  return "write_key";
}

namespace {

std::string_view OperationName(Operation op) {
  switch (op) {
    case Operation::kCollect: return "collect events";
    case Operation::kReadProfile: return "read a person's profile";
    case Operation::kReadStats: return "read collection statistics";
    case Operation::kReadConsent: return "read a person's consent";
    case Operation::kWriteConsent: return "change a person's consent";
    case Operation::kRecommend: return "get recommendations for a person";
    case Operation::kReadSimilar: return "read similar items";
    case Operation::kSendFeedback: return "send recommendation feedback";
    case Operation::kWriteCatalog: return "change the catalogue";
    case Operation::kReadRecsStats: return "read recommendation statistics";
    case Operation::kTrain: return "retrain the recommendation model";
  }
  return "this operation";
}

Role ParseRole(const std::string& role) {
  if (role == "admin") return Role::kAdmin;
  if (role == "privacy_officer") return Role::kPrivacyOfficer;
  if (role == "agent") return Role::kAgent;
  if (role == "analyst") return Role::kAnalyst;
  return Role::kService;
}

}  // namespace

Access::Access(const std::vector<schema::KeySpec>& keys) {
  for (const auto& k : keys) {
    Principal p;
    p.role = k.kind == "write" ? Role::kWriteKey : ParseRole(k.role);
    p.key_name = k.name.empty() ? std::string(RoleName(p.role)) : k.name;
    p.key_id = Fnv1a64Hex(k.key);
    by_key_[k.key] = p;
  }
}

Result<Principal> Access::Authenticate(const Credentials& c) const {
  const std::string& key = !c.bearer_token.empty() ? c.bearer_token
                           : !c.basic_user.empty() ? c.basic_user
                                                   : c.body_write_key;
  if (key.empty())
    return Unauthenticated("no credentials: send the write key as the HTTP Basic user name, or 'Authorization: Bearer <api key>'");
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return Unauthenticated("unknown key");
  return it->second;
}

Status Access::Authorize(const Principal& p, Operation op) {
  bool allowed = false;
  switch (op) {
    case Operation::kCollect: allowed = p.role == Role::kWriteKey || p.role == Role::kAdmin; break;
    case Operation::kReadProfile: allowed = p.role == Role::kAdmin; break;
    case Operation::kReadStats: allowed = p.role == Role::kAdmin || p.role == Role::kPrivacyOfficer; break;
    case Operation::kRecommend:
      allowed = p.role == Role::kAdmin || p.role == Role::kService;
      break;
    case Operation::kReadSimilar:
      allowed = p.role != Role::kWriteKey;
      break;
    case Operation::kSendFeedback:
      // Browsers report impressions and clicks with the write key, like events.
      allowed = p.role == Role::kWriteKey || p.role == Role::kAdmin || p.role == Role::kService;
      break;
    case Operation::kWriteCatalog:
    case Operation::kTrain:
      allowed = p.role == Role::kAdmin || p.role == Role::kService;
      break;
    case Operation::kReadRecsStats:
      allowed = p.role == Role::kAdmin || p.role == Role::kAnalyst;
      break;
    case Operation::kReadConsent:
    case Operation::kWriteConsent:
      // The brand's back end (service) records what the person chose in the
      // privacy center or a banner; privacy officers handle requests.
      allowed = p.role == Role::kAdmin || p.role == Role::kPrivacyOfficer || p.role == Role::kService;
      break;
  }
  if (allowed) return Status::Ok();
  return PermissionDenied("a key with role '" + std::string(RoleName(p.role)) + "' may not " +
                          std::string(OperationName(op)));
}

}  // namespace shinrai::service
