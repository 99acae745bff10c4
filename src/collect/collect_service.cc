#include "collect/collect_service.h"

#include "consent/ledger.h"
#include "consent/policy.h"
#include "core/metrics.h"
#include "profile/identity_space.h"
#include "profile/keys.h"
#include "store/scan_counters.h"

namespace shinrai::service {

namespace {

// What collection kept and dropped, by reason, once it is durable (/metrics).
void CountCollected(const CollectReport& report) {
  auto& m = metrics::Default();
  static auto& accepted = m.counter("shinrai_collect_events_total", "Events stored, once durable");
  accepted.Inc(report.accepted);
  const std::string dropped = "shinrai_collect_dropped_total";
  const std::string help = "Fields, events and messages not kept at collection, by reason";
  for (const auto& d : report.dropped) m.counter(dropped, help, {{"reason", std::string(schema::DropReasonName(d.reason))}}).Inc();
  if (report.duplicates) m.counter(dropped, help, {{"reason", "duplicate_message"}}).Inc(report.duplicates);
  for (const auto& r : report.refused) m.counter(dropped, help, {{"reason", "refused_" + r.reason}}).Inc();
}


using profile::CallType;

simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

Status JsonError(simdjson::error_code code) {
  if (code == simdjson::UTF8_ERROR) return InvalidArgument("the body is not valid UTF-8");
  if (code == simdjson::CAPACITY) return Status(Code::kPayloadTooLarge, "the body is too large to parse");
  return InvalidArgument(std::string("the body is not valid JSON: ") + simdjson::error_message(code));
}

std::string StrictModeProblem(const std::vector<schema::Drop>& drops) {
  const auto& d = drops.front();
  std::string msg = "strict mode: " + d.path + " is not allowed by the declaration (" +
                    std::string(schema::DropReasonName(d.reason)) + (d.detail.empty() ? "" : ": " + d.detail) + ")";
  if (drops.size() > 1) msg += ", and " + std::to_string(drops.size() - 1) + " more";
  return msg;
}

// A batch none of whose messages could be taken: 400 (422 when strict mode
// refused them all), naming the first problems.
Status EveryMessageRefused(const CollectReport& report) {
  std::string msg = "batch: every message was refused: ";
  for (size_t i = 0; i < report.refused.size() && i < 3; ++i) msg += (i ? "; " : "") + report.refused[i].detail;
  if (report.refused.size() > 3) msg += "; and " + std::to_string(report.refused.size() - 3) + " more";
  const bool strict = std::all_of(report.refused.begin(), report.refused.end(),
                                  [](const auto& r) { return r.reason == "strict_mode"; });
  return strict ? Unprocessable(msg) : InvalidArgument(msg);
}

}  // namespace

nlohmann::json CollectReportToJson(const CollectReport& r) {
  nlohmann::json j = {{"success", true}, {"accepted", r.accepted}, {"duplicates", r.duplicates}};
  if (r.dropped_events) j["dropped_events"] = r.dropped_events;
  if (r.consent_records) j["consent_records"] = r.consent_records;
  if (!r.refused.empty()) {
    nlohmann::json refused = nlohmann::json::array();
    for (const auto& x : r.refused)
      refused.push_back({{"index", x.index}, {"messageId", x.message_id}, {"reason", x.reason}, {"detail", x.detail}});
    j["refused"] = std::move(refused);
  }
  if (!r.dropped.empty()) {
    nlohmann::json d = nlohmann::json::array();
    nlohmann::json counts = nlohmann::json::object();
    // A batch can drop thousands of fields; the first 100 say enough.
    for (size_t i = 0; i < r.dropped.size(); ++i) {
      const auto& drop = r.dropped[i];
      const std::string reason(schema::DropReasonName(drop.reason));
      counts[reason] = counts.value(reason, 0) + 1;
      if (i < 100) {
        nlohmann::json one = {{"field", drop.path}, {"reason", reason}};
        if (!drop.detail.empty()) one["detail"] = drop.detail;
        d.push_back(std::move(one));
      }
    }
    j["dropped"] = std::move(d);
    j["dropped_counts"] = std::move(counts);
  }
  return j;
}

CollectService::CollectService(const UseCaseDeps& deps, const Access& access, SuppressionList& suppression)
    : d_(deps),
      access_(&access),
      suppression_(&suppression),
      parser_(deps.config.declaration),
      graph_(deps.config.declaration.identity, &deps.env),
      dedup_(deps.config.server.dedup_window_seconds * 1000, deps.config.server.dedup_max_ids) {}

Status CollectService::Load() {
  ASSIGN_OR_RETURN(auto lock, d_.serializer.Lock());
  return Reload();
}

Status CollectService::Reload() {
  // Also after a failed commit: ids and counts staged by writes that never
  // reached the store are forgotten, so a retry of those messages is stored.
  dedup_ = MessageDedup(d_.config.server.dedup_window_seconds * 1000, d_.config.server.dedup_max_ids);
  RETURN_IF_ERROR(dedup_.Load(d_.store, d_.env.NowMillis()));
  ASSIGN_OR_RETURN(counters_, store::ScanCounters(d_.store, std::string(profile::kCounterPrefix)));
  return Status::Ok();
}

Result<std::map<std::string, int64_t>> CollectService::Counters() {
  // From the store, not counters_: other processes on a shared database
  // count too, and what is acknowledged is committed.
  return store::ScanCounters(d_.store, std::string(profile::kCounterPrefix));
}

Result<std::map<std::string, int64_t>> CollectService::Counters(const Principal& who) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadStats));
  return Counters();
}

void CollectService::Count(store::Transaction& txn, const std::string& name, int64_t n) {
  if (n == 0) return;
  int64_t& c = counters_[name];
  c += n;
  txn.Put(profile::CounterKey(name), std::to_string(c));
}

void CollectService::CollectCall(Credentials credentials, std::optional<CallType> endpoint, std::string_view body,
                                 bool gpc, bool pixel, Done done) {
  const bool header_credentials = !credentials.basic_user.empty() || !credentials.bearer_token.empty();
  if (header_credentials) {
    // Refuse bad keys before spending time on the body.
    auto who = access_->Authenticate(credentials);
    if (!who.ok()) return done(who.status());
  }
  const int64_t now = d_.env.NowMillis();

  // Parse and minimise outside the lock: this is most of the CPU work.
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (auto err = ThreadParser().parse(padded).get(root)) return done(JsonError(err));
  if (!root.is_object()) return done(InvalidArgument("the body must be a JSON object"));
  if (!header_credentials) {
    std::string_view wk;
    if (!root["writeKey"].get_string().get(wk)) credentials.body_write_key = std::string(wk);
  }
  auto authenticated = access_->Authenticate(credentials);
  if (!authenticated.ok()) return done(authenticated.status());
  const Principal who = *authenticated;
  Status allowed = Access::Authorize(who, Operation::kCollect);
  if (!allowed.ok()) return done(allowed);

  std::vector<ParsedMessage> messages;
  CollectReport report;
  if (Status parsed = ParseMessages(root, endpoint, now, gpc, &messages, &report); !parsed.ok()) return done(parsed);
  if (pixel && !messages.empty() && !messages.front().signals.empty())
    return done(InvalidArgument("a pixel may not state consent: anyone who opens or scans the e-mail fires it"));
  // Nothing to store: a bad request, which changes nothing (not even counters).
  if (messages.empty() && !report.refused.empty()) return done(EveryMessageRefused(report));
  for (auto& m : messages) {
    for (auto& d : m.drops) report.dropped.push_back(d);
  }

  // Encoding, like parsing, needs no shared state: keep it out of the lock.
  std::vector<std::string> encoded;
  encoded.reserve(messages.size());
  const std::string space = profile::IdentitySpace(d_.config.declaration, who.brand);
  for (auto& m : messages) {
    if (m.event.message_id.empty()) m.event.message_id = "srv-" + d_.env.NewId();
    m.event.source = who.key_name;
    m.event.brand = who.brand;
    m.ids.space = space;
    encoded.push_back(m.undeclared_event ? std::string() : profile::EncodeEvent(m.event));
  }

  auto lock = d_.serializer.LockForRequest();
  if (!lock.ok()) return done(lock.status());
  store::Transaction txn = d_.writer.Begin();
  for (size_t i = 0; i < messages.size(); ++i) {
    Status st = Apply(txn, messages[i], std::move(encoded[i]), &report);
    if (!st.ok()) {
      lock->unlock();
      return done(st);
    }
  }
  std::map<std::string, int64_t> reasons;
  for (const auto& d : report.dropped) ++reasons[std::string(schema::DropReasonName(d.reason))];
  for (const auto& [reason, n] : reasons) Count(txn, reason, n);
  Count(txn, "duplicate_message", report.duplicates);
  Count(txn, "accepted_events", report.accepted);
  std::map<std::string, int64_t> refusals;
  for (const auto& r : report.refused) ++refusals["refused_" + r.reason];
  for (const auto& [reason, n] : refusals) Count(txn, reason, n);
  dedup_.Persist(txn, now, d_.env.Random64());
  d_.writer.Submit(std::move(txn), [report = std::move(report), done = std::move(done)](const Status& st) mutable {
    if (!st.ok()) return done(st);
    CountCollected(report);
    done(std::move(report));
  });
}

Status CollectService::ParseMessages(simdjson::dom::element root, std::optional<CallType> endpoint, int64_t now,
                                     bool gpc, std::vector<ParsedMessage>* messages, CollectReport* report) {
  const bool strict = d_.config.server.strict;
  if (endpoint) {
    ASSIGN_OR_RETURN(ParsedMessage m, parser_.Parse(root, endpoint, "body", now, gpc));
    if (strict && !m.drops.empty()) return Unprocessable(StrictModeProblem(m.drops));
    messages->push_back(std::move(m));
    return Status::Ok();
  }
  simdjson::dom::array batch;
  if (root["batch"].get_array().get(batch))
    return InvalidArgument("batch: missing or not a list (expected {\"batch\": [ ... ]})");
  if (batch.size() == 0) return InvalidArgument("batch: empty (nothing to collect)");
  if (batch.size() > d_.config.server.max_batch_events)
    return Status(Code::kPayloadTooLarge, "batch: " + std::to_string(batch.size()) +
                                              " events, more than the limit of " +
                                              std::to_string(d_.config.server.max_batch_events));
  size_t i = 0;
  for (auto item : batch) {
    const size_t index = i++;
    std::string_view id;
    const std::string message_id = item.is_object() && !item["messageId"].get_string().get(id) ? std::string(id) : "";
    auto m = parser_.Parse(item, std::nullopt, "batch[" + std::to_string(index) + "]", now, gpc);
    if (!m.ok()) {
      report->refused.push_back({index, message_id, "invalid_message", m.status().message()});
    } else if (strict && !m->drops.empty()) {
      report->refused.push_back({index, message_id, "strict_mode", StrictModeProblem(m->drops)});
    } else {
      messages->push_back(std::move(*m));
    }
  }
  return Status::Ok();
}

Status CollectService::Apply(store::Transaction& txn, ParsedMessage& m, std::string encoded_event,
                             CollectReport* report) {
  profile::Event& e = m.event;
  if (dedup_.Seen(e.message_id, e.received_ms)) {
    ++report->duplicates;
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(bool suppressed, Suppressed(txn, m));
  if (suppressed) {
    dedup_.Add(e.message_id, e.received_ms);
    ++report->dropped_events;
    Count(txn, "suppressed_erased_subject", 1);
    return Status::Ok();
  }
  if (m.undeclared_event) {
    ++report->dropped_events;
    // Its data is not kept, but consent stated with it is: the person said it.
    if (m.signals.empty()) return Status::Ok();
    ASSIGN_OR_RETURN(profile::Resolution r, graph_.Resolve(txn, m.ids, e.message_id, e.received_ms));
    ASSIGN_OR_RETURN(bool ignored, ApplyConsent(txn, m, r, report));
    (void)ignored;
    r.profile.AddBrand(e.brand);
    profile::IdentityGraph::Save(txn, r.profile);
    dedup_.Add(e.message_id, e.received_ms);
    return Status::Ok();
  }
  ASSIGN_OR_RETURN(profile::Resolution r, graph_.Resolve(txn, m.ids, e.message_id, e.received_ms));
  for (auto& rec : r.merges) {
    if (!rec.from.empty() && rec.refused.empty()) {
      RETURN_IF_ERROR(d_.audit.Append({"profile.merge", {"", e.source, "write_key"}, rec.into, {}, "", 
                                      {{"from", rec.from}, {"trigger", rec.trigger}}}));
    }
    report->merges.push_back(rec);
  }
  const size_t drops_before = report->dropped.size();
  ASSIGN_OR_RETURN(bool keep_event, ApplyConsent(txn, m, r, report));
  profile::Profile& p = r.profile;
  p.AddBrand(e.brand);
  if (!keep_event) {
    // The person exists (and their consent is recorded) even when the event may not be kept.
    profile::IdentityGraph::Save(txn, p);
    dedup_.Add(e.message_id, e.received_ms);
    ++report->dropped_events;
    return Status::Ok();
  }
  if (report->dropped.size() != drops_before) encoded_event = profile::EncodeEvent(e);
  if (e.type == CallType::kIdentify) {
    for (const auto& [k, v] : e.traits.items()) p.traits[k] = v;
  }
  if (e.type == CallType::kGroup && std::find(p.groups.begin(), p.groups.end(), e.group_id) == p.groups.end())
    p.groups.push_back(e.group_id);
  p.Touch(e.channel, e.timestamp_ms);
  p.updated_ms = e.received_ms;
  profile::IdentityGraph::Save(txn, p);
  txn.Put(profile::EventKey(p.id, e.timestamp_ms, e.message_id), std::move(encoded_event));
  dedup_.Add(e.message_id, e.received_ms);
  ++report->accepted;
  return Status::Ok();
}

Result<bool> CollectService::Suppressed(store::Transaction& txn, const ParsedMessage& m) {
  std::vector<std::string> hits = suppression_->Matches(m.ids, m.event.brand);
  if (hits.empty()) return false;
  bool grants = false;
  if (!m.signals.empty()) {
    ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> records,
                     consent::RecordsFromSignals(d_.config.declaration.consent, m.signals, "", m.event.channel,
                                                 m.event.received_ms));
    for (const auto& r : records) grants = grants || r.status == consent::ConsentStatus::kGranted;
  }
  if (!grants) return true;
  suppression_->Lift(txn, hits);
  return false;
}

Result<bool> CollectService::ApplyConsent(store::Transaction& txn, ParsedMessage& m, const profile::Resolution& r,
                                          CollectReport* report) {
  const schema::Declaration& decl = d_.config.declaration;
  profile::Event& e = m.event;
  const std::string& subject = r.profile.id;
  ASSIGN_OR_RETURN(consent::ConsentState state, consent::ConsentLedger::CurrentState(txn, subject));
  // A merged person keeps every consent statement either profile had; the
  // later statement wins per purpose and channel.
  bool merged = false;
  for (const auto& rec : r.merges) {
    if (!rec.refused.empty() || rec.from.empty()) continue;
    ASSIGN_OR_RETURN(consent::ConsentState from, consent::ConsentLedger::CurrentState(txn, rec.from));
    state.Merge(from);
    merged = true;
  }
  int recorded = 0;
  if (!m.signals.empty()) {
    ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> records,
                     consent::RecordsFromSignals(decl.consent, m.signals, subject, e.channel, e.received_ms));
    // Signals sent with an event speak for the brand that collected it.
    for (auto& rec : records) rec.brand = e.brand;
    ASSIGN_OR_RETURN(std::vector<consent::ConsentRecord> appended,
                     consent::ConsentLedger::Record(txn, subject, &state, records));
    recorded = static_cast<int>(appended.size());
    report->consent_records += recorded;
    if (recorded > 0) {
      RETURN_IF_ERROR(d_.audit.Append({"consent.change",
                                       {"", e.source, "write_key"},
                                       subject,
                                       consent::StatementsOf(appended),
                                       "consent signal with an event",
                                       {{"source", "signals"},
                                        {"channel", e.channel},
                                        {"records", consent::FingerprintsOf(appended)}}}));
    }
  }
  if (merged && recorded == 0) consent::ConsentLedger::SaveState(txn, subject, state);

  // Purpose limitation: keep a field only if one of its purposes is allowed
  // for this person on this channel, now.
  std::map<std::pair<std::string_view, std::string_view>, bool> decided;
  auto permitted = [&](const std::vector<std::string>& purposes, const std::string& category) {
    for (const auto& purpose : purposes) {
      auto [it, fresh] = decided.try_emplace({purpose, category}, false);
      if (fresh) it->second = policy::Decide(decl, state, {purpose, e.channel, e.brand, category}).allowed;
      if (it->second) return true;
    }
    return false;
  };
  auto field_allowed = [&](const schema::FieldSpec& fs) { return permitted(fs.purposes, fs.category); };
  if (const schema::EventSpec* spec = m.spec) {
    if (!permitted(spec->purposes, spec->category)) {
      report->dropped.push_back({"event:" + spec->name, schema::DropReason::kEventNotPermitted, ""});
      return false;
    }
    schema::PruneFields(&e.properties, spec->properties, &decl.common_properties, "properties", field_allowed,
                        &report->dropped);
  } else if (e.type == CallType::kIdentify) {
    schema::PruneFields(&e.traits, decl.traits, nullptr, "traits", field_allowed, &report->dropped);
  } else if (e.type == CallType::kGroup) {
    schema::PruneFields(&e.traits, decl.group_traits, nullptr, "traits", field_allowed, &report->dropped);
  }
  schema::PruneFields(&e.context, decl.context, nullptr, "context", field_allowed, &report->dropped);
  return true;
}

}  // namespace shinrai::service
