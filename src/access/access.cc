#include "access/access.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "access/api_key_file.h"

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

audit::Actor AuditActor(const Principal& p) { return {p.key_id, p.key_name, std::string(RoleName(p.role))}; }

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
    case Operation::kReadMetrics: return "read the operational metrics";
    case Operation::kTrain: return "retrain the recommendation model";
    case Operation::kRightsRequest: return "handle data-subject rights requests";
    case Operation::kReadAudit: return "read the audit log";
    case Operation::kIssuePrivacyCenterLink: return "issue a privacy center link";
    case Operation::kListKeys: return "list API keys";
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

Principal PrincipalOf(const std::string& kind, const std::string& role, const std::string& name,
                      const std::string& hash, double rate_limit, const std::string& brand) {
  Principal p;
  p.brand = brand.empty() ? "*" : brand;
  p.role = kind == "write" ? Role::kWriteKey : ParseRole(role);
  p.key_name = name.empty() ? std::string(RoleName(p.role)) : name;
  p.key_id = hash.substr(0, 16);
  p.rate_limit = rate_limit;
  return p;
}

Access::Access(const std::vector<schema::KeySpec>& keys, std::string key_file, double default_rate_limit, Env* env)
    : key_file_(std::move(key_file)), default_rate_limit_(default_rate_limit), env_(env) {
  for (const auto& k : keys) {
    const std::string hash = k.key_hash.empty() ? HashApiKey(k.key) : k.key_hash;
    configured_[hash] = PrincipalOf(k.kind, k.role, k.name, hash, k.rate_limit, k.brand);
  }
}

void Access::ReloadKeyFileIfChanged() const {
  if (key_file_.empty()) return;
  const int64_t now = env_->NowMillis();
  {
    std::shared_lock lock(mu_);
    if (now - checked_ms_ < 1000) return;
  }
  std::unique_lock lock(mu_);
  if (now - checked_ms_ < 1000) return;
  checked_ms_ = now;
  struct stat st {};
  const int64_t stamp = ::stat(key_file_.c_str(), &st) == 0
                            ? static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec + st.st_size
                            : 0;
  if (stamp == file_stamp_) return;
  auto keys = LoadKeyFile(key_file_);
  if (!keys.ok()) return;  // keep the keys we have; `shinrai keys list` names the problem
  file_stamp_ = stamp;
  from_file_.clear();
  revoked_.clear();
  for (const auto& k : *keys) {
    if (k.revoked_ms) revoked_[k.hash] = k.revoked_ms;
    else from_file_[k.hash] = PrincipalOf(k.kind, k.role, k.name, k.hash, k.rate_limit, k.brand);
  }
}

Result<Principal> Access::Authenticate(const Credentials& c) const {
  if (!c.malformed.empty()) return Unauthenticated(c.malformed);
  const std::string& key = !c.bearer_token.empty() ? c.bearer_token
                           : !c.basic_user.empty() ? c.basic_user
                                                   : c.body_write_key;
  if (key.empty())
    return Unauthenticated("no credentials: send the write key as the HTTP Basic user name, or 'Authorization: Bearer <api key>'");
  const std::string hash = HashApiKey(key);
  ReloadKeyFileIfChanged();
  Principal p;
  {
    std::shared_lock lock(mu_);
    if (revoked_.count(hash)) return Unauthenticated("this key was revoked");
    if (auto it = configured_.find(hash); it != configured_.end()) {
      p = it->second;
    } else if (auto f = from_file_.find(hash); f != from_file_.end()) {
      p = f->second;
    } else {
      return Unauthenticated("unknown key");
    }
  }
  // A key in a body, a pixel or a URL ends up in pages, e-mails and logs:
  // only the public write key may travel there.
  if (c.bearer_token.empty() && c.basic_user.empty() && p.role != Role::kWriteKey)
    return Unauthenticated("only a write key may be sent in a body, a pixel or a URL; send API keys as 'Authorization: Bearer <key>'");
  RETURN_IF_ERROR(Admit(p));
  return p;
}

Status Access::Admit(const Principal& p) const {
  if (p.role == Role::kWriteKey) return Status::Ok();
  const double rate = p.rate_limit > 0 ? p.rate_limit : default_rate_limit_;
  if (cluster_) {
    double tokens = 0;
    ASSIGN_OR_RETURN(std::optional<double> left, cluster_->TakeToken(p.key_id, rate, &tokens));
    return left ? Status::Ok() : OverRate(p, rate, tokens);
  }
  const int64_t now = env_->NowMicros();
  std::lock_guard lock(buckets_mu_);
  auto [it, fresh] = buckets_.try_emplace(p.key_id);
  Bucket& b = it->second;
  // A bucket holds one second's worth: bursts up to the rate, no more.
  b.tokens = fresh ? rate : std::min(rate, b.tokens + rate * static_cast<double>(now - b.at_us) / 1e6);
  b.at_us = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return Status::Ok();
  }
  return OverRate(p, rate, b.tokens);
}

Status Access::OverRate(const Principal& p, double rate, double tokens) {
  const int wait_ms = static_cast<int>(std::ceil((1 - tokens) / rate * 1000));
  return Status(Code::kResourceExhausted, "key '" + p.key_name + "' is over its rate limit of " +
                                              std::to_string(static_cast<int64_t>(rate)) + " requests/s; retry in " +
                                              std::to_string(wait_ms) + " ms");
}

Result<std::string> Access::ServedBrand(const Principal& p, std::string_view asked, const schema::Declaration& d) {
  if (asked.empty() || asked == p.brand) return p.brand;
  if (p.brand != "*")
    return PermissionDenied("key '" + p.key_name + "' serves brand '" + p.brand + "' only");
  if (asked == "*" || asked == "group") return std::string("*");
  if (!d.FindBrand(asked)) return InvalidArgument("brand: no brand '" + std::string(asked) + "' is declared");
  return std::string(asked);
}

Status Access::Authorize(const Principal& p, Operation op) {
  bool allowed = false;
  switch (op) {
    case Operation::kCollect: allowed = p.role == Role::kWriteKey || p.role == Role::kAdmin; break;
    case Operation::kReadProfile:
      // Agents too, but each of their reads must state a reason (ProfileService checks it).
      allowed = p.role == Role::kAdmin || p.role == Role::kAgent;
      break;
    case Operation::kRightsRequest:
    case Operation::kReadAudit:
      allowed = p.role == Role::kAdmin || p.role == Role::kPrivacyOfficer;
      break;
    case Operation::kListKeys: allowed = p.role == Role::kAdmin; break;
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
    case Operation::kIssuePrivacyCenterLink:  // the brand's back end, for the customer it has signed in
      allowed = p.role == Role::kAdmin || p.role == Role::kService;
      break;
    case Operation::kReadMetrics:  // Prometheus scrapes with an operator's key
      allowed = p.role == Role::kAdmin || p.role == Role::kAnalyst;
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
  // Rights requests, the audit report, the catalogue and training reach every
  // brand's data: they stay with the group's keys until they are brand-scoped.
  const bool group_wide = op == Operation::kRightsRequest || op == Operation::kReadAudit ||
                          op == Operation::kWriteCatalog || op == Operation::kTrain || op == Operation::kReadRecsStats ||
                          op == Operation::kReadMetrics;
  if (allowed && group_wide && p.brand != "*")
    return PermissionDenied("a brand's key may not " + std::string(OperationName(op)) +
                            ": it reaches the data of the group's other brands (use a group key)");
  if (allowed) return Status::Ok();
  return PermissionDenied("a key with role '" + std::string(RoleName(p.role)) + "' may not " +
                          std::string(OperationName(op)));
}

}  // namespace shinrai::service
