#include "transparency/privacy_report.h"

#include <map>
#include <set>

#include "audit/audit_log.h"
#include "consent/ledger.h"
#include "consent/policy.h"
#include "core/time_format.h"
#include "profile/event.h"
#include "profile/keys.h"
#include "store/scan_counters.h"
#include "profile/profile.h"
#include "privacy/html_escape.h"
#include "privacy/rights_service.h"

namespace shinrai::service {

namespace {

nlohmann::json Inventory(const schema::Declaration& d, const std::map<std::string, int64_t>& trait_counts,
                         const std::map<std::string, int64_t>& event_counts) {
  nlohmann::json by_category = nlohmann::json::object();
  for (const auto& [id, c] : d.categories) {
    by_category[id] = {{"description", c.description}, {"sensitive", c.sensitive}, {"traits", nlohmann::json::array()},
                       {"events", nlohmann::json::array()}, {"purposes", nlohmann::json::array()}};
  }
  auto add_purposes = [&](const std::string& cat, const std::vector<std::string>& ps) {
    auto& list = by_category[cat]["purposes"];
    for (const auto& p : ps) {
      if (std::find(list.begin(), list.end(), p) == list.end()) list.push_back(p);
    }
  };
  for (const auto& [name, f] : d.traits) {
    by_category[f.category]["traits"].push_back(
        {{"name", name}, {"people", trait_counts.count(name) ? trait_counts.at(name) : 0},
         {"retention_days", f.retention_seconds / 86400}, {"purposes", f.purposes}});
    add_purposes(f.category, f.purposes);
  }
  for (const auto& [name, e] : d.events) {
    by_category[e.category]["events"].push_back(
        {{"name", name}, {"stored", event_counts.count(name) ? event_counts.at(name) : 0},
         {"retention_days", e.retention_seconds / 86400}, {"purposes", e.purposes}});
    add_purposes(e.category, e.purposes);
  }
  nlohmann::json by_purpose = nlohmann::json::object();
  for (const auto& [id, p] : d.purposes) {
    std::vector<std::string> cats;
    for (const auto& [cat, v] : by_category.items()) {
      for (const auto& x : v["purposes"]) {
        if (x == id) cats.push_back(cat);
      }
    }
    by_purpose[id] = {{"legal_basis", schema::LegalBasisName(p.legal_basis)}, {"categories", cats},
                      {"recipients", p.recipients}};
  }
  return {{"by_category", by_category}, {"by_purpose", by_purpose}};
}

struct PeopleAndConsent {
  int64_t people = 0;
  std::map<std::string, int64_t> trait_counts;
  nlohmann::json coverage = nlohmann::json::object();  // purpose -> channel -> how many people allow it
  // brand -> {customers, coverage}: the same among each brand's customers, for that brand's uses
  nlohmann::json by_brand = nlohmann::json::object();
};

using Allowed = std::map<std::pair<std::string, std::string>, int64_t>;

// Counts, for one person, the (purpose, channel) uses the policy allows for `brand`.
void CountAllowed(const schema::Declaration& d, const consent::ConsentState& state, std::string_view brand,
                  Allowed* allowed) {
  for (const auto& [purpose, _] : d.purposes) {
    for (const auto& channel : d.channels) {
      if (policy::Decide(d, state, {purpose, channel, brand}).allowed) ++(*allowed)[{purpose, channel}];
    }
  }
}

nlohmann::json CoverageJson(const schema::Declaration& d, Allowed& allowed, int64_t people) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [purpose, p] : d.purposes) {
    for (const auto& channel : d.channels) {
      const int64_t n = allowed[{purpose, channel}];
      out[purpose][channel] = {{"allowed", n}, {"share", people ? static_cast<double>(n) / people : 0.0}};
    }
  }
  return out;
}

// People, traits held, and consent coverage per purpose and channel.
Result<PeopleAndConsent> CountPeopleAndConsent(const schema::Declaration& d, store::Store& store) {
  PeopleAndConsent out;
  Allowed allowed;
  std::map<std::string, Allowed> allowed_by_brand;
  std::map<std::string, int64_t> customers;
  {
    std::vector<std::pair<std::string, std::vector<std::string>>> ids;  // id, brands
    store::ScanOptions so;
    so.prefix = std::string(profile::ProfileFamily());
    RETURN_IF_ERROR(store.Scan(so, [&](std::string_view, std::string_view v) {
      auto p = profile::DecodeProfile(v);
      if (!p.ok() || !p->merged_into.empty()) return true;
      ++out.people;
      for (const auto& [name, _] : p->traits.items()) ++out.trait_counts[name];
      ids.emplace_back(p->id, p->brands);
      return true;
    }));
    consent::ConsentLedger ledger(&store);
    for (const auto& [id, brands] : ids) {
      ASSIGN_OR_RETURN(consent::ConsentState state, ledger.State(id));
      CountAllowed(d, state, consent::kAllBrands, &allowed);
      for (const auto& brand : brands) {
        if (!d.FindBrand(brand)) continue;
        ++customers[brand];
        CountAllowed(d, state, brand, &allowed_by_brand[brand]);
      }
    }
  }
  out.coverage = CoverageJson(d, allowed, out.people);
  for (const auto& [id, _] : d.brands)
    out.by_brand[id] = {{"customers", customers[id]}, {"coverage", CoverageJson(d, allowed_by_brand[id], customers[id])}};
  return out;
}

using EventCounts = std::map<std::string, int64_t>;

// Stored events by name (tracked events) or call type (the others).
Result<EventCounts> CountEvents(store::Store& store) {
  EventCounts event_counts;
  store::ScanOptions so;
  so.prefix = std::string(profile::EventFamily());
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view, std::string_view v) {
    auto e = profile::DecodeEvent(v);
    if (e.ok()) ++event_counts[e->type == profile::CallType::kTrack ? e->name : std::string(profile::CallTypeName(e->type))];
    return true;
  }));
  return event_counts;
}

// What a retention sweep would delete now; null without a retention service.
Result<nlohmann::json> RetentionViolations(RetentionService* retention_service) {
  nlohmann::json retention;
  if (retention_service) {
    ASSIGN_OR_RETURN(RetentionReport r, retention_service->Sweep(/*dry_run=*/true));
    retention = {{"violations", r.events_overdue + r.traits_overdue},
                 {"events_past_retention", r.events_overdue},
                 {"traits_past_retention", r.traits_overdue},
                 {"events_checked", r.events_checked}};
  }
  return retention;
}

// The counters of fields and calls dropped at collection, by name.
Result<nlohmann::json> MinimizationDrops(store::Store& store) {
  ASSIGN_OR_RETURN(auto counters, store::ScanCounters(store, std::string(profile::kCounterPrefix)));
  nlohmann::json drops = nlohmann::json::object();
  for (const auto& [name, n] : counters) drops[name] = n;
  return drops;
}

// Each rights request with whether it was answered in time, and the totals.
nlohmann::json RightsRequestsSection(const std::vector<nlohmann::json>& requests, int64_t now) {
  nlohmann::json request_rows = nlohmann::json::array();
  int64_t late = 0, open = 0, overdue_open = 0;
  for (const auto& r : requests) {
    auto received = ParseIso8601Millis(r.value("received_at", ""));
    auto due = ParseIso8601Millis(r.value("due", ""));
    auto done = ParseIso8601Millis(r.value("completed_at", ""));
    const bool completed = r.value("status", "") == "completed" || r.value("status", "") == "rejected";
    const bool on_time = completed && done && due && *done <= *due;
    if (completed && !on_time) ++late;
    if (!completed) {
      ++open;
      if (due && *due < now) ++overdue_open;
    }
    request_rows.push_back({{"id", r.value("id", "")}, {"type", r.value("type", "")}, {"status", r.value("status", "")},
                            {"received_at", r.value("received_at", "")}, {"due", r.value("due", "")},
                            {"completed_at", r.value("completed_at", "")}, {"on_time", on_time},
                            {"hours_taken", received && done ? (*done - *received) / 3'600'000.0 : -1.0}});
  }
  return {{"total", requests.size()}, {"open", open}, {"overdue_open", overdue_open},
          {"completed_late", late}, {"requests", request_rows}};
}

struct AuditTrail {
  nlohmann::json reads = nlohmann::json::array();           // personal-data reads by key and action
  nlohmann::json config_changes = nlohmann::json::array();  // starts with a different configuration
  nlohmann::json chain;                                     // whether the hash chain holds
};

AuditTrail ReadAuditTrail(audit::AuditLog& log) {
  AuditTrail out;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, int64_t> by_key;
  std::map<std::string, int64_t> actions;
  std::string last_config;
  auto entries = log.Entries();
  if (entries.ok()) {
    for (const auto& e : *entries) {
      if (!e.is_object()) continue;
      const std::string action = e.value("action", "");
      ++actions[action];
      if (action == "config.load") {
        // A start with a configuration that differs from the one before is a change.
        const std::string sha = e["detail"].value("sha256", "");
        if (!last_config.empty() && sha != last_config)
          out.config_changes.push_back({{"at", e.value("at", "")}, {"file", e["detail"].value("file", "")},
                                        {"from_sha256", last_config}, {"to_sha256", sha}});
        last_config = sha;
      }
      if (audit::IsPersonalDataRead(action))
        ++by_key[{e.value("role", ""), e.value("key_name", ""), e.value("key_id", ""), action}];
    }
  }
  for (const auto& [k, n] : by_key) {
    out.reads.push_back({{"role", std::get<0>(k)}, {"key_name", std::get<1>(k)}, {"key_id", std::get<2>(k)},
                         {"action", std::get<3>(k)}, {"count", n}});
  }
  auto verified = log.Verify();
  if (verified.ok()) {
    out.chain = {{"holds", verified->ok}, {"entries", verified->entries}, {"head", verified->head_hash},
                 {"problem", verified->problem}, {"first_bad_entry", verified->bad_line}, {"actions", actions}};
  } else {
    out.chain = {{"holds", false}, {"problem", verified.status().message()}};
  }
  return out;
}

}  // namespace

Result<nlohmann::json> BuildPrivacyReport(const Principal& who, const PrivacyReportDeps& deps) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadAudit));
  return BuildPrivacyReport(deps);
}

Result<nlohmann::json> BuildPrivacyReport(const PrivacyReportDeps& deps) {
  const schema::Declaration& d = deps.config->declaration;
  store::Store& store = *deps.store;
  ASSIGN_OR_RETURN(PeopleAndConsent people, CountPeopleAndConsent(d, store));
  ASSIGN_OR_RETURN(EventCounts event_counts, CountEvents(store));
  ASSIGN_OR_RETURN(nlohmann::json retention, RetentionViolations(deps.retention));
  ASSIGN_OR_RETURN(nlohmann::json drops, MinimizationDrops(store));
  ASSIGN_OR_RETURN(std::vector<nlohmann::json> requests, ListRightsRequests(store));
  const int64_t now = deps.env->NowMillis();
  nlohmann::json rights_requests = RightsRequestsSection(requests, now);
  AuditTrail audit_trail = ReadAuditTrail(*deps.audit);

  return nlohmann::json{
      {"generated_at", FormatIso8601Millis(now)},
      {"people", people.people},
      {"inventory", Inventory(d, people.trait_counts, event_counts)},
      {"consent_coverage", people.coverage},
      {"consent_coverage_by_brand", people.by_brand},
      {"retention", retention},
      {"minimization", drops},
      {"rights_requests", rights_requests},
      {"personal_data_reads", audit_trail.reads},
      {"configuration_changes", audit_trail.config_changes},
      {"audit_chain", audit_trail.chain}};
}

namespace {

std::string V(const nlohmann::json& j) { return HtmlEscape(j.is_string() ? j.get<std::string>() : j.dump()); }

// purpose -> channel -> {share}: one row per purpose, one column per channel.
std::string CoverageTableHtml(const nlohmann::json& coverage) {
  std::string h = "<table><tr><th>Purpose</th>";
  std::vector<std::string> channels;
  for (const auto& [purpose, by_channel] : coverage.items()) {
    for (const auto& [ch, _] : by_channel.items()) channels.push_back(ch);
    break;
  }
  for (const auto& ch : channels) h += "<th>" + HtmlEscape(ch) + "</th>";
  h += "</tr>\n";
  for (const auto& [purpose, by_channel] : coverage.items()) {
    h += "<tr><td>" + HtmlEscape(purpose) + "</td>";
    for (const auto& ch : channels) {
      char pct[32];
      std::snprintf(pct, sizeof pct, "%.0f%%", 100 * by_channel[ch]["share"].get<double>());
      h += std::string("<td>") + pct + "</td>";
    }
    h += "</tr>\n";
  }
  return h + "</table>";
}

}  // namespace

std::string RenderPrivacyReportHtml(const nlohmann::json& r) {
  std::string h = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Privacy audit</title>"
                  "<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}"
                  "table{border-collapse:collapse;margin-bottom:1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem}"
                  "th{background:#f4f4f4}.bad{color:#a00;font-weight:bold}.ok{color:#060}</style></head><body>\n";
  h += "<h1>Privacy audit</h1><p>Generated " + V(r["generated_at"]) + " for " + V(r["people"]) + " people.</p>\n";
  const auto& chain = r["audit_chain"];
  h += std::string("<h2>Audit chain</h2><p class=\"") + (chain.value("holds", false) ? "ok\">holds" : "bad\">BROKEN") +
       ": " + V(chain.value("entries", nlohmann::json(0))) + " entries; head " + V(chain.value("head", nlohmann::json(""))) +
       (chain.value("problem", std::string()).empty() ? "" : "; " + V(chain["problem"])) + "</p>\n";
  const auto& ret = r["retention"];
  const int64_t violations = ret.is_object() ? ret.value("violations", int64_t{0}) : 0;
  h += std::string("<h2>Retention</h2><p class=\"") + (violations == 0 ? "ok" : "bad") + "\">" +
       std::to_string(violations) + " violations (data past its declared retention)</p>\n";
  h += "<h2>Data inventory</h2><table><tr><th>Category</th><th>Purposes</th><th>Traits (people)</th><th>Events (stored)</th></tr>\n";
  for (const auto& [cat, c] : r["inventory"]["by_category"].items()) {
    std::string traits, events;
    for (const auto& t : c["traits"]) traits += V(t["name"]) + " (" + V(t["people"]) + ") ";
    for (const auto& e : c["events"]) events += V(e["name"]) + " (" + V(e["stored"]) + ") ";
    h += "<tr><td>" + HtmlEscape(cat) + (c["sensitive"].get<bool>() ? " (sensitive)" : "") + "</td><td>" + V(c["purposes"]) +
         "</td><td>" + traits + "</td><td>" + events + "</td></tr>\n";
  }
  h += "</table><h2>Consent coverage (share of people allowed)</h2>" + CoverageTableHtml(r["consent_coverage"]);
  for (const auto& [brand, b] : r["consent_coverage_by_brand"].items()) {
    h += "<h3>Brand " + HtmlEscape(brand) + " (" + V(b["customers"]) + " customers, for its own uses)</h3>" +
         CoverageTableHtml(b["coverage"]);
  }
  h += "<h2>Minimization (what collection did not keep)</h2><table>\n";
  for (const auto& [k, v] : r["minimization"].items()) h += "<tr><td>" + HtmlEscape(k) + "</td><td>" + V(v) + "</td></tr>\n";
  const auto& rr = r["rights_requests"];
  h += "</table><h2>Rights requests</h2><p>" + V(rr["total"]) + " requests, " + V(rr["open"]) + " open (" +
       V(rr["overdue_open"]) + " past their deadline), " + V(rr["completed_late"]) + " answered late.</p><table>"
       "<tr><th>Id</th><th>Type</th><th>Status</th><th>Received</th><th>Due</th><th>Done</th><th>On time</th></tr>\n";
  for (const auto& q : rr["requests"]) {
    h += "<tr><td>" + V(q["id"]) + "</td><td>" + V(q["type"]) + "</td><td>" + V(q["status"]) + "</td><td>" +
         V(q["received_at"]) + "</td><td>" + V(q["due"]) + "</td><td>" + V(q["completed_at"]) + "</td><td>" +
         (q["on_time"].get<bool>() ? "yes" : "<span class=\"bad\">no</span>") + "</td></tr>\n";
  }
  h += "</table><h2>Personal-data reads by role and key</h2><table><tr><th>Role</th><th>Key</th><th>Id</th><th>Action</th><th>Reads</th></tr>\n";
  for (const auto& x : r["personal_data_reads"]) {
    h += "<tr><td>" + V(x["role"]) + "</td><td>" + V(x["key_name"]) + "</td><td>" + V(x["key_id"]) + "</td><td>" +
         V(x["action"]) + "</td><td>" + V(x["count"]) + "</td></tr>\n";
  }
  h += "</table></body></html>\n";
  return h;
}

}  // namespace shinrai::service
