// Config: everything read from the --config YAML file: the declaration, the
// server settings and the API keys.
//
// LoadConfig validates the whole file and reports every mistake at once, each
// with its line and field ("shinrai.yaml:42: traits.email.purposes: unknown
// purpose 'marketing'").
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "schema/declaration.h"

namespace shinrai::schema {

struct KeySpec {
  std::string key;    // the secret as configured (demo keys only; see README)
  std::string kind;   // "write" (collection only) or "api"
  std::string role;   // for api keys: "admin", ...
  std::string name;   // who holds it, for logs and audit
};

struct ServerSettings {
  std::string listen = "127.0.0.1:8088";  // Default: loopback only
  size_t max_body_bytes = 512 * 1024;     // Default: 512 KiB (Segment's batch limit is 500 KB)
  size_t max_batch_events = 2000;
  bool strict = false;                    // reject, rather than drop, what the declaration does not allow
  int threads = 0;                        // Default: 0 = one per core
  int recent_events = 50;                 // events shown on a profile
  int64_t dedup_window_seconds = 7 * 86400;  // Default: 7 days; retries are dropped within it
  size_t dedup_max_ids = 2'000'000;          // Default: 2M ids (~100 MiB); the oldest go first past it
};

struct Config {
  Declaration declaration;
  ServerSettings server;
  std::vector<KeySpec> keys;
};

Result<Config> LoadConfig(const std::string& path);
// `source_name` prefixes error messages.
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& source_name);

}  // namespace shinrai::schema
