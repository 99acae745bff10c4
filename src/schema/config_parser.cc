// YAML -> Config, collecting every mistake with its line instead of stopping
// at the first, so one edit-run cycle fixes the whole file.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "core/time_format.h"
#include "schema/config.h"
#include "schema/config_extends.h"
#include "schema/notice_relevant.h"

namespace shinrai::schema {

namespace {

class Parser {
 public:
  explicit Parser(std::string source) : source_(std::move(source)) {}

  void Error(const YAML::Node& at, const std::string& field, const std::string& what) {
    const int line = at.IsDefined() ? at.Mark().line + 1 : 0;
    std::ostringstream os;
    os << source_ << ":" << line << ": " << field << ": " << what;
    errors_.push_back(os.str());
  }
  const std::vector<std::string>& errors() const { return errors_; }

  std::string Str(const YAML::Node& n, const std::string& field) {
    if (!n.IsScalar()) {
      Error(n, field, "expected a text value");
      return {};
    }
    return n.Scalar();
  }

  // Reads the duration at `n` (when given) into *out. `positive`: zero is
  // refused too. `examples` shows the format in the error.
  void Duration(const YAML::Node& n, const std::string& field, bool positive, const char* examples, int64_t* out) {
    if (!n.IsDefined()) return;
    const std::string text = Str(n, field);
    auto secs = ParseDurationSeconds(text);
    if (!secs || *secs < 0 || (positive && *secs == 0))
      Error(n, field, std::string("expected a duration like ") + examples + ", got '" + text + "'");
    else *out = *secs;
  }

  template <typename T>
  T Scalar(const YAML::Node& n, const std::string& field, T fallback, const char* expected) {
    if (!n.IsDefined() || n.IsNull()) return fallback;
    try {
      return n.as<T>();
    } catch (const YAML::Exception&) {
      Error(n, field, std::string("expected ") + expected);
      return fallback;
    }
  }

  void CheckKeys(const YAML::Node& map, const std::string& field, const std::set<std::string>& allowed) {
    if (!map.IsMap()) return;
    for (const auto& kv : map) {
      const std::string k = kv.first.as<std::string>();
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        Error(kv.first, field.empty() ? k : field + "." + k, "unknown setting (expected one of: " + list + ")");
      }
    }
  }

  Config Parse(const YAML::Node& root) {
    Config cfg;
    if (!root.IsMap()) {
      Error(root, "(top level)", "expected a mapping of sections (purposes, categories, traits, ...)");
      return cfg;
    }
    CheckKeys(root, "", {"version", "store", "server", "keys", "controller", "translations", "brands", "identity", "channels", "purposes", "categories",
                         "traits", "group_traits", "context", "events", "forbidden", "consent",
                         "recommendations", "security"});
    cfg.store = Scalar<std::string>(root["store"], "store", "", "a data directory, or postgres://USER@HOST:PORT/DB");
    ParseServer(root["server"], &cfg.server);
    ParseKeys(root["keys"], &cfg.keys);
    Declaration& d = cfg.declaration;
    ParseIdentity(root["identity"], &d.identity);
    ParseChannels(root["channels"], &d.channels);
    ParsePurposes(root["purposes"], &d.purposes);
    decl_purposes_ = &d.purposes;
    ParseCategories(root["categories"], &d.categories);
    decl_ = &d;
    ParseBrands(root["brands"], &d);
    ResolveKeyBrands(root["keys"], d, &cfg.keys);
    CheckIdentityAcrossBrands(root["identity"], d);
    ParseFieldMap(root["traits"], "traits", nullptr, &d.traits);
    ParseFieldMap(root["group_traits"], "group_traits", nullptr, &d.group_traits);
    ParseFieldMap(root["context"], "context", nullptr, &d.context);
    ParseEvents(root["events"], &d);
    ParseForbidden(root["forbidden"], &d.forbidden);
    ParseConsent(root["consent"], &d.consent);
    CheckForbiddenNotDeclared(d);
    ParseRecommendations(root["recommendations"], d, &cfg.recommendations);
    ParseSecurity(root["security"], &cfg.security);
    ParseController(root["controller"], &d.controller);
    ParseTranslations(root["translations"], &d);
    d.consent.notice_version = NoticeVersionOf(d, d.consent.notice_version);
    return cfg;
  }

 private:
  const std::map<std::string, Purpose, std::less<>>* decl_purposes_ = nullptr;  // for categories' consent purposes
  void ParseRecommendations(const YAML::Node& n, const Declaration& d, RecommendationSettings* r) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) return Error(n, "recommendations", "expected a mapping");
    CheckKeys(n, "recommendations", {"purpose", "interactions", "min_interactions", "frequency_cap", "rest",
                                     "max_per_category", "holdout_share", "retrain_every", "sensitive_item_categories",
                                     "model", "ann_min_items", "cross_brand_purpose"});
    r->enabled = true;
    r->purpose = Scalar<std::string>(n["purpose"], "recommendations.purpose", r->purpose, "a purpose name");
    if (!d.purposes.count(r->purpose))
      Error(n["purpose"], "recommendations.purpose", "unknown purpose '" + r->purpose + "'");
    r->cross_brand_purpose =
        Scalar<std::string>(n["cross_brand_purpose"], "recommendations.cross_brand_purpose", "", "a purpose name");
    if (!r->cross_brand_purpose.empty()) {
      auto cb = d.purposes.find(r->cross_brand_purpose);
      if (cb == d.purposes.end() || cb->second.legal_basis != LegalBasis::kConsent)
        Error(n["cross_brand_purpose"], "recommendations.cross_brand_purpose",
              "expected a declared purpose resting on consent: the person chooses to share across brands");
    }
    r->min_interactions = Scalar<int>(n["min_interactions"], "recommendations.min_interactions", r->min_interactions, "a number");
    r->frequency_cap = Scalar<int>(n["frequency_cap"], "recommendations.frequency_cap", r->frequency_cap, "a number");
    r->max_per_category = Scalar<int>(n["max_per_category"], "recommendations.max_per_category", r->max_per_category, "a number");
    r->holdout_share = Scalar<double>(n["holdout_share"], "recommendations.holdout_share", r->holdout_share, "a share from 0 to 1");
    if (r->holdout_share < 0 || r->holdout_share > 1)
      Error(n["holdout_share"], "recommendations.holdout_share", "must be between 0 and 1");
    r->ann_min_items = Scalar<size_t>(n["ann_min_items"], "recommendations.ann_min_items", r->ann_min_items, "a number");
    Duration(n["rest"], "recommendations.rest", false, "1800s, 24h or 7d (m is months)", &r->rest_seconds);
    Duration(n["retrain_every"], "recommendations.retrain_every", false, "1800s, 24h or 7d (m is months)", &r->retrain_seconds);
    if (const YAML::Node m = n["model"]; m.IsDefined()) {
      CheckKeys(m, "recommendations.model", {"factors", "regularization", "alpha", "iterations", "weighting", "ease_max_items", "ease_lambda", "ease_session"});
      r->ease_max_items = Scalar<size_t>(m["ease_max_items"], "recommendations.model.ease_max_items", r->ease_max_items, "a number");
      r->ease_lambda = Scalar<double>(m["ease_lambda"], "recommendations.model.ease_lambda", r->ease_lambda, "a number");
      if (r->ease_max_items > 6000) Error(m["ease_max_items"], "recommendations.model.ease_max_items", "must be at most 6000 (the model holds items² floats)");
      if (r->ease_lambda <= 0) Error(m["ease_lambda"], "recommendations.model.ease_lambda", "must be positive");
      Duration(m["ease_session"], "recommendations.model.ease_session", false, "300s, 1h or 0s (plain EASE)", &r->ease_session_seconds);
      r->factors = Scalar<int>(m["factors"], "recommendations.model.factors", r->factors, "a number");
      r->regularization = Scalar<double>(m["regularization"], "recommendations.model.regularization", r->regularization, "a number");
      r->alpha = Scalar<double>(m["alpha"], "recommendations.model.alpha", r->alpha, "a number");
      r->iterations = Scalar<int>(m["iterations"], "recommendations.model.iterations", r->iterations, "a number");
      r->weighting = Scalar<std::string>(m["weighting"], "recommendations.model.weighting", r->weighting, "none, bm25 or tfidf");
      if (r->weighting != "none" && r->weighting != "bm25" && r->weighting != "tfidf")
        Error(m["weighting"], "recommendations.model.weighting", "unknown weighting '" + r->weighting + "' (none | bm25 | tfidf)");
      if (r->factors < 1 || r->factors > 1024) Error(m["factors"], "recommendations.model.factors", "must be 1..1024");
    }
    if (const YAML::Node m = n["sensitive_item_categories"]; m.IsDefined()) {
      if (!m.IsMap()) Error(m, "recommendations.sensitive_item_categories", "expected item category: data category");
      else
        for (const auto& kv : m) {
          const std::string item_cat = kv.first.as<std::string>();
          const std::string data_cat = Str(kv.second, "recommendations.sensitive_item_categories." + item_cat);
          if (!d.categories.count(data_cat))
            Error(kv.second, "recommendations.sensitive_item_categories." + item_cat, "unknown category '" + data_cat + "'");
          r->sensitive_item_categories[item_cat] = data_cat;
        }
    }
    const YAML::Node list = n["interactions"];
    if (!list.IsDefined())  // an absent node has no line to name: point at the section
      return Error(n, "recommendations.interactions", "required: the events that count as interactions");
    if (!list.IsMap()) return Error(list, "recommendations.interactions", "expected event name: {weight, item, ...}");
    for (const auto& kv : list) {
      InteractionSpec spec;
      spec.event = kv.first.as<std::string>();
      const std::string field = "recommendations.interactions." + spec.event;
      if (!d.events.count(spec.event)) Error(kv.first, field, "unknown event '" + spec.event + "' (declare it under events)");
      CheckKeys(kv.second, field, {"weight", "item", "list", "purchase"});
      spec.weight = Scalar<double>(kv.second["weight"], field + ".weight", spec.weight, "a number");
      if (spec.weight <= 0) Error(kv.second["weight"], field + ".weight", "must be positive");
      spec.item_property = Scalar<std::string>(kv.second["item"], field + ".item", spec.item_property, "a property name");
      spec.list_property = Scalar<std::string>(kv.second["list"], field + ".list", spec.list_property, "a property name");
      spec.purchase = Scalar<bool>(kv.second["purchase"], field + ".purchase", spec.purchase, "true or false");
      r->interactions.push_back(std::move(spec));
    }
  }

  void ParseSecurity(const YAML::Node& n, SecuritySettings* s) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) return Error(n, "security", "expected a mapping");
    CheckKeys(n, "security", {"encrypt_at_rest", "master_key_file", "key_vault", "api_keys_file", "audit_dir",
                              "rights_deadline", "retention_check_every", "tls_cert_file", "tls_key_file",
                              "default_rate_limit", "access_reasons"});
    if (n["access_reasons"].IsDefined()) {
      if (!n["access_reasons"].IsSequence() || n["access_reasons"].size() == 0) {
        Error(n["access_reasons"], "security.access_reasons", "expected a list of reason codes, e.g. [order_query]");
      } else {
        s->access_reasons.clear();
        for (const auto& r : n["access_reasons"]) {
          const std::string code = Scalar<std::string>(r, "security.access_reasons", "", "a reason code");
          const bool word = !code.empty() && code.size() <= 64 &&
                            code.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
          if (!word) Error(r, "security.access_reasons", "a code is lower-case letters, digits and _ (got '" + code + "')");
          else s->access_reasons.push_back(code);
        }
      }
    }
    s->encrypt_at_rest = Scalar<bool>(n["encrypt_at_rest"], "security.encrypt_at_rest", s->encrypt_at_rest, "true or false");
    s->master_key_file = Scalar<std::string>(n["master_key_file"], "security.master_key_file", "", "a path");
    s->key_vault = Scalar<std::string>(n["key_vault"], "security.key_vault", "", "a path");
    s->api_keys_file = Scalar<std::string>(n["api_keys_file"], "security.api_keys_file", "", "a path");
    s->audit_dir = Scalar<std::string>(n["audit_dir"], "security.audit_dir", "", "a path");
    s->tls_cert_file = Scalar<std::string>(n["tls_cert_file"], "security.tls_cert_file", "", "a path");
    s->tls_key_file = Scalar<std::string>(n["tls_key_file"], "security.tls_key_file", "", "a path");
    if (s->tls_cert_file.empty() != s->tls_key_file.empty())
      Error(n, "security", "tls_cert_file and tls_key_file go together: set both or neither");
    s->default_rate_limit = Scalar<double>(n["default_rate_limit"], "security.default_rate_limit", s->default_rate_limit, "requests per second");
    if (s->default_rate_limit <= 0) Error(n["default_rate_limit"], "security.default_rate_limit", "must be positive");
    Duration(n["rights_deadline"], "security.rights_deadline", false, "30d or 1h", &s->rights_deadline_seconds);
    Duration(n["retention_check_every"], "security.retention_check_every", false, "30d or 1h",
             &s->retention_check_seconds);
  }

  void ParseServer(const YAML::Node& n, ServerSettings* s) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) return Error(n, "server", "expected a mapping");
    CheckKeys(n, "server", {"listen", "max_body_bytes", "max_batch_events", "strict", "threads", "recent_events",
                            "dedup_window", "dedup_max_ids", "max_connections", "idle_timeout_seconds",
                            "allowed_origins", "public_url", "log_format", "log_level", "access_log", "max_pending_writes",
                            "metrics_listen"});
    ParseOrigins(n["allowed_origins"], &s->allowed_origins);
    s->public_url = Scalar<std::string>(n["public_url"], "server.public_url", "", "a URL like https://privacy.shop.example");
    if (!s->public_url.empty() &&
        ((s->public_url.rfind("http://", 0) != 0 && s->public_url.rfind("https://", 0) != 0) || s->public_url.back() == '/'))
      Error(n["public_url"], "server.public_url", "expected http:// or https:// and a host, without a trailing /");
    s->dedup_max_ids = Scalar<size_t>(n["dedup_max_ids"], "server.dedup_max_ids", s->dedup_max_ids, "a number");
    Duration(n["dedup_window"], "server.dedup_window", true, "24h or 7d", &s->dedup_window_seconds);
    s->listen = Scalar<std::string>(n["listen"], "server.listen", s->listen, "host:port");
    s->max_body_bytes = Scalar<size_t>(n["max_body_bytes"], "server.max_body_bytes", s->max_body_bytes, "a number of bytes");
    s->max_batch_events = Scalar<size_t>(n["max_batch_events"], "server.max_batch_events", s->max_batch_events, "a number");
    s->strict = Scalar<bool>(n["strict"], "server.strict", s->strict, "true or false");
    s->threads = Scalar<int>(n["threads"], "server.threads", s->threads, "a number");
    s->recent_events = Scalar<int>(n["recent_events"], "server.recent_events", s->recent_events, "a number");
    s->max_connections = Scalar<int>(n["max_connections"], "server.max_connections", s->max_connections, "a number");
    s->idle_timeout_seconds =
        Scalar<int>(n["idle_timeout_seconds"], "server.idle_timeout_seconds", s->idle_timeout_seconds, "a number of seconds");
    s->log_format = Scalar<std::string>(n["log_format"], "server.log_format", s->log_format, "text or json");
    if (s->log_format != "text" && s->log_format != "json") Error(n["log_format"], "server.log_format", "expected text or json");
    s->log_level = Scalar<std::string>(n["log_level"], "server.log_level", s->log_level, "a level");
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
    if (!kLevels.count(s->log_level))
      Error(n["log_level"], "server.log_level", "expected trace, debug, info, warn, error or off");
    s->access_log = Scalar<bool>(n["access_log"], "server.access_log", s->access_log, "true or false");
    s->max_pending_writes =
        Scalar<size_t>(n["max_pending_writes"], "server.max_pending_writes", s->max_pending_writes, "a number of records");
    if (s->max_pending_writes < 1) Error(n["max_pending_writes"], "server.max_pending_writes", "must be at least 1");
    ParseMetricsListen(n["metrics_listen"], &s->metrics_listen);
    if (s->max_body_bytes < 1024) Error(n["max_body_bytes"], "server.max_body_bytes", "must be at least 1024");
    if (s->max_connections < 0) Error(n["max_connections"], "server.max_connections", "must be 0 (derived) or more");
    if (s->idle_timeout_seconds < 1) Error(n["idle_timeout_seconds"], "server.idle_timeout_seconds", "must be at least 1");
  }

  // The unauthenticated metrics listener: a loopback host and a port (0 picks
  // a free one), and never the main listener's address.
  void ParseMetricsListen(const YAML::Node& n, std::string* listen) {
    *listen = Scalar<std::string>(n, "server.metrics_listen", "", "host:port on loopback, like 127.0.0.1:9464");
    if (listen->empty()) return;
    const size_t colon = listen->rfind(':');
    const std::string host = colon == std::string::npos ? "" : listen->substr(0, colon);
    const std::string port = colon == std::string::npos ? "" : listen->substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) > 65535)
      return Error(n, "server.metrics_listen", "expected host:port with a port from 0 to 65535");
    if (host != "localhost" && host.rfind("127.", 0) != 0 && host != "[::1]")
      Error(n, "server.metrics_listen",
            "must be a loopback address (127.0.0.1:PORT): it answers without a key; use the main listener with an "
            "admin or analyst key from elsewhere");
  }

  // A web origin as browsers send it: scheme://host[:port], no path.
  void ParseOrigins(const YAML::Node& n, std::vector<std::string>* out) {
    if (!n.IsDefined()) return;
    const std::string field = "server.allowed_origins";
    if (!n.IsSequence()) return Error(n, field, "expected a list of origins like https://shop.example");
    for (size_t i = 0; i < n.size(); ++i) {
      std::string o = Str(n[i], field);
      std::transform(o.begin(), o.end(), o.begin(), [](unsigned char c) { return std::tolower(c); });
      const size_t scheme_end = o.find("://");
      const bool web = o.rfind("http://", 0) == 0 || o.rfind("https://", 0) == 0;
      const std::string rest = scheme_end == std::string::npos ? "" : o.substr(scheme_end + 3);
      if (o != "*" && (!web || rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos)) {
        Error(n[i], field, "'" + o + "' is not an origin: write scheme://host[:port] (no path, no trailing slash), or *");
        continue;
      }
      out->push_back(std::move(o));
    }
  }

  void ParseKeys(const YAML::Node& n, std::vector<KeySpec>* keys) {
    if (!n.IsDefined()) return;
    if (!n.IsSequence()) return Error(n, "keys", "expected a list of keys");
    static const std::set<std::string> kRoles = {"admin", "privacy_officer", "agent", "analyst", "service"};
    std::set<std::string> seen;
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node k = n[i];
      const std::string f = "keys[" + std::to_string(i) + "]";
      if (!k.IsMap()) {
        Error(k, f, "expected a mapping with key, kind and role");
        continue;
      }
      CheckKeys(k, f, {"key", "key_hash", "kind", "role", "name", "rate_limit", "brand"});
      KeySpec spec;
      spec.key = Scalar<std::string>(k["key"], f + ".key", "", "text");
      spec.key_hash = Scalar<std::string>(k["key_hash"], f + ".key_hash", "", "64 hex digits (SHA-256 of the key)");
      spec.rate_limit = Scalar<double>(k["rate_limit"], f + ".rate_limit", 0, "requests per second");
      if (spec.rate_limit < 0) Error(k["rate_limit"], f + ".rate_limit", "must not be negative");
      spec.kind = Scalar<std::string>(k["kind"], f + ".kind", "api", "write or api");
      spec.role = Scalar<std::string>(k["role"], f + ".role", "", "a role");
      spec.name = Scalar<std::string>(k["name"], f + ".name", "", "text");
      spec.brand = Scalar<std::string>(k["brand"], f + ".brand", "", "a brand id or group");
      if (!spec.key_hash.empty()) {
        if (!spec.key.empty()) Error(k, f, "give key or key_hash, not both");
        if (spec.key_hash.size() != 64 || spec.key_hash.find_first_not_of("0123456789abcdef") != std::string::npos)
          Error(k["key_hash"], f + ".key_hash", "expected 64 lower-case hex digits (sha256sum of the key)");
      } else if (spec.key.size() < 8) {
        Error(k, f + ".key", "a key needs at least 8 characters");
      }
      if (!seen.insert(spec.key + "|" + spec.key_hash).second) Error(k, f + ".key", "the same key is listed twice");
      if (spec.kind == "write") {
        if (!spec.role.empty()) Error(k["role"], f + ".role", "write keys have no role (they can only collect)");
      } else if (spec.kind == "api") {
        if (!kRoles.count(spec.role))
          Error(k, f + ".role", "unknown role '" + spec.role + "' (admin, privacy_officer, agent, analyst, service)");
      } else {
        Error(k["kind"], f + ".kind", "must be 'write' or 'api'");
      }
      keys->push_back(std::move(spec));
    }
  }

  void ParseIdentity(const YAML::Node& n, IdentityLimits* id) {
    if (!n.IsDefined()) return;
    CheckKeys(n, "identity", {"max_anonymous_ids", "max_emails", "max_phones", "default_country_code", "across_brands"});
    id->across_brands = Scalar<std::string>(n["across_brands"], "identity.across_brands", "", "a purpose name");
    id->max_anonymous_ids = Scalar<int>(n["max_anonymous_ids"], "identity.max_anonymous_ids", id->max_anonymous_ids, "a number");
    id->max_emails = Scalar<int>(n["max_emails"], "identity.max_emails", id->max_emails, "a number");
    id->max_phones = Scalar<int>(n["max_phones"], "identity.max_phones", id->max_phones, "a number");
    id->default_country_code = Scalar<std::string>(n["default_country_code"], "identity.default_country_code", "", "text like +44");
    if (id->max_anonymous_ids < 1) Error(n["max_anonymous_ids"], "identity.max_anonymous_ids", "must be at least 1");
    const auto& cc = id->default_country_code;
    if (!cc.empty() && (cc[0] != '+' || cc.size() < 2 || cc.size() > 4 ||
                        cc.find_first_not_of("0123456789", 1) != std::string::npos))
      Error(n["default_country_code"], "identity.default_country_code", "expected '+' and 1-3 digits");
  }

  // translations: {<lang>: {purposes: {id: text}, categories: {id: text},
  // recipients: {text: text}, forbidden: {reason: text}}}: what the notices
  // say in other languages. Every purpose, category, recipient and reason
  // named must be declared, so a translation cannot outlive what it translates.
  void ParseTranslations(const YAML::Node& n, Declaration* d) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) return Error(n, "translations", "expected a mapping of languages (ja: {purposes: ...})");
    std::set<std::string> recipients, reasons;
    for (const auto& [_, p] : d->purposes) recipients.insert(p.recipients.begin(), p.recipients.end());
    for (const auto& f : d->forbidden) reasons.insert(f.reason);
    for (const auto& lang_node : n) {
      const std::string lang = lang_node.first.as<std::string>();
      const std::string f = "translations." + lang;
      if (lang.size() != 2 || lang.find_first_not_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos) {
        Error(lang_node.first, f, "expected a two-letter language code such as ja");
        continue;
      }
      if (!lang_node.second.IsMap()) {
        Error(lang_node.second, f, "expected {purposes, categories, recipients, forbidden}");
        continue;
      }
      CheckKeys(lang_node.second, f, {"purposes", "categories", "recipients", "forbidden"});
      for (const auto& section : lang_node.second) {
        const std::string name = section.first.as<std::string>();
        if (!section.second.IsMap()) {
          Error(section.second, f + "." + name, "expected a mapping of what to translate to its text");
          continue;
        }
        for (const auto& entry : section.second) {
          const std::string key = entry.first.as<std::string>();
          const std::string where = f + "." + name + "." + key;
          const bool declared = name == "purposes"     ? d->purposes.count(key) > 0
                                : name == "categories" ? d->categories.count(key) > 0
                                : name == "recipients" ? recipients.count(key) > 0
                                                       : reasons.count(key) > 0;
          if (!declared) Error(entry.first, where, "translates nothing declared");
          d->translations[lang][name + "." + key] = Str(entry.second, where);
        }
      }
    }
  }

  // controller: {name, contact}: named in the notices of a single organisation.
  void ParseController(const YAML::Node& n, Controller* c) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) return Error(n, "controller", "expected {name, contact}");
    CheckKeys(n, "controller", {"name", "contact"});
    c->name = Scalar<std::string>(n["name"], "controller.name", "", "the legal entity");
    c->contact = Scalar<std::string>(n["contact"], "controller.contact", "", "an e-mail address or URL");
  }

  // One person across brands links what each brand collected: it needs its
  // own declared purpose, and a basis that does not come and go with each
  // person's consent (a withdrawal could not split a merged person again).
  void CheckIdentityAcrossBrands(const YAML::Node& n, const Declaration& d) {
    const std::string& purpose = d.identity.across_brands;
    if (purpose.empty()) return;
    const YAML::Node at = n["across_brands"];
    if (d.brands.empty()) return Error(at, "identity.across_brands", "needs brands: there is one organisation to unify in");
    auto it = d.purposes.find(purpose);
    if (it == d.purposes.end()) return Error(at, "identity.across_brands", "unknown purpose '" + purpose + "'");
    if (it->second.legal_basis == LegalBasis::kConsent)
      Error(at, "identity.across_brands",
            "purpose '" + purpose + "' rests on consent, but people merged across brands cannot be split again when "
            "one withdraws: declare a purpose resting on contract or legitimate_interest");
  }

  // brands: [{id, name, controller, contact, purposes, default}]
  void ParseBrands(const YAML::Node& n, Declaration* d) {
    if (!n.IsDefined()) return;
    if (!n.IsSequence()) return Error(n, "brands", "expected a list of brands (id, name, controller, contact)");
    for (size_t i = 0; i < n.size(); ++i) {
      const YAML::Node b = n[i];
      const std::string f = "brands[" + std::to_string(i) + "]";
      if (!b.IsMap()) {
        Error(b, f, "expected a mapping with id, name, controller and contact");
        continue;
      }
      CheckKeys(b, f, {"id", "name", "controller", "contact", "purposes", "default"});
      Brand brand;
      brand.id = Scalar<std::string>(b["id"], f + ".id", "", "an id");
      if (brand.id.empty() || brand.id == "group" || brand.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
        Error(b["id"], f + ".id", "expected lower-case letters, digits, '-' or '_' (and not 'group')");
        continue;
      }
      brand.name = Scalar<std::string>(b["name"], f + ".name", brand.id, "text");
      brand.controller = Scalar<std::string>(b["controller"], f + ".controller", "", "the legal entity");
      brand.contact = Scalar<std::string>(b["contact"], f + ".contact", "", "an e-mail address or URL");
      if (brand.controller.empty() || brand.contact.empty())
        Error(b, f, "a brand names its controller and contact: its notices show them");
      if (b["purposes"].IsDefined()) brand.purposes = PurposeList(b["purposes"], f + ".purposes");
      if (Scalar<bool>(b["default"], f + ".default", false, "true or false")) {
        if (!d->default_brand.empty()) Error(b["default"], f + ".default", "only one brand is the default");
        d->default_brand = brand.id;
      }
      if (d->brands.count(brand.id)) Error(b["id"], f + ".id", "brand '" + brand.id + "' is declared twice");
      d->brands[brand.id] = std::move(brand);
    }
    if (d->default_brand.empty() && n.size() > 0 && n[0].IsMap())
      d->default_brand = Scalar<std::string>(n[0]["id"], "brands[0].id", "", "an id");
  }

  // Each key's brand: a declared one, or "*" for the group.
  void ResolveKeyBrands(const YAML::Node& n, const Declaration& d, std::vector<KeySpec>* keys) {
    for (size_t i = 0; i < keys->size(); ++i) {
      KeySpec& k = (*keys)[i];
      auto brand = d.KeyBrand(k.brand, k.kind == "write");
      if (brand.ok()) k.brand = std::move(*brand);
      else Error(n[i]["brand"], "keys[" + std::to_string(i) + "].brand", brand.status().message());
    }
  }

  void ParseChannels(const YAML::Node& n, std::vector<std::string>* channels) {
    if (!n.IsDefined()) {
      *channels = {"web", "app", "email", "store", "call_center", "server"};
      return;
    }
    if (!n.IsSequence()) return Error(n, "channels", "expected a list of channel names");
    for (size_t i = 0; i < n.size(); ++i) channels->push_back(Str(n[i], "channels[" + std::to_string(i) + "]"));
  }

  void ParsePurposes(const YAML::Node& n, std::map<std::string, Purpose, std::less<>>* out) {
    if (!n.IsDefined()) return Error(n, "purposes", "missing: declare at least one purpose");
    if (!n.IsMap()) return Error(n, "purposes", "expected a mapping of purpose ids");
    for (const auto& kv : n) {
      Purpose p;
      p.id = kv.first.as<std::string>();
      const std::string f = "purposes." + p.id;
      const YAML::Node v = kv.second;
      std::string basis;
      if (v.IsScalar()) {
        basis = v.Scalar();
      } else if (v.IsMap()) {
        CheckKeys(v, f, {"legal_basis", "description", "profiling", "recipients"});
        if (v["recipients"].IsDefined()) {
          if (!v["recipients"].IsSequence()) Error(v["recipients"], f + ".recipients", "expected a list of names");
          else for (size_t i = 0; i < v["recipients"].size(); ++i) p.recipients.push_back(Str(v["recipients"][i], f + ".recipients"));
        }
        basis = Scalar<std::string>(v["legal_basis"], f + ".legal_basis", "", "a legal basis");
        p.profiling = Scalar<bool>(v["profiling"], f + ".profiling", false, "true or false");
        p.description = Scalar<std::string>(v["description"], f + ".description", "", "text");
      } else {
        Error(v, f, "expected a legal basis or a mapping");
        continue;
      }
      if (basis == "contract") p.legal_basis = LegalBasis::kContract;
      else if (basis == "consent") p.legal_basis = LegalBasis::kConsent;
      else if (basis == "legitimate_interest") p.legal_basis = LegalBasis::kLegitimateInterest;
      else if (basis == "legal_obligation") p.legal_basis = LegalBasis::kLegalObligation;
      else Error(v.IsMap() ? v["legal_basis"] : v, f + ".legal_basis",
                 "unknown legal basis '" + basis + "' (contract, consent, legitimate_interest, legal_obligation)");
      (*out)[p.id] = p;
    }
  }

  void ParseCategories(const YAML::Node& n, std::map<std::string, Category, std::less<>>* out) {
    if (!n.IsDefined()) return Error(n, "categories", "missing: declare the data categories");
    if (!n.IsMap()) return Error(n, "categories", "expected a mapping of category ids");
    for (const auto& kv : n) {
      Category c;
      c.id = kv.first.as<std::string>();
      const std::string f = "categories." + c.id;
      if (kv.second.IsMap()) {
        CheckKeys(kv.second, f, {"description", "sensitive", "consent_purpose"});
        c.description = Scalar<std::string>(kv.second["description"], f + ".description", "", "text");
        c.sensitive = Scalar<bool>(kv.second["sensitive"], f + ".sensitive", false, "true or false");
        c.consent_purpose = Scalar<std::string>(kv.second["consent_purpose"], f + ".consent_purpose", "", "a purpose");
        if (!c.consent_purpose.empty()) {
          const YAML::Node at = kv.second["consent_purpose"];
          auto p = decl_purposes_->find(c.consent_purpose);
          if (!c.sensitive) Error(at, f + ".consent_purpose", "only sensitive categories take a consent purpose");
          else if (p == decl_purposes_->end()) Error(at, f + ".consent_purpose", "unknown purpose '" + c.consent_purpose + "'");
          else if (p->second.legal_basis != LegalBasis::kConsent)
            Error(at, f + ".consent_purpose", "'" + c.consent_purpose + "' must have legal_basis: consent (it is the explicit consent)");
        }
      } else if (kv.second.IsScalar()) {
        c.description = kv.second.Scalar();
      }
      (*out)[c.id] = c;
    }
  }

  // category, purposes, retention and sensitivity, inherited from `parent`
  // where not stated.
  void ParseAttributes(const YAML::Node& v, const std::string& path, const FieldSpec* parent, FieldSpec* spec) {
    if (parent) {
      spec->category = parent->category;
      spec->purposes = parent->purposes;
      spec->retention_seconds = parent->retention_seconds;
      spec->sensitivity = parent->sensitivity;
    }
    if (v["category"].IsDefined()) {
      spec->category = Str(v["category"], path + ".category");
    }
    if (spec->category.empty()) Error(v, path + ".category", "missing: every kept field needs a data category");
    else if (!decl_->categories.count(spec->category))
      Error(v["category"].IsDefined() ? v["category"] : v, path + ".category", "unknown category '" + spec->category + "'");
    if (v["purposes"].IsDefined()) {
      spec->purposes.clear();
      const YAML::Node ps = v["purposes"];
      if (!ps.IsSequence()) Error(ps, path + ".purposes", "expected a list of purpose ids");
      else for (size_t i = 0; i < ps.size(); ++i) spec->purposes.push_back(Str(ps[i], path + ".purposes"));
    }
    if (spec->purposes.empty()) Error(v, path + ".purposes", "missing: data without a purpose may not be kept");
    for (const auto& p : spec->purposes) {
      if (!decl_->purposes.count(p))
        Error(v["purposes"].IsDefined() ? v["purposes"] : v, path + ".purposes", "unknown purpose '" + p + "'");
    }
    Duration(v["retention"], path + ".retention", true, "30d, 6m or 2y", &spec->retention_seconds);
    if (spec->retention_seconds <= 0) Error(v, path + ".retention", "missing: every kept field needs a retention period");
    if (v["sensitivity"].IsDefined()) {
      const std::string s = Str(v["sensitivity"], path + ".sensitivity");
      if (s == "public") spec->sensitivity = Sensitivity::kPublic;
      else if (s == "personal") spec->sensitivity = Sensitivity::kPersonal;
      else if (s == "sensitive") spec->sensitivity = Sensitivity::kSensitive;
      else Error(v["sensitivity"], path + ".sensitivity", "unknown sensitivity '" + s + "' (public, personal, sensitive)");
    }
    auto cat = decl_->categories.find(spec->category);
    if (cat != decl_->categories.end() && cat->second.sensitive) spec->sensitivity = Sensitivity::kSensitive;
  }

  // Fields inherit category, purposes, retention and sensitivity from their
  // parent (an event, or an enclosing object) when they do not state them.
  void ParseField(const YAML::Node& v, const std::string& path, const FieldSpec* parent, FieldSpec* spec) {
    spec->path = path;
    spec->line = v.Mark().line + 1;
    if (v.IsScalar()) {
      Error(v, path, "expected a mapping with at least 'type'");
      return;
    }
    if (!v.IsMap()) return Error(v, path, "expected a mapping with at least 'type'");
    CheckKeys(v, path, {"type", "category", "purposes", "retention", "sensitivity", "fields", "items", "description"});
    const std::string type = Scalar<std::string>(v["type"], path + ".type", "", "a type");
    static const std::map<std::string, FieldType> kTypes = {
        {"string", FieldType::kString}, {"number", FieldType::kNumber},   {"integer", FieldType::kInteger},
        {"boolean", FieldType::kBoolean}, {"email", FieldType::kEmail},   {"phone", FieldType::kPhone},
        {"datetime", FieldType::kDateTime}, {"object", FieldType::kObject}, {"list", FieldType::kList}};
    auto t = kTypes.find(type);
    if (t == kTypes.end()) {
      Error(v["type"].IsDefined() ? v["type"] : v, path + ".type",
            type.empty() ? "missing (string, number, integer, boolean, email, phone, datetime, object, list)"
                         : "unknown type '" + type + "' (string, number, integer, boolean, email, phone, datetime, object, list)");
    } else {
      spec->type = t->second;
    }
    ParseAttributes(v, path, parent, spec);
    if (spec->type == FieldType::kObject) {
      if (!v["fields"].IsDefined()) Error(v, path + ".fields", "an object needs its fields declared");
      else ParseFieldMap(v["fields"], path, spec, &spec->fields);
    } else if (v["fields"].IsDefined()) {
      Error(v["fields"], path + ".fields", "only objects have fields");
    }
    if (spec->type == FieldType::kList) {
      if (!v["items"].IsDefined()) {
        Error(v, path + ".items", "a list needs its item type declared");
      } else {
        spec->items = std::make_shared<FieldSpec>();
        ParseField(v["items"], path + "[]", spec, spec->items.get());
      }
    } else if (v["items"].IsDefined()) {
      Error(v["items"], path + ".items", "only lists have items");
    }
  }

  void ParseFieldMap(const YAML::Node& n, const std::string& path, const FieldSpec* parent, FieldMap* out) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) return Error(n, path, "expected a mapping of field names");
    for (const auto& kv : n) {
      const std::string name = kv.first.as<std::string>();
      if (name.empty() || name.find('.') != std::string::npos)
        Error(kv.first, path + "." + name, "field names may not be empty or contain '.' (nest with type: object)");
      FieldSpec spec;
      ParseField(kv.second, path + "." + name, parent, &spec);
      (*out)[name] = std::move(spec);
    }
  }

  void ParseEvents(const YAML::Node& n, Declaration* d) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) return Error(n, "events", "expected a mapping of event names");
    for (const auto& kv : n) {
      const std::string name = kv.first.as<std::string>();
      const std::string f = "events." + name;
      const YAML::Node v = kv.second;
      if (!v.IsMap()) {
        Error(v, f, "expected a mapping with category, purposes, retention and properties");
        continue;
      }
      if (name == "*") {
        CheckKeys(v, f, {"properties"});
        ParseFieldMap(v["properties"], "properties", nullptr, &d->common_properties);
        continue;
      }
      CheckKeys(v, f, {"category", "purposes", "retention", "properties", "description"});
      // The event's own attributes are parsed as an object field's, so
      // properties inherit them and the same checks apply.
      FieldSpec as_field;
      as_field.path = f;
      as_field.type = FieldType::kObject;
      ParseAttributes(v, f, nullptr, &as_field);
      EventSpec ev;
      ev.name = name;
      ev.category = as_field.category;
      ev.purposes = as_field.purposes;
      ev.retention_seconds = as_field.retention_seconds;
      ev.line = v.Mark().line + 1;
      ParseFieldMap(v["properties"], "properties", &as_field, &ev.properties);
      d->events[name] = std::move(ev);
    }
  }

  std::vector<std::string> PurposeList(const YAML::Node& n, const std::string& field) {
    std::vector<std::string> out;
    if (!n.IsSequence()) {
      Error(n, field, "expected a list of purpose ids");
      return out;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      std::string p = Str(n[i], field);
      if (!decl_->purposes.count(p)) Error(n[i], field, "unknown purpose '" + p + "'");
      out.push_back(std::move(p));
    }
    return out;
  }

  void ParseConsent(const YAML::Node& n, ConsentSignals* c) {
    if (!n.IsDefined()) return;
    if (!n.IsMap()) return Error(n, "consent", "expected a mapping");
    CheckKeys(n, "consent", {"notice_version", "categories", "tcf_purposes", "consent_mode", "gpc_denies"});
    c->notice_version = Scalar<std::string>(n["notice_version"], "consent.notice_version", "", "text");
    if (n["categories"].IsDefined() && n["categories"].IsMap()) {
      for (const auto& kv : n["categories"]) {
        const std::string k = kv.first.as<std::string>();
        c->categories[k] = PurposeList(kv.second, "consent.categories." + k);
      }
    } else if (n["categories"].IsDefined()) {
      Error(n["categories"], "consent.categories", "expected a mapping of category names to purpose lists");
    }
    if (n["tcf_purposes"].IsDefined() && n["tcf_purposes"].IsMap()) {
      for (const auto& kv : n["tcf_purposes"]) {
        const std::string k = kv.first.as<std::string>();
        int id = 0;
        try {
          id = std::stoi(k);
        } catch (const std::exception&) {
        }
        if (id < 1 || id > 24) Error(kv.first, "consent.tcf_purposes." + k, "expected a TCF purpose id from 1 to 24");
        c->tcf_purposes[id] = PurposeList(kv.second, "consent.tcf_purposes." + k);
      }
    } else if (n["tcf_purposes"].IsDefined()) {
      Error(n["tcf_purposes"], "consent.tcf_purposes", "expected a mapping of TCF purpose ids to purpose lists");
    }
    static const std::set<std::string> kModes = {"ad_storage", "analytics_storage", "ad_user_data", "ad_personalization",
                                                 "functionality_storage", "personalization_storage", "security_storage"};
    if (n["consent_mode"].IsDefined() && n["consent_mode"].IsMap()) {
      for (const auto& kv : n["consent_mode"]) {
        const std::string k = kv.first.as<std::string>();
        if (!kModes.count(k)) Error(kv.first, "consent.consent_mode." + k, "unknown Consent Mode signal");
        c->consent_mode[k] = PurposeList(kv.second, "consent.consent_mode." + k);
      }
    } else if (n["consent_mode"].IsDefined()) {
      Error(n["consent_mode"], "consent.consent_mode", "expected a mapping of Consent Mode signals to purpose lists");
    }
    if (n["gpc_denies"].IsDefined()) c->gpc_denies = PurposeList(n["gpc_denies"], "consent.gpc_denies");
    auto needs_consent = [&](const std::vector<std::string>& ps, const std::string& field, const YAML::Node& at) {
      for (const auto& p : ps) {
        auto it = decl_->purposes.find(p);
        if (it != decl_->purposes.end() && (it->second.legal_basis == LegalBasis::kContract ||
                                            it->second.legal_basis == LegalBasis::kLegalObligation))
          Error(at, field, "purpose '" + p + "' does not rest on consent; a consent signal cannot turn it off");
      }
    };
    needs_consent(c->gpc_denies, "consent.gpc_denies", n["gpc_denies"]);
    for (const auto& [k, ps] : c->categories) needs_consent(ps, "consent.categories." + k, n["categories"]);
  }

  void ParseForbidden(const YAML::Node& n, std::vector<ForbiddenRule>* out) {
    if (!n.IsDefined()) return;
    if (!n.IsSequence()) return Error(n, "forbidden", "expected a list of {field|name, reason}");
    for (size_t i = 0; i < n.size(); ++i) {
      const std::string f = "forbidden[" + std::to_string(i) + "]";
      const YAML::Node r = n[i];
      if (!r.IsMap()) {
        Error(r, f, "expected a mapping with 'field' or 'name', and 'reason'");
        continue;
      }
      CheckKeys(r, f, {"field", "name", "reason"});
      ForbiddenRule rule;
      rule.path = Scalar<std::string>(r["field"], f + ".field", "", "a field path");
      rule.name = Scalar<std::string>(r["name"], f + ".name", "", "a field name");
      rule.reason = Scalar<std::string>(r["reason"], f + ".reason", "", "text");
      if (rule.path.empty() == rule.name.empty()) Error(r, f, "give exactly one of 'field' (a path) or 'name'");
      if (rule.reason.empty()) Error(r, f + ".reason", "missing: say why this must never be collected");
      if (!rule.path.empty() && rule.path.rfind("traits.", 0) != 0 && rule.path.rfind("context.", 0) != 0 &&
          rule.path.rfind("properties.", 0) != 0)
        Error(r["field"], f + ".field", "a path starts with traits., context. or properties.");
      out->push_back(std::move(rule));
    }
  }

  void CheckForbiddenNotDeclared(const Declaration& d) {
    // A field both declared and forbidden is a contradiction the operator must resolve.
    std::function<void(const FieldMap&, const std::string&)> walk = [&](const FieldMap& m, const std::string& prefix) {
      for (const auto& [name, spec] : m) {
        const std::string path = prefix + "." + name;
        for (const auto& rule : d.forbidden) {
          if ((!rule.name.empty() && rule.name == name) || (!rule.path.empty() && rule.path == path))
            errors_.push_back(source_ + ":" + std::to_string(spec.line) + ": " + path +
                              ": declared as kept but also forbidden (" + rule.reason + ")");
        }
        walk(spec.fields, path);
        if (spec.items) walk(spec.items->fields, path);
      }
    };
    walk(d.traits, "traits");
    walk(d.context, "context");
    walk(d.common_properties, "properties");
    for (const auto& [_, ev] : d.events) walk(ev.properties, "properties");
  }

  std::string source_;
  std::vector<std::string> errors_;
  const Declaration* decl_ = nullptr;
};

}  // namespace

namespace {

Result<Config> ParseRoot(const YAML::Node& root, const std::string& source_name) {
  Parser parser(source_name);
  Config cfg;
  try {
    cfg = parser.Parse(root);
  } catch (const YAML::Exception& e) {
    return InvalidArgument(source_name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  if (!parser.errors().empty()) {
    std::string msg = std::to_string(parser.errors().size()) + " mistake(s) in the declaration:";
    for (const auto& e : parser.errors()) msg += "\n  " + e;
    return InvalidArgument(msg);
  }
  return cfg;
}

}  // namespace

Result<Config> ParseConfig(const std::string& yaml_text, const std::string& source_name) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    return InvalidArgument(source_name + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg);
  }
  return ParseRoot(root, source_name);
}

Result<Config> LoadConfig(const std::string& path) {
  std::string source_name;
  ASSIGN_OR_RETURN(YAML::Node root, LoadYamlFile(path, &source_name));
  return ParseRoot(root, source_name);
}

}  // namespace shinrai::schema
