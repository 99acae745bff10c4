#include "cli/command_line.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <utility>
#include <vector>

namespace shinrai::cli {

std::string DefaultConfigPath() {
  if (const char* env = std::getenv("SHINRAI_CONFIG"); env && *env) return env;
  if (std::filesystem::exists("shinrai.yaml")) return "shinrai.yaml";
  return "examples/shinrai.yaml";
}

Status SplitListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return InvalidArgument("--listen '" + listen + "': expected HOST:PORT");
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  try {
    size_t used = 0;
    *port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || *port < 0 || *port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return InvalidArgument("--listen '" + listen + "': the port must be a number from 0 to 65535");
  }
  return Status::Ok();
}

namespace {

// Each Add* function binds options to the fields of a command that the caller
// owns, so the command must outlive the parse.

CLI::App* AddEvalCommand(CLI::App& app, EvalCommand& eval) {
  auto* e = app.add_subcommand("eval", "Evaluate the recommenders offline on a dataset (peer-baseline splits and metrics)");
  e->add_option("--dataset", eval.dataset, "MovieLens directory/u.data/ratings.csv/zip, or a CSV file (.gz too)")->required();
  e->add_option("--format", eval.format, "movielens | csv")->check(CLI::IsMember({"movielens", "csv"}))->capture_default_str();
  e->add_option("--split", eval.split, "random80 | leave-last-out")
      ->check(CLI::IsMember({"random80", "leave-last-out", "lastout"}))
      ->capture_default_str();
  e->add_option("--k", eval.k, "Cut-off of the ranking metrics")->check(CLI::Range(1, 1000))->capture_default_str();
  e->add_flag("--json", eval.json, "Print one JSON object (the default prints a table and the JSON)");
  e->add_option("--user-col", eval.user_col, "CSV: user column")->capture_default_str();
  e->add_option("--item-col", eval.item_col, "CSV: item column")->capture_default_str();
  e->add_option("--time-col", eval.time_col, "CSV: time column (unix seconds, dd-mm-yyyy or yyyy-mm-dd)");
  e->add_option("--weight-col", eval.weight_col, "CSV: weight column (filtered by --min-weight)");
  e->add_option("--min-weight", eval.min_weight, "Keep rows whose weight/rating is at least this");
  e->add_option("--models", eval.models, "Comma-separated families: popular,itemknn,als,ease,ease_session (EASE over sittings; needs times),dae (denoising autoencoder),hybrid (a blend tuned on validation)")->capture_default_str();
  e->add_flag("--no-tune", eval.no_tune, "Use each family's default setting instead of the validation search");
  e->add_option("--ties", eval.ties,
                "leave-last-out among a person's items at their latest time: largest-index (the peer's rule) or random "
                "(a fixed pseudo-random order; the peer's rule on dated baskets holds out their alphabetically last item)")
      ->check(CLI::IsMember({"largest-index", "random"}))
      ->capture_default_str();
  e->add_option("--repeats", eval.repeats,
                "once: a pair is worth 1, the peer's binary matrix; count: also try each setting with a pair recorded at "
                "several times worth that many, validation choosing (the splits and metrics are unchanged)")
      ->check(CLI::IsMember({"count", "once"}))
      ->capture_default_str();
  e->add_option("--threads", eval.threads, "Worker threads (0: all cores)")->capture_default_str();
  return e;
}

// The subcommands of `audit`, each paired with the action name it selects.
std::vector<std::pair<CLI::App*, const char*>> AddAuditCommand(CLI::App& app, AuditCommand& audit) {
  auto* au = app.add_subcommand("audit", "The tamper-evident audit log and the privacy audit");
  au->require_subcommand(1);
  auto* av = au->add_subcommand("verify", "Check the hash chain: exit 0 when it holds, 1 naming the first bad entry");
  auto* as = au->add_subcommand("subjects", "List whose data a key read (breach notification)");
  auto* ar = au->add_subcommand("report", "The periodic privacy audit as JSON (and HTML with --html)");
  for (auto* sub : {av, as, ar}) {
    sub->add_option("--data", audit.data_dir, "Data directory")->capture_default_str();
    sub->add_option("--config", audit.config, "Declaration and configuration (YAML)")->capture_default_str();
  }
  as->add_option("--since", audit.since, "Only reads at or after this time (ISO 8601)")->required();
  as->add_option("--key", audit.key_id, "The key id (from `shinrai keys list` or the audit log)")->required();
  ar->add_option("--html", audit.html, "Also write the report as an HTML page to this file");
  return {{av, "verify"}, {as, "subjects"}, {ar, "report"}};
}

// The subcommands of `keys`, each paired with the action name it selects.
std::vector<std::pair<CLI::App*, const char*>> AddKeysCommand(CLI::App& app, KeysCommand& keys) {
  auto* ks = app.add_subcommand("keys", "API keys (stored hashed) and the master key");
  ks->require_subcommand(1);
  auto* kc = ks->add_subcommand("create", "Make a key; its secret is printed once and never stored");
  auto* kl = ks->add_subcommand("list", "List keys (ids, roles, names; never secrets)");
  auto* kr = ks->add_subcommand("revoke", "Revoke a key by id (a running server stops accepting it within a second)");
  auto* km = ks->add_subcommand("rotate-master", "Re-wrap every data key with a new master key (server stopped)");
  for (auto* sub : {kc, kl, kr, km}) {
    sub->add_option("--data", keys.data_dir, "Data directory")->capture_default_str();
    sub->add_option("--config", keys.config, "Declaration and configuration (YAML)")->capture_default_str();
  }
  kc->add_option("--role", keys.role, "write | admin | privacy_officer | agent | analyst | service")->required();
  kc->add_option("--name", keys.name, "Who holds it (shown in the audit log)")->required();
  kc->add_option("--rate-limit", keys.rate_limit, "Requests per second (0: the configured default)");
  kc->add_option("--brand", keys.brand, "The key's brand, or 'group' (default: write keys the default brand, API keys the group)");
  kr->add_option("--id", keys.id, "The key id")->required();
  km->add_option("--new-key-file", keys.new_master_key_file,
                 "File with the new master key (64 hex digits); created with a random key when missing")->required();
  return {{kc, "create"}, {kl, "list"}, {kr, "revoke"}, {km, "rotate-master"}};
}

}  // namespace

Command ParseCommandLine(int argc, char** argv) {
  CLI::App app{"Shinrai: privacy-first personalization engine"};
  app.require_subcommand(1);
  ServeCommand serve;
  serve.config = DefaultConfigPath();
  auto* s = app.add_subcommand("serve", "Run the HTTP server");
  s->add_option("--data", serve.data_dir, "Data directory (embedded RocksDB store)")->capture_default_str();
  s->add_option("--config", serve.config, "Declaration and configuration (YAML)")->capture_default_str();
  s->add_option("--listen", serve.listen, "HOST:PORT to listen on (default: from the config, 127.0.0.1:8088)");
  s->add_flag("--demo", serve.demo, "Load the generated demo shop into an empty data directory");
  s->add_option("--store", serve.store,
                "postgres://USER@HOST:PORT/DB: people's records in PostgreSQL, shared by several nodes "
                "(default: the config's store:, else the --data directory)");

  MigrateCommand migrate;
  auto* m = app.add_subcommand("migrate", "Create or upgrade Shinrai's tables in PostgreSQL");
  m->add_option("--store", migrate.store, "postgres://USER@HOST:PORT/DB")->required();

  CheckConfigCommand check;
  check.config = DefaultConfigPath();
  auto* cfg = app.add_subcommand("config", "Work with the declaration file");
  auto* c = cfg->add_subcommand("check", "Validate the declaration and name every mistake");
  c->add_option("--config", check.config, "Declaration and configuration (YAML)")->capture_default_str();
  cfg->require_subcommand(1);

  TcfDecodeCommand tcf;
  auto* t = app.add_subcommand("tcf", "IAB TCF v2.2/v2.3 consent strings");
  auto* td = t->add_subcommand("decode", "Decode TC strings to JSON (one object per line; exit 1 if any is invalid)");
  td->add_option("string", tcf.tc_string, "A TC string; without one, one string per line of standard input");
  t->require_subcommand(1);

  EvalCommand eval;
  auto* e = AddEvalCommand(app, eval);

  TrainCommand train;
  train.config = DefaultConfigPath();
  auto* tr = app.add_subcommand("train", "Train the recommendation model into DATA/models/model.bin (server stopped; "
                                         "a running server retrains on its schedule or on POST /v1/models/train)");
  tr->add_option("--data", train.data_dir, "Data directory")->capture_default_str();
  tr->add_option("--config", train.config, "Declaration and configuration (YAML)")->capture_default_str();

  AuditCommand audit;
  audit.config = DefaultConfigPath();
  const auto audit_actions = AddAuditCommand(app, audit);

  KeysCommand keys;
  keys.config = DefaultConfigPath();
  const auto keys_actions = AddKeysCommand(app, keys);

  app.add_subcommand("version", "Print the version");
  auto* routes = app.add_subcommand("routes", "List the HTTP routes the server answers (docs/openapi.yaml describes each)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return ExitCommand{app.exit(e)};
  }
  if (s->parsed()) return serve;
  if (m->parsed()) return migrate;
  if (c->parsed()) return check;
  if (td->parsed()) return tcf;
  if (e->parsed()) return eval;
  if (tr->parsed()) return train;
  if (routes->parsed()) return RoutesCommand{};
  for (auto [sub, name] : audit_actions) {
    if (sub->parsed()) {
      audit.action = name;
      return audit;
    }
  }
  for (auto [sub, name] : keys_actions) {
    if (sub->parsed()) {
      keys.action = name;
      return keys;
    }
  }
  return VersionCommand{};
}

}  // namespace shinrai::cli
