// The composition root: reads the configuration, opens the store backend,
// wires the services and runs the chosen command. The only file that names
// concrete implementations.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <filesystem>
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/data_dir.h"
#include "core/logging.h"
#include "core/progress.h"
#include "app/services.h"
#include "app/fail.h"
#include "app/metrics_gauges.h"
#include "app/security_commands.h"
#include "audit/file_audit_log.h"
#include "cli/command_line.h"
#include "crypto/aead.h"
#include "consent/tcf_string.h"
#include "demo/demo_shop.h"
#include "http/api.h"
#include "http/server.h"
#include "schema/config.h"
#include "recs/eval/dataset_files.h"
#include "recs/eval/evaluation.h"
#include "collect/collect_service.h"
#include "privacy/consent_service.h"
#include "orchestration/profile_service.h"
#include "personalize/recommendation_service.h"
#include "transparency/privacy_report.h"
#include "privacy/retention_service.h"
#include "privacy/rights_service.h"
#include "store/key_families.h"
#include "store/postgres/pg_store.h"
#include "store/staged_writer.h"
#include "store/store.h"

namespace shinrai {
namespace {

using app::Fail;

constexpr const char* kVersion = "0.1.0";
const std::string kDemoMarker = std::string(store::family::kMeta.prefix) + "demo_loaded";

Status MaybeLoadDemo(const cli::ServeCommand& cmd, const schema::Config& config, store::Store& store,
                     service::CollectService& collect, service::RecommendationService& recs) {
  if (!cmd.demo) return Status::Ok();
  ASSIGN_OR_RETURN(std::optional<std::string> marker, store.Get(kDemoMarker));
  if (marker) {
    spdlog::info("demo shop already loaded in this data directory ({})", *marker);
    return Status::Ok();
  }
  // The shop collects with the default brand's write key; with brands, the
  // first write key of another brand collects for the second demo brand.
  const schema::Declaration& d = config.declaration;
  std::string write_key, second_key;
  demo::DemoOptions opts;
  for (const auto& k : config.keys) {
    if (k.kind != "write") continue;
    if (write_key.empty() && (d.brands.empty() || k.brand == d.default_brand)) {
      write_key = k.key;
      opts.first_brand = k.brand;
    } else if (second_key.empty() && !d.brands.empty() && k.brand != d.default_brand) {
      second_key = k.key;
      opts.second_brand = k.brand;
    }
  }
  if (write_key.empty()) return InvalidArgument("--demo needs a write key in the configuration");
  opts.now_ms = Env::Default()->NowMillis();
  ASSIGN_OR_RETURN(demo::DemoSummary summary, demo::LoadDemoShop(collect, write_key, opts, second_key));
  ASSIGN_OR_RETURN(std::vector<service::ItemInfo> items, service::ParseCatalogItems(summary.catalog_json));
  RETURN_IF_ERROR(recs.catalog().Upsert(store, std::move(items)));
  store::WriteBatch wb;
  // The marker is not personal data: no sample person goes into it.
  std::string note = std::to_string(summary.events + summary.second_brand_events) + " events, " +
                     std::to_string(summary.customers) + " customers, " + std::to_string(summary.products) + " products";
  if (!opts.second_brand.empty()) note += ", brands " + opts.first_brand + " and " + opts.second_brand;
  wb.Put(kDemoMarker, note);
  RETURN_IF_ERROR(store.Write(wb, true));
  spdlog::info("demo shop loaded: {}", note);
  // Whom to try is the demo's guidance for the person at the terminal, on
  // standard output: the log never names a person, even a sample one.
  std::printf("Demo shop: try user %s or email:%s (allowed personalization), or %s (declined it)\n",
              summary.sample_user_id.c_str(), summary.sample_email.c_str(), summary.sample_declined_user_id.c_str());
  if (!opts.second_brand.empty()) {
    std::printf("Demo shop: %s shops at both brands (allowed %s to personalize, not %s); %s shops at %s only\n",
                summary.sample_shared_user_id.c_str(), opts.first_brand.c_str(), opts.second_brand.c_str(),
                summary.sample_second_brand_only_user_id.c_str(), opts.second_brand.c_str());
  }
  std::fflush(stdout);
  return Status::Ok();
}

// Connections and storage share the descriptor table: take the whole of
// what the hard limit allows (the connection cap is derived from it).
void RaiseOpenFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= lim.rlim_max) return;
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

http::ServerOptions ServerOptionsFor(const schema::Config& config, const std::string& host, int port) {
  http::ServerOptions sopts;
  sopts.address = host;
  sopts.port = port;
  sopts.threads = config.server.threads;
  sopts.max_body_bytes = config.server.max_body_bytes;
  sopts.max_connections = config.server.max_connections;
  sopts.idle_timeout_seconds = config.server.idle_timeout_seconds;
  sopts.tls_cert_file = config.security.tls_cert_file;
  sopts.tls_key_file = config.security.tls_key_file;
  return sopts;
}

// The marker exists while a server runs; found at start, the last run
// ended without a clean stop, and what a crash can leave unreadable goes.
Status RepairIfTheLastRunCrashed(const std::string& running_marker, app::OpenedData& data) {
  if (!std::filesystem::exists(running_marker)) return Status::Ok();
  ASSIGN_OR_RETURN(crypto::OrphanReport repaired, app::RepairAfterCrash(data));
  logging::Event("crash_repair",
                 {{"why", "the last run did not stop cleanly"},
                  {"records_without_key_removed", repaired.records_without_key},
                  {"dangling_identity_links_removed", repaired.links_to_nobody}},
                 logging::Level::kWarn);
  return Status::Ok();
}

// Which configuration the server ran with, and whether it sealed data at rest,
// is part of the audit trail.
Status AuditConfigLoad(audit::AuditLog& audit, const cli::ServeCommand& cmd, const schema::Config& config,
                       const app::OpenedData& data) {
  std::ifstream in(cmd.config);
  std::stringstream text;
  text << in.rdbuf();
  return audit.Append({"config.load", {"", "shinrai serve", "system"}, "", {}, "",
                       {{"file", cmd.config}, {"sha256", crypto::Sha256Hex(text.str())},
                        {"encrypt_at_rest", config.security.encrypt_at_rest},
                        {"master_key", data.vault ? data.vault->master_fingerprint() : ""}}},
                      true);
}

void PrintListening(const cli::ServeCommand& cmd, const schema::Config& config, const http::ServerOptions& sopts,
                    int port, const store::Store& store, const app::OpenedData& data) {
  const char* scheme = sopts.tls_cert_file.empty() ? "http" : "https";
  // A database URL may hold a password: the shared store is named, not shown.
  const std::string where = store::IsPostgresUrl(config.store) ? "the shared database, keys and logs in " + cmd.data_dir
                                                                : cmd.data_dir;
  std::printf("Shinrai %s listening on %s://%s:%d (store: %s at %s, %s)\n", kVersion, scheme, sopts.address.c_str(),
              port, store.Name().data(), where.c_str(), data.vault ? "encrypted at rest" : "NOT encrypted at rest");
  bool demo_keys = false;
  for (const auto& k : config.keys) {
    if (k.key.rfind("demo-", 0) == 0) {
      if (!demo_keys) std::printf("DEMO-ONLY keys from %s (never use them in production):\n", cmd.config.c_str());
      demo_keys = true;
      std::printf("  %-28s %s\n", k.key.c_str(), k.kind == "write" ? "write key (collection, HTTP Basic user)"
                                                                      : ("api key, role " + k.role).c_str());
    }
  }
  std::printf("Try: curl -s -H 'Authorization: Bearer demo-admin-key' http://%s:%d/v1/profiles/<user id>\n",
              sopts.address.c_str(), port);
  std::fflush(stdout);
}

// What this server runs with, for whoever reads its log: never a key, a
// database URL (it may hold a password) or a master key.
void LogEffectiveConfiguration(const cli::ServeCommand& cmd, const schema::Config& config,
                               const http::ServerOptions& sopts, int port, const store::Store& store,
                               const app::OpenedData& data) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : config.keys) {
    nlohmann::json one = {{"name", k.name}, {"kind", k.kind}};
    if (!k.role.empty()) one["role"] = k.role;
    if (!k.brand.empty()) one["brand"] = k.brand;
    if (k.rate_limit > 0) one["rate_limit"] = k.rate_limit;
    keys.push_back(std::move(one));
  }
  nlohmann::json brands = nlohmann::json::array();
  for (const auto& [id, _] : config.declaration.brands) brands.push_back(id);
  logging::Event("configuration",
                 {{"file", cmd.config}, {"listen", sopts.address + ":" + std::to_string(port)},
                  {"tls", !sopts.tls_cert_file.empty()}, {"store", store.Name()}, {"data", cmd.data_dir},
                  {"cluster", data.cluster != nullptr},
                  {"key_vault", store::IsPostgresUrl(data.paths.key_vault) ? "database" : data.paths.key_vault},
                  {"encrypt_at_rest", data.vault != nullptr}, {"brands", brands},
                  {"purposes", config.declaration.purposes.size()}, {"keys", keys},
                  {"default_rate_limit", config.security.default_rate_limit},
                  {"allowed_origins", config.server.allowed_origins}, {"public_url", config.server.public_url},
                  {"max_connections", sopts.max_connections}, {"threads", sopts.threads},
                  {"access_log", config.server.access_log}, {"log_level", config.server.log_level}});
}

// server.metrics_listen: a listener of its own for a Prometheus on this
// machine, answering GET /metrics without a key (null when not configured).
Result<std::unique_ptr<http::Server>> StartMetricsListener(const schema::Config& config) {
  if (config.server.metrics_listen.empty()) return std::unique_ptr<http::Server>();
  http::ServerOptions opts;
  if (Status st = cli::SplitListen(config.server.metrics_listen, &opts.address, &opts.port); !st.ok())
    return InvalidArgument("server.metrics_listen: " + st.message());
  opts.threads = 1;
  opts.max_connections = 16;  // scrapers, not clients
  opts.max_body_bytes = 1024;
  auto server = std::make_unique<http::Server>(opts, http::Api::HandleMetricsOnly);
  if (Status st = server->Start(); !st.ok()) return Status(st.code(), "server.metrics_listen: " + st.message());
  logging::Event("metrics_listener", {{"listen", opts.address + ":" + std::to_string(server->port())}});
  return server;
}

// Wires the services, serves until asked to stop, and commits the last writes.
int ServeUntilStopped(const cli::ServeCommand& cmd, const schema::Config& config, const app::OpenedData& data,
                      service::Access& access, audit::AuditLog& audit, const http::ServerOptions& sopts,
                      const std::string& running_marker) {
  store::Store* const store = data.store;
  // Declared before the services so that it is destroyed after them: the
  // writer's last replies still find the I/O context alive.
  std::unique_ptr<http::Server> server;
  app::Services s(app::DepsFor(data, config, audit, access, Env::Default(), cmd.data_dir + "/models"));
  if (auto resumed = s.Load(); !resumed.ok()) {
    return Fail(resumed.status());
  } else if (*resumed > 0) {
    spdlog::warn("completed {} erasure(s) that the last run had begun", *resumed);
  }
  Progress::Enable(cmd.demo);  // the demo's load says how far it is; the server's routine work does not
  if (Status st = MaybeLoadDemo(cmd, config, *store, s.collect, s.recs); !st.ok()) return Fail(st);
  Progress::Enable(false);
  // Backpressure for clients' requests, once the server's own loading is done.
  s.serializer.LimitBacklog([&s] { return s.writer.backlog(); }, config.server.max_pending_writes);
  s.recs.StartSchedule();
  s.retention.StartSchedule();
  app::RegisterGauges(s, *store);

  http::Api api({&config, &access, &s.collect, &s.profiles, &s.consent, [&s] { return s.writer.health(); }, &s.recs,
                 &s.rights, &s.report, &s.privacy_center});
  server = std::make_unique<http::Server>(sopts, [&api](http::Request& req, http::Respond respond) {
    api.Handle(req, std::move(respond));
  });
  if (Status s = server->Start(); !s.ok()) return Fail(s);
  auto metrics_server = StartMetricsListener(config);
  if (!metrics_server.ok()) return Fail(metrics_server.status());
  PrintListening(cmd, config, sopts, server->port(), *store, data);
  LogEffectiveConfiguration(cmd, config, sopts, server->port(), *store, data);
  server->Wait();
  spdlog::info("shutting down");
  if (*metrics_server) (*metrics_server)->Stop();
  server->Stop();
  s.recs.StopSchedule();
  s.retention.StopSchedule();
  Status flushed = s.writer.Flush();
  if (!flushed.ok()) {
    spdlog::error("could not commit the last writes: {}", flushed.ToString());
    return 1;
  }
  std::error_code ec;
  std::filesystem::remove(running_marker, ec);
  return 0;
}

int Migrate(const cli::MigrateCommand& cmd) {
  if (!store::IsPostgresUrl(cmd.store)) return Fail(InvalidArgument("--store: expected postgres://USER@HOST:PORT/DB"));
  auto before = store::MigratePostgres({cmd.store});
  if (!before.ok()) return Fail(before.status());
  if (*before == store::kPostgresSchemaVersion) {
    std::printf("the schema is already at version %d\n", *before);
  } else {
    std::printf("schema version %d -> %d\n", *before, store::kPostgresSchemaVersion);
  }
  return 0;
}

int Serve(const cli::ServeCommand& cmd) {
  RaiseOpenFileLimit();
  auto config = schema::LoadConfig(cmd.config);
  if (!config.ok()) return Fail(config.status());
  if (!cmd.store.empty()) {
    if (!store::IsPostgresUrl(cmd.store)) return Fail(InvalidArgument("--store: expected postgres://USER@HOST:PORT/DB"));
    config->store = cmd.store;
  }
  if (Status logs = logging::Configure(config->server.log_format, config->server.log_level); !logs.ok()) return Fail(logs);
  std::string host;
  int port = 0;
  Status st = cli::SplitListen(cmd.listen.empty() ? config->server.listen : cmd.listen, &host, &port);
  if (!st.ok()) return Fail(st);

  auto data = app::OpenData(cmd.data_dir, *config);
  if (!data.ok()) return Fail(data.status());
  if (data->master_key_created) {
    spdlog::warn("generated a master key at {}: keep it away from the data (SHINRAI_MASTER_KEY or "
                 "security.master_key_file) before real data goes in", data->paths.master_key_file);
  }
  const std::string running_marker = cmd.data_dir + "/SERVING";
  if (Status s = RepairIfTheLastRunCrashed(running_marker, *data); !s.ok()) return Fail(s);
  { std::ofstream(running_marker) << "shinrai serve\n"; }
  auto audit_log = app::OpenAuditLog(*config, data->paths, data->audit_head_key);
  if (!audit_log.ok()) return Fail(audit_log.status());
  audit::AuditLog& audit = **audit_log;
  if (Status s = AuditConfigLoad(audit, cmd, *config, *data); !s.ok()) return Fail(s);

  service::Access access(config->keys, data->paths.api_keys_file, config->security.default_rate_limit);
  access.ShareRateLimits(data->cluster.get());  // null on the embedded store: counted here
  return ServeUntilStopped(cmd, *config, *data, access, audit, ServerOptionsFor(*config, host, port), running_marker);
}

int CheckConfig(const cli::CheckConfigCommand& cmd) {
  auto config = schema::LoadConfig(cmd.config);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().message().c_str());
    return 1;
  }
  const auto& d = config->declaration;
  std::printf("%s is valid: %zu purposes, %zu categories, %zu traits, %zu events, %zu forbidden rules, %zu keys\n",
              cmd.config.c_str(), d.purposes.size(), d.categories.size(), d.traits.size(), d.events.size(),
              d.forbidden.size(), config->keys.size());
  return 0;
}

int TcfDecode(const cli::TcfDecodeCommand& cmd) {
  int exit_code = 0;
  auto decode_one = [&](const std::string& text) {
    auto tc = consent::DecodeTcString(text);
    if (tc.ok()) {
      std::puts(consent::TcStringToJson(*tc).dump().c_str());
    } else {
      exit_code = 1;
      nlohmann::json err = {{"error", {{"code", CodeName(tc.status().code())}, {"message", tc.status().message()}}}};
      std::puts(err.dump().c_str());
    }
  };
  if (!cmd.tc_string.empty()) {
    decode_one(cmd.tc_string);
  } else {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (!line.empty()) decode_one(line);
    }
  }
  return exit_code;
}

int Train(const cli::TrainCommand& cmd) {
  Progress::Enable();
  auto config = schema::LoadConfig(cmd.config);
  if (!config.ok()) return Fail(config.status());
  if (!config->recommendations.enabled) return Fail(InvalidArgument(cmd.config + " has no recommendations section"));
  auto data = app::OpenData(cmd.data_dir, *config);
  if (!data.ok()) return Fail(data.status());
  auto audit = app::OpenAuditLog(*config, data->paths, data->audit_head_key);
  if (!audit.ok()) return Fail(audit.status());
  service::Access access(config->keys);
  app::Services services(app::DepsFor(*data, *config, **audit, access, Env::Default(), cmd.data_dir + "/models"));
  auto report = services.recs.Train();
  if (!report.ok()) return Fail(report.status());
  std::printf("%s\n", nlohmann::json{{"version", report->version},
                                      {"subjects", report->subjects},
                                      {"items", report->items},
                                      {"interactions", report->interactions},
                                      {"not_allowed", report->excluded_events},
                                      {"seconds", report->seconds},
                                      {"model_file", cmd.data_dir + "/models/model.bin"}}
                           .dump()
                           .c_str());
  return 0;
}

int Eval(const cli::EvalCommand& cmd) {
  Progress::Enable();
  recs::ReadOptions ropts;
  if (cmd.min_weight > -1e300) ropts.min_weight = cmd.min_weight;
  // Leave-last-out's validation replays earlier moments; counted repeats read them too.
  ropts.keep_earlier_times = cmd.split != "random80" || cmd.repeats == "count";
  Result<recs::Dataset> data = Status();
  {
    Progress reading("eval: reading " + cmd.dataset);
    if (cmd.format == "movielens") {
      data = recs::ReadMovieLens(cmd.dataset, ropts);
    } else {
      data = recs::ReadCsv(cmd.dataset, {cmd.user_col, cmd.item_col, cmd.time_col, cmd.weight_col}, ropts);
    }
  }
  if (!data.ok()) return Fail(data.status());
  recs::EvalOptions eopts;
  eopts.split = cmd.split == "lastout" ? "leave-last-out" : cmd.split;
  eopts.k = cmd.k;
  eopts.tune = !cmd.no_tune;
  eopts.count_repeats = cmd.repeats == "count";
  eopts.ties = cmd.ties == "random" ? recs::Ties::kRandom : recs::Ties::kLargestIndex;
  eopts.threads = cmd.threads;
  eopts.models.clear();
  for (size_t start = 0; start <= cmd.models.size();) {
    size_t comma = cmd.models.find(',', start);
    if (comma == std::string::npos) comma = cmd.models.size();
    if (comma > start) eopts.models.push_back(cmd.models.substr(start, comma - start));
    start = comma + 1;
  }
  auto report = recs::Evaluate(*data, eopts);
  if (!report.ok()) return Fail(report.status());
  nlohmann::json out = recs::EvalReportToJson(*report, *data, eopts);
  if (!cmd.json) {
    std::printf("%-8s %8s %8s %8s %8s %8s %8s  settings\n", "model", "P@k", "R@k", "NDCG@k", "MAP@k", "cover", "train s");
    for (const auto& m : out["models"]) {
      std::printf("%-8s %8.4f %8.4f %8.4f %8.4f %8.4f %8.3f  %s\n", m["model"].get<std::string>().c_str(),
                  m["precision_at_k"].get<double>(), m["recall_at_k"].get<double>(), m["ndcg_at_k"].get<double>(),
                  m["map_at_k"].get<double>(), m["coverage"].get<double>(), m["train_seconds"].get<double>(),
                  m["settings"].dump().c_str());
    }
  }
  std::puts(out.dump().c_str());
  return 0;
}

}  // namespace
}  // namespace shinrai

int main(int argc, char** argv) {
  using namespace shinrai;
  // Logs go to standard error: standard output carries each command's result
  // alone, so `shinrai train | jq` reads JSON.
  spdlog::set_default_logger(spdlog::stderr_color_mt("shinrai"));
  cli::Command cmd = cli::ParseCommandLine(argc, argv);
  if (auto* e = std::get_if<cli::ExitCommand>(&cmd)) return e->exit_code;
  if (auto* s = std::get_if<cli::ServeCommand>(&cmd)) return Serve(*s);
  if (auto* m = std::get_if<cli::MigrateCommand>(&cmd)) return Migrate(*m);
  if (auto* c = std::get_if<cli::CheckConfigCommand>(&cmd)) return CheckConfig(*c);
  if (auto* t = std::get_if<cli::TcfDecodeCommand>(&cmd)) return TcfDecode(*t);
  if (auto* e = std::get_if<cli::EvalCommand>(&cmd)) return Eval(*e);
  if (auto* t = std::get_if<cli::TrainCommand>(&cmd)) return Train(*t);
  if (auto* a = std::get_if<cli::AuditCommand>(&cmd)) return app::RunAudit(*a);
  if (auto* k = std::get_if<cli::KeysCommand>(&cmd)) return app::RunKeys(*k);
  if (std::holds_alternative<cli::RoutesCommand>(cmd)) {
    for (const auto& r : http::Api::RouteTable()) std::printf("%s %s\n", r.method.c_str(), r.pattern.c_str());
    return 0;
  }
  std::printf("shinrai %s\n", kVersion);
  return 0;
}
