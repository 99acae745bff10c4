#include "app/security_commands.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "app/data_dir.h"
#include "app/services.h"
#include "app/fail.h"
#include "audit/file_audit_log.h"
#include "core/time_format.h"
#include "crypto/key_vault.h"
#include "schema/config.h"
#include "access/api_key_file.h"
#include "transparency/privacy_report.h"
#include "privacy/retention_service.h"
#include "store/postgres/pg_store.h"
#include "store/staged_writer.h"

namespace shinrai::app {

namespace {

// The paths of a data directory; the configuration may move them.
Result<SecurityPaths> PathsFor(const std::string& data_dir, const std::string& config_path) {
  auto config = schema::LoadConfig(config_path);
  if (!config.ok()) return config.status();
  return ResolvePaths(config->security, data_dir);
}


Result<audit::VerifyReport> VerifyShared(const schema::Config& config, const SecurityPaths& paths,
                                         std::optional<crypto::SecretKey> head_key) {
  ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> log, OpenAuditLog(config, paths, std::move(head_key)));
  return log->Verify();
}

// Every entry: of the chain in the shared database, or of the file log as it lies.
Result<std::vector<nlohmann::json>> SharedEntries(const std::string& config_path, const SecurityPaths& paths) {
  ASSIGN_OR_RETURN(schema::Config config, schema::LoadConfig(config_path));
  if (!store::IsPostgresUrl(config.store)) return audit::ReadEntries(paths.audit_dir);
  ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> log, OpenAuditLog(config, paths, std::nullopt));
  return log->Entries();
}

int Subjects(const cli::AuditCommand& cmd, const SecurityPaths& paths) {
  auto since = ParseIso8601Millis(cmd.since);
  if (!since) return Fail(InvalidArgument("--since '" + cmd.since + "': expected ISO 8601, like 2026-11-01T00:00:00Z"));
  auto entries = SharedEntries(cmd.config, paths);
  if (!entries.ok()) return Fail(entries.status());
  struct Seen {
    int64_t reads = 0;
    std::string first, last;
    std::set<std::string> fields, actions;
  };
  std::map<std::string, Seen> by_subject;
  for (const auto& e : *entries) {
    if (!e.is_object() || e.value("key_id", "") != cmd.key_id) continue;
    const std::string action = e.value("action", "");
    const std::string subject = e.value("subject", "");
    if (subject.empty() || !audit::IsPersonalDataRead(action)) continue;
    auto at = ParseIso8601Millis(e.value("at", ""));
    if (!at || *at < *since) continue;
    Seen& s = by_subject[subject];
    ++s.reads;
    if (s.first.empty()) s.first = e["at"];
    s.last = e["at"];
    s.actions.insert(action);
    for (const auto& f : e.value("fields", nlohmann::json::array())) s.fields.insert(f.get<std::string>());
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [subject, s] : by_subject) {
    out.push_back({{"subject", subject}, {"reads", s.reads}, {"first", s.first}, {"last", s.last},
                   {"actions", s.actions}, {"fields", s.fields}});
  }
  std::puts(nlohmann::json{{"key_id", cmd.key_id}, {"since", cmd.since}, {"subjects", out}}.dump(2).c_str());
  return 0;
}

audit::Actor CliActor() { return {"", "shinrai keys (command line)", "cli"}; }

// `master`: the master key in force after the operation (rotate-master signs
// the head with the new one); else the configured one.
Status AuditKeyOperation(const SecurityPaths& paths, const std::string& action, nlohmann::json detail,
                         const std::string& config_path, const crypto::SecretKey* master = nullptr) {
  ASSIGN_OR_RETURN(schema::Config config, schema::LoadConfig(config_path));
  std::optional<crypto::SecretKey> head_key;
  if (master) {
    head_key = audit::HeadKeyFrom(*master);
  } else {
    ASSIGN_OR_RETURN(head_key, AuditHeadKey(config.security, paths));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> log, OpenAuditLog(config, paths, head_key));
  return log->Append({action, CliActor(), "", {}, "", std::move(detail)}, true);
}

int RotateMaster(const cli::KeysCommand& cmd, const SecurityPaths& paths) {
  auto old_master = crypto::LoadMasterKey({paths.master_key_file, false});
  if (!old_master.ok()) return Fail(old_master.status());
  bool created = false;
  auto new_master = crypto::LoadMasterKey({cmd.new_master_key_file, true}, &created);
  if (!new_master.ok()) return Fail(new_master.status());
  store::RocksOptions vopts;
  vopts.path = paths.key_vault;
  vopts.create_if_missing = false;
  auto vault_store = store::OpenRocksStore(vopts);
  if (!vault_store.ok()) return Fail(vault_store.status());
  auto vault = crypto::KeyVault::Open(vault_store->get(), *old_master);
  if (!vault.ok()) return Fail(vault.status());
  auto report = (*vault)->Rotate(*new_master);
  if (!report.ok()) return Fail(report.status());
  // With the default key file, the new key replaces the old one there.
  const bool from_env = std::getenv("SHINRAI_MASTER_KEY") && *std::getenv("SHINRAI_MASTER_KEY");
  if (!from_env) {
    if (Status s = crypto::WriteKeyFile(paths.master_key_file, *new_master); !s.ok()) return Fail(s);
  }
  nlohmann::json out = {{"subject_keys", report->subject_keys}, {"service_keys", report->service_keys},
                        {"seconds", report->seconds}, {"old_master", report->old_fingerprint},
                        {"new_master", report->new_fingerprint},
                        {"master_key_file", from_env ? "set SHINRAI_MASTER_KEY to the new key" : paths.master_key_file}};
  if (Status s = AuditKeyOperation(paths, "key.rotate_master", out, cmd.config, &*new_master); !s.ok()) return Fail(s);
  std::puts(out.dump().c_str());
  return 0;
}

int Report(const cli::AuditCommand& cmd) {
  auto config = schema::LoadConfig(cmd.config);
  if (!config.ok()) return Fail(config.status());
  auto data = OpenData(cmd.data_dir, *config);
  if (!data.ok()) return Fail(data.status());
  auto audit = OpenAuditLog(*config, data->paths, data->audit_head_key);
  if (!audit.ok()) return Fail(audit.status());
  const service::Access access(config->keys);
  // The same object graph as the server's; the report only reads.
  Services services(DepsFor(*data, *config, **audit, access, Env::Default(), cmd.data_dir + "/models"));
  auto report = service::BuildPrivacyReport(services.report);
  if (!report.ok()) return Fail(report.status());
  if (!cmd.html.empty()) {
    std::ofstream out(cmd.html);
    out << service::RenderPrivacyReportHtml(*report);
    if (!out) return Fail(InvalidArgument("cannot write " + cmd.html));
  }
  std::puts(report->dump(2).c_str());
  return 0;
}

}  // namespace

int RunAudit(const cli::AuditCommand& cmd) {
  auto paths = PathsFor(cmd.data_dir, cmd.config);
  if (!paths.ok()) return Fail(paths.status());
  if (cmd.action == "verify") {
    auto config = schema::LoadConfig(cmd.config);
    if (!config.ok()) return Fail(config.status());
    auto head_key = AuditHeadKey(config->security, *paths);
    if (!head_key.ok()) return Fail(head_key.status());
    // The file is verified as it lies, without opening (and so creating) a log.
    auto r = store::IsPostgresUrl(config->store) ? VerifyShared(*config, *paths, *head_key)
                                                 : audit::Verify(paths->audit_dir, *head_key);
    if (!r.ok()) return Fail(r.status());
    if (!r->ok) {
      std::printf("audit chain BROKEN at entry %lld: %s\n", static_cast<long long>(r->bad_line), r->problem.c_str());
      return 1;
    }
    std::printf("audit chain holds: %lld entries; head %s (publish it where the log's writers cannot change it)\n",
                static_cast<long long>(r->entries), r->head_hash.c_str());
    return 0;
  }
  if (cmd.action == "subjects") return Subjects(cmd, *paths);
  if (cmd.action == "report") return Report(cmd);
  return Fail(InvalidArgument("unknown audit action '" + cmd.action + "'"));
}

int RunKeys(const cli::KeysCommand& cmd) {
  auto paths = PathsFor(cmd.data_dir, cmd.config);
  if (!paths.ok()) return Fail(paths.status());
  if (Status s = crypto::InitCrypto(); !s.ok()) return Fail(s);
  if (cmd.action == "create") {
    auto config = schema::LoadConfig(cmd.config);
    if (!config.ok()) return Fail(config.status());
    auto brand = config->declaration.KeyBrand(cmd.brand, cmd.role == "write");
    if (!brand.ok()) return Fail(InvalidArgument("--brand " + cmd.brand + ": " + brand.status().message()));
    auto created = service::CreateKey(paths->api_keys_file, cmd.role, cmd.name, cmd.rate_limit, *brand, Env::Default());
    if (!created.ok()) return Fail(created.status());
    if (Status s = AuditKeyOperation(*paths, "key.create",
                                     {{"key_id", created->stored.id}, {"role", cmd.role}, {"name", cmd.name},
                                      {"brand", *brand}},
                                     cmd.config);
        !s.ok()) {
      return Fail(s);
    }
    std::printf("%s\n", nlohmann::json{{"id", created->stored.id}, {"role", cmd.role}, {"name", cmd.name},
                                       {"brand", *brand == "*" ? "group" : *brand},
                                       {"key", created->secret},
                                       {"note", "the key is shown once; Shinrai keeps only its SHA-256"}}
                            .dump()
                            .c_str());
    return 0;
  }
  if (cmd.action == "revoke") {
    auto revoked = service::RevokeKey(paths->api_keys_file, cmd.id, Env::Default());
    if (!revoked.ok()) return Fail(revoked.status());
    if (Status s = AuditKeyOperation(*paths, "key.revoke", {{"key_id", cmd.id}, {"name", revoked->name}}, cmd.config); !s.ok())
      return Fail(s);
    std::printf("revoked key %s (%s)\n", cmd.id.c_str(), revoked->name.c_str());
    return 0;
  }
  if (cmd.action == "list") {
    auto keys = service::LoadKeyFile(paths->api_keys_file);
    if (!keys.ok()) return Fail(keys.status());
    auto config = schema::LoadConfig(cmd.config);
    nlohmann::json out = nlohmann::json::array();
    if (config.ok()) {
      for (const auto& k : config->keys) {
        const std::string hash = k.key_hash.empty() ? service::HashApiKey(k.key) : k.key_hash;
        out.push_back({{"id", hash.substr(0, 16)}, {"kind", k.kind}, {"role", k.role}, {"name", k.name},
                       {"source", cmd.config}, {"status", "active"}});
      }
    }
    for (const auto& k : *keys) {
      out.push_back({{"id", k.id}, {"kind", k.kind}, {"role", k.role}, {"name", k.name},
                     {"source", paths->api_keys_file}, {"created", FormatIso8601Millis(k.created_ms)},
                     {"status", k.revoked_ms ? "revoked " + FormatIso8601Millis(k.revoked_ms) : "active"}});
    }
    std::puts(out.dump(2).c_str());
    return 0;
  }
  if (cmd.action == "rotate-master") return RotateMaster(cmd, *paths);
  return Fail(InvalidArgument("unknown keys action '" + cmd.action + "'"));
}

}  // namespace shinrai::app
