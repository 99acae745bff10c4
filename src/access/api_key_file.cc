#include "access/api_key_file.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/files.h"
#include "crypto/aead.h"

namespace shinrai::service {

std::string HashApiKey(std::string_view key) { return crypto::Sha256Hex(key); }

Result<std::vector<StoredKey>> LoadKeyFile(const std::string& path) {
  std::vector<StoredKey> keys;
  std::ifstream in(path);
  if (!in) return keys;
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("keys") || !j["keys"].is_array())
    return InvalidArgument("the key file '" + path + "' is not a Shinrai key file (expected {\"keys\": [...]})");
  for (const auto& k : j["keys"]) {
    StoredKey s;
    s.id = k.value("id", "");
    s.hash = k.value("sha256", "");
    s.kind = k.value("kind", "api");
    s.role = k.value("role", "");
    s.name = k.value("name", "");
    s.rate_limit = k.value("rate_limit", 0.0);
    s.brand = k.value("brand", "*");
    s.created_ms = k.value("created_ms", int64_t{0});
    s.revoked_ms = k.value("revoked_ms", int64_t{0});
    if (s.id.empty() || s.hash.size() != 64) return InvalidArgument("the key file '" + path + "' has an entry without id or sha256");
    keys.push_back(std::move(s));
  }
  return keys;
}

Status SaveKeyFile(const std::string& path, const std::vector<StoredKey>& keys) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : keys) {
    arr.push_back({{"id", s.id}, {"sha256", s.hash}, {"kind", s.kind}, {"role", s.role}, {"name", s.name},
                   {"rate_limit", s.rate_limit}, {"brand", s.brand}, {"created_ms", s.created_ms},
                   {"revoked_ms", s.revoked_ms}});
  }
  return WriteFileAtomically(path, nlohmann::json{{"keys", arr}}.dump(2) + "\n", "the key file");
}

Result<CreatedKey> CreateKey(const std::string& path, const std::string& role, const std::string& name,
                             double rate_limit, const std::string& brand, Env* env) {
  static const std::set<std::string> kRoles = {"write", "admin", "privacy_officer", "agent", "analyst", "service"};
  if (!kRoles.count(role))
    return InvalidArgument("unknown role '" + role + "' (write, admin, privacy_officer, agent, analyst, service)");
  if (name.empty()) return InvalidArgument("a key needs a name (who holds it), for the audit log");
  if (rate_limit < 0) return InvalidArgument("the rate limit must not be negative");
  ASSIGN_OR_RETURN(std::vector<StoredKey> keys, LoadKeyFile(path));
  CreatedKey c;
  c.secret = "shk_" + crypto::RandomHex(20);
  c.stored.hash = HashApiKey(c.secret);
  c.stored.id = c.stored.hash.substr(0, 16);
  c.stored.kind = role == "write" ? "write" : "api";
  c.stored.role = role == "write" ? "" : role;
  c.stored.name = name;
  c.stored.rate_limit = rate_limit;
  c.stored.brand = brand.empty() ? "*" : brand;
  c.stored.created_ms = env->NowMillis();
  keys.push_back(c.stored);
  RETURN_IF_ERROR(SaveKeyFile(path, keys));
  return c;
}

Result<StoredKey> RevokeKey(const std::string& path, const std::string& id, Env* env) {
  ASSIGN_OR_RETURN(std::vector<StoredKey> keys, LoadKeyFile(path));
  for (auto& k : keys) {
    if (k.id != id) continue;
    if (k.revoked_ms) return Conflict("key " + id + " was already revoked");
    k.revoked_ms = env->NowMillis();
    RETURN_IF_ERROR(SaveKeyFile(path, keys));
    return k;
  }
  return NotFound("no key with id '" + id + "' in " + path);
}

}  // namespace shinrai::service
