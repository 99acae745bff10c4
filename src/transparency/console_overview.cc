#include "transparency/console_overview.h"

#include "consent/ledger.h"
#include "consent/policy.h"
#include "core/time_format.h"
#include "profile/keys.h"
#include "profile/profile.h"
#include "profile/event.h"

namespace shinrai::service {

namespace {

constexpr int64_t kDayMs = 86'400'000;

// The days a series covers, UTC, oldest first: their labels and where each ends.
struct Days {
  std::vector<std::string> labels;
  std::vector<int64_t> ends_ms;  // the last day ends now

  std::vector<int64_t> starts_ms;

  Days(int64_t now, int days) {
    const int64_t today = now - now % kDayMs;
    for (int i = days - 1; i >= 0; --i) {
      const int64_t start = today - i * kDayMs;
      labels.push_back(FormatIso8601Millis(start).substr(0, 10));
      starts_ms.push_back(start);
      ends_ms.push_back(i == 0 ? now : start + kDayMs - 1);
    }
  }
  // The index of the (UTC) day `at_ms` falls on, or -1 outside them.
  int IndexOf(int64_t at_ms) const {
    for (size_t i = 0; i < ends_ms.size(); ++i)
      if (at_ms >= starts_ms[i] && at_ms <= ends_ms[i]) return static_cast<int>(i);
    return -1;
  }
};

// Day by day, how many people there were and how many of them allowed each
// purpose on each channel (for the group as a whole): every person's consent
// records replayed up to the end of each day.
Result<nlohmann::json> ConsentOverTime(const schema::Declaration& d, store::Store& store, const Days& days) {
  struct Person {
    int64_t created_ms;
    std::vector<std::string> sources;
    std::vector<std::string> brands;  // where each brand keeps its choices: whose customer they are
  };
  std::vector<Person> people;
  store::ScanOptions so;
  so.prefix = std::string(profile::ProfileFamily());
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view, std::string_view v) {
    auto p = profile::DecodeProfile(v);
    if (p.ok() && p->merged_into.empty()) people.push_back({p->created_ms, p->SourceIds(), p->brands});
    return true;
  }));
  std::vector<std::pair<std::string, std::string>> uses;  // (purpose, channel), in the order of the answer
  for (const auto& [purpose, _] : d.purposes)
    for (const auto& channel : d.channels) uses.emplace_back(purpose, channel);
  const size_t n_days = days.ends_ms.size();
  std::vector<int64_t> present(n_days, 0);
  std::vector<std::vector<int64_t>> allowed(uses.size(), std::vector<int64_t>(n_days, 0));

  consent::ConsentLedger ledger(&store);
  std::vector<char> decisions(uses.size());
  for (const Person& person : people) {
    ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> records, ledger.History(person.sources));
    // History() answers them oldest first, in the order they were recorded
    // (records of one millisecond included): replayed as the ledger applied them.
    consent::ConsentState state;
    size_t next = 0;
    bool stale = true;  // decisions must be worked out again
    for (size_t day = 0; day < n_days; ++day) {
      for (; next < records.size() && records[next].at_ms <= days.ends_ms[day]; ++next, stale = true)
        state.Apply(records[next]);
      if (person.created_ms > days.ends_ms[day]) continue;
      ++present[day];
      if (stale) {
        // With brands, a use counts where any brand the person is a customer
        // of may make it (choices are stated to one brand, rarely the group).
        for (size_t u = 0; u < uses.size(); ++u) {
          decisions[u] = policy::Decide(d, state, {uses[u].first, uses[u].second, consent::kAllBrands}).allowed;
          for (const auto& brand : person.brands) {
            if (decisions[u] || !d.FindBrand(brand)) continue;
            decisions[u] = policy::Decide(d, state, {uses[u].first, uses[u].second, brand}).allowed;
          }
        }
        stale = false;
      }
      for (size_t u = 0; u < uses.size(); ++u) allowed[u][day] += decisions[u];
    }
  }
  nlohmann::json series = nlohmann::json::object();
  for (size_t u = 0; u < uses.size(); ++u) {
    nlohmann::json share = nlohmann::json::array();
    for (size_t day = 0; day < n_days; ++day)  // null: nobody to count yet
      share.push_back(present[day] ? nlohmann::json(static_cast<double>(allowed[u][day]) / static_cast<double>(present[day]))
                                   : nlohmann::json(nullptr));
    series[uses[u].first][uses[u].second] = std::move(share);
  }
  nlohmann::json purposes = nlohmann::json::array();
  for (const auto& [id, p] : d.purposes) purposes.push_back({{"id", id}, {"legal_basis", schema::LegalBasisName(p.legal_basis)}});
  return nlohmann::json{{"days", days.labels}, {"people", present}, {"share", std::move(series)},
                        {"purposes", std::move(purposes)}, {"channels", d.channels}};
}

// Events per day and channel, by when they happened (those still held:
// retention deletes the rest).
Result<nlohmann::json> CollectionOverTime(store::Store& store, const Days& days) {
  std::map<std::string, std::vector<int64_t>> by_channel;
  store::ScanOptions so;
  so.prefix = std::string(profile::EventFamily());
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view, std::string_view v) {
    auto e = profile::DecodeEvent(v);
    if (!e.ok()) return true;
    const int day = days.IndexOf(e->timestamp_ms);
    if (day < 0) return true;
    auto& counts = by_channel[e->channel.empty() ? "unknown" : e->channel];
    counts.resize(days.ends_ms.size(), 0);
    ++counts[static_cast<size_t>(day)];
    return true;
  }));
  return nlohmann::json{{"days", days.labels}, {"events", by_channel}};
}

// Why a section is not shown to this caller: the refusal the API would give.
std::string HiddenBecause(const Principal& who, Operation op) {
  return std::string(Access::Authorize(who, op).message());
}

}  // namespace

Result<nlohmann::json> ConsoleOverview(const Principal& who, const ConsoleDeps& deps, int days) {
  if (days < 1 || days > 366) return InvalidArgument("days: from 1 to 366");
  const bool stats = Access::Authorize(who, Operation::kReadStats).ok();
  const bool audit = Access::Authorize(who, Operation::kReadAudit).ok();
  const bool recs = Access::Authorize(who, Operation::kReadRecsStats).ok();
  if (!stats && !audit && !recs) return Access::Authorize(who, Operation::kReadStats);
  // Its figures are the whole group's: every brand's people, events and requests.
  if (who.brand != consent::kAllBrands)
    return PermissionDenied("a brand's key may not open the console: its figures reach the data of the group's "
                            "other brands (use a group key)");

  const int64_t now = deps.report.env->NowMillis();
  const Days span(now, days);
  nlohmann::json out = {{"generated_at", FormatIso8601Millis(now)}, {"role", RoleName(who.role)},
                        {"hidden", nlohmann::json::object()}};
  // The privacy report holds both the stats' and the audit's sections: built once, for either.
  nlohmann::json report;
  if (stats || audit) {
    ASSIGN_OR_RETURN(report, BuildPrivacyReport(deps.report));
  }
  if (stats) {
    const schema::Declaration& d = deps.report.config->declaration;
    ASSIGN_OR_RETURN(nlohmann::json consent, ConsentOverTime(d, *deps.report.store, span));
    consent["people_now"] = report["people"];
    out["consent"] = std::move(consent);
    ASSIGN_OR_RETURN(nlohmann::json collection, CollectionOverTime(*deps.report.store, span));
    // The collection counters: what was accepted, and every drop by reason.
    collection["accepted"] = report["minimization"].value("accepted_events", 0);
    collection["dropped"] = report["minimization"];
    collection["dropped"].erase("accepted_events");
    out["collection"] = std::move(collection);
  } else {
    out["hidden"]["consent"] = out["hidden"]["collection"] = HiddenBecause(who, Operation::kReadStats);
  }
  if (audit) {
    out["rights"] = report["rights_requests"];
    out["audit_chain"] = report["audit_chain"];
    out["audit_chain"].erase("actions");
  } else {
    out["hidden"]["rights"] = out["hidden"]["audit_chain"] = HiddenBecause(who, Operation::kReadAudit);
  }
  if (recs) {
    ASSIGN_OR_RETURN(nlohmann::json r, deps.recs->Stats(who));
    if (r["model"].is_object())
      r["model"]["age_seconds"] = (now - r["model"]["version"].get<int64_t>()) / 1000;
    out["recommendations"] = std::move(r);
  } else {
    out["hidden"]["recommendations"] = HiddenBecause(who, Operation::kReadRecsStats);
  }
  return out;
}

}  // namespace shinrai::service
