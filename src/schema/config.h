// Config: everything read from the --config YAML file: the declaration, the
// server settings and the API keys.
//
// LoadConfig validates the whole file and reports every mistake at once, each
// with its line and field ("shinrai.yaml:42: traits.email.purposes: unknown
// purpose 'marketing'").
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"
#include "schema/declaration.h"

namespace shinrai::schema {

struct KeySpec {
  std::string key;       // the secret as configured (demo keys only; see README)
  std::string key_hash;  // or its SHA-256 in hex, so the file holds no secret
  std::string kind;   // "write" (collection only) or "api"
  std::string role;   // for api keys: "admin", ...
  std::string name;   // who holds it, for logs and audit
  double rate_limit = 0;  // requests per second; 0: the role's default
  // The brand the key belongs to, or "*" for the group. Left out: write keys
  // collect for the default brand, API keys serve the group.
  std::string brand;
};

// Encryption at rest, keys, audit, rights and retention (issue #5). Paths
// left empty are placed in the data directory at start.
struct SecuritySettings {
  bool encrypt_at_rest = true;
  std::string master_key_file;   // Default: <data>/keyvault/master.key, created on first start
  std::string key_vault;         // Default: <data>/keyvault (never inside a backup of the store)
  std::string api_keys_file;     // Default: <data>/api-keys.json (keys made by `shinrai keys create`)
  std::string audit_dir;         // Default: <data>/audit
  int64_t rights_deadline_seconds = 30 * 86400;
  int64_t retention_check_seconds = 3600;  // 0: no background retention job
  std::string tls_cert_file;     // both set: the server speaks HTTPS only
  std::string tls_key_file;
  double default_rate_limit = 200;  // requests per second per API key; write keys are not limited
  // Why an agent may read a person's profile: ?reason= must be one of these
  // codes (the audit log keeps the code; free text goes in ?note=, sealed
  // with the person's key and erased with them).
  std::vector<std::string> access_reasons = {"order_query",     "delivery_issue", "billing_question",
                                             "complaint",       "account_change", "rights_request",
                                             "fraud_check"};
};

struct ServerSettings {
  std::string listen = "127.0.0.1:8088";  // Default: loopback only
  size_t max_body_bytes = 512 * 1024;     // Default: 512 KiB (Segment's batch limit is 500 KB)
  size_t max_batch_events = 2000;
  bool strict = false;                    // reject, rather than drop, what the declaration does not allow
  int threads = 0;                        // Default: 0 = one per core
  int max_connections = 0;                // Default: 0 = derived from the open-file limit
  int idle_timeout_seconds = 60;          // keep-alive idle time (5 s under connection pressure)
  int recent_events = 50;                 // events shown on a profile
  int64_t dedup_window_seconds = 7 * 86400;  // Default: 7 days; retries are dropped within it
  size_t dedup_max_ids = 2'000'000;          // Default: 2M ids (~100 MiB); the oldest go first past it
  // The web origins ("https://shop.example", "http://127.0.0.1:8089") whose
  // pages may call the browser routes (collection, feedback,
  // recommendations). Default: none; "*" allows any.
  std::vector<std::string> allowed_origins;
  // Where people reach this server ("https://privacy.shop.example"): the
  // start of the privacy center links it hands out. Default: none, and the
  // links are paths for the brand to put behind its own address.
  std::string public_url;
  std::string log_format = "text";  // "json": one object a line, for a log shipper
  std::string log_level = "info";   // trace, debug, info, warn, error, off
  bool access_log = true;           // a line per answered request (route pattern, status, ms, key id)
  // Past this many records waiting to be committed, write requests get 503
  // with Retry-After at once (backpressure) instead of queueing.
  size_t max_pending_writes = 200'000;
  // host:port of a second listener that answers GET /metrics only, without
  // a key, for a Prometheus on the same machine. Loopback addresses only: it
  // shows counts, never a person, but no key guards it. Default: none
  // (metrics need an admin or analyst key on the main listener).
  std::string metrics_listen;
};

// How an event becomes recommender training signal.
struct InteractionSpec {
  std::string event;          // declared track event name
  double weight = 1.0;        // confidence added per occurrence
  std::string item_property = "product_id";
  std::string list_property;  // e.g. "products": the items are in this list of objects
  bool purchase = false;      // a purchase: never recommended again unless re-purchasable
};

struct RecommendationSettings {
  bool enabled = false;
  std::string purpose = "personalization";  // what policy::Decide is asked before personalizing
  // The consent-based purpose a person grants for the whole group ("*") to let
  // one brand personalize from what they did at the group's other brands.
  // Empty: each brand uses only its own customers' behaviour.
  std::string cross_brand_purpose;
  std::vector<InteractionSpec> interactions;
  int min_interactions = 5;           // below: blend towards popular/contextual items
  int frequency_cap = 3;              // impressions without a click before an item rests
  int64_t rest_seconds = 86400;       // how long it rests
  int max_per_category = 3;           // diversity: at most this many items of one category
  double holdout_share = 0.05;        // share of subjects served non-personalized (uplift)
  int64_t retrain_seconds = 3600;     // 0: no scheduled retraining
  std::map<std::string, std::string> sensitive_item_categories;  // item category -> declared data category
  int factors = 64;
  double regularization = 10.0;
  double alpha = 5.0;
  int iterations = 15;
  std::string weighting = "none";     // of the rows ALS learns from: none | bm25 | tfidf
  // From this many items in the model, top-k comes from an HNSW index: exact
  // scoring served 5,200 against HNSW's 3,770 requests/s at 80,650 items and
  // 2,490 against 2,850 at 202,739 (bench/recs_serve.sh, CONFIG=).
  size_t ann_min_items = 150'000;
  // At or below this many items the served scores come from EASE (items² floats
  // in the model: 36 MB at 3,000): on ML-100K it beat ALS (0.4418 vs 0.4346 NDCG@10)
  // and needs no solve per request; on Groceries the two are within 0.005. 0: never.
  size_t ease_max_items = 3000;
  double ease_lambda = 250.0;
  // > 0: EASE learns what goes together from items chosen within about this
  // many seconds of each other too (ML-100K: 0.4510 against 0.4418). 0: plain.
  int64_t ease_session_seconds = 0;
};

struct Config {
  // Where people's data lives: empty, the --data directory (embedded
  // RocksDB); or postgres://USER@HOST:PORT/DB, shared by several nodes (the
  // key vault, the audit log and models stay in --data). --store overrides it.
  std::string store;
  Declaration declaration;
  ServerSettings server;
  RecommendationSettings recommendations;
  SecuritySettings security;
  std::vector<KeySpec> keys;
};

Result<Config> LoadConfig(const std::string& path);
// `source_name` prefixes error messages.
Result<Config> ParseConfig(const std::string& yaml_text, const std::string& source_name);

}  // namespace shinrai::schema
