// The `shinrai` command line: parses argv into one Command. Running it is the
// composition root's job (app/), which alone names concrete backends.
#pragma once

#include <string>
#include <variant>

#include "core/status.h"

namespace shinrai::cli {

struct ServeCommand {
  std::string data_dir = "shinrai-data";  // Default: ./shinrai-data
  std::string store;                      // postgres://...: overrides the config's `store:`
  std::string config;                     // Default: see DefaultConfigPath()
  std::string listen;                     // Default: from the config (127.0.0.1:8088)
  bool demo = false;                      // load the generated demo shop once
};

// Creates or upgrades the PostgreSQL schema (store/postgres/pg_store.h).
struct MigrateCommand {
  std::string store;
};

struct CheckConfigCommand {
  std::string config;
};

// Decodes TC strings: the argument, or one per line of standard input.
struct TcfDecodeCommand {
  std::string tc_string;  // empty: read standard input
};

// Offline evaluation of the recommenders on a dataset file (see recs/evaluation.h).
struct EvalCommand {
  std::string dataset;
  std::string format = "movielens";  // movielens | csv
  std::string split = "random80";    // random80 | leave-last-out
  int k = 10;
  bool json = false;
  std::string user_col = "user", item_col = "item", time_col, weight_col;
  double min_weight = -1e300;  // keep rows whose weight is at least this
  std::string models = "popular,itemknn,als,ease,ease_session,dae,hybrid";
  bool no_tune = false;
  std::string ties = "largest-index";  // largest-index | random: leave-last-out's pick among a moment's items
  std::string repeats = "once";  // once | count: what a pair bought on several dates is worth to the models
  int threads = 0;
};

// Trains the recommendation model from a data directory the server is not using.
struct TrainCommand {
  std::string data_dir = "shinrai-data";
  std::string config;
};

// The audit log: `audit verify` checks the hash chain (exit 1 naming the
// first bad entry); `audit subjects` lists whose data a key read since a time
// (breach notification); `audit report` writes the periodic privacy audit.
struct AuditCommand {
  std::string action;  // verify | subjects | report
  std::string data_dir = "shinrai-data";
  std::string config;
  std::string since;   // subjects: ISO 8601
  std::string key_id;  // subjects: the key's id (as `keys list` shows it)
  std::string html;    // report: also write HTML here
};

// API keys and the master key: create | list | revoke | rotate-master.
struct KeysCommand {
  std::string action;
  std::string data_dir = "shinrai-data";
  std::string config;
  std::string role;
  std::string name;
  double rate_limit = 0;
  std::string brand;  // a declared brand id or "group"; empty: the default for the kind
  std::string id;
  std::string new_master_key_file;
};

struct VersionCommand {};

// The HTTP routes the server answers, a line each: "METHOD /path/{param}".
struct RoutesCommand {};

// Help was printed, or the arguments were wrong: exit with `exit_code`.
struct ExitCommand {
  int exit_code = 0;
};

using Command = std::variant<ServeCommand, MigrateCommand, CheckConfigCommand, TcfDecodeCommand, EvalCommand, TrainCommand,
                             AuditCommand, KeysCommand, VersionCommand, RoutesCommand, ExitCommand>;

Command ParseCommandLine(int argc, char** argv);

// $SHINRAI_CONFIG, else ./shinrai.yaml when it exists, else examples/shinrai.yaml.
std::string DefaultConfigPath();

// "host:port" -> parts; InvalidArgument naming the problem.
Status SplitListen(const std::string& listen, std::string* host, int* port);

}  // namespace shinrai::cli
