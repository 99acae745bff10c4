#include "transparency/privacy_center_service.h"

#include <future>

#include "consent/ledger.h"
#include "consent/quiet_hours.h"
#include "core/time_format.h"
#include "transparency/data_report.h"
#include "transparency/notice.h"
#include "transparency/privacy_center_link.h"

namespace shinrai::service {

Principal PrivacyCenterService::Center(const std::string& brand, const std::string& through) {
  return {Role::kService, through, "privacy-center", 0, brand};
}

Result<nlohmann::json> PrivacyCenterService::CreateLink(const Principal& who, std::string_view body) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kIssuePrivacyCenterLink));
  nlohmann::json req = nlohmann::json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object())
    return InvalidArgument("the body must be a JSON object {\"subject\", \"ttl_seconds\"}");
  for (const auto& [k, _] : req.items()) {
    if (k != "subject" && k != "ttl_seconds") return InvalidArgument("unknown field '" + k + "' (expected subject, ttl_seconds)");
  }
  if (!req.contains("subject") || !req["subject"].is_string() || req["subject"].get<std::string>().empty())
    return InvalidArgument("subject: expected a user id, email:<address> or phone:<number>");
  int64_t ttl = kDefaultTtlSeconds;
  if (req.contains("ttl_seconds")) {
    if (!req["ttl_seconds"].is_number_integer()) return InvalidArgument("ttl_seconds: expected a whole number of seconds");
    ttl = req["ttl_seconds"];
    if (ttl < 1 || ttl > kMaxTtlSeconds)
      return InvalidArgument("ttl_seconds: from 1 to " + std::to_string(kMaxTtlSeconds) + " (a week)");
  }
  // The brand's back end asks for its own customer only.
  ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(req["subject"].get<std::string>(), who.brand));
  transparency::PrivacyCenterLink link{p.id, who.brand, d_.env.NowMillis() + ttl * 1000};
  RETURN_IF_ERROR(d_.audit.Append({"privacy_center.link", AuditActor(who), p.id, {}, "",
                                  {{"expires_at", FormatIso8601Millis(link.expires_ms)}}}));
  // The token travels in the fragment: browsers never send it to a server,
  // nor in a Referer, so it stays out of every access log.
  const std::string url = d_.config.server.public_url + "/privacy-center/#t=" +
                          transparency::IssuePrivacyCenterToken(key_, link);
  return nlohmann::json{{"url", url}, {"expires_at", FormatIso8601Millis(link.expires_ms)}};
}

Result<std::vector<std::string>> PrivacyCenterService::HonourGpc(const transparency::PrivacyCenterLink& link) {
  const schema::Declaration& d = d_.config.declaration;
  const schema::Brand* brand = d.FindBrand(link.brand);
  ASSIGN_OR_RETURN(consent::ConsentState state, consent::ConsentLedger(&d_.store).State(link.profile_id));
  std::vector<std::string> covered;
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& purpose : d.consent.gpc_denies) {
    if (brand && !brand->Runs(purpose)) continue;
    covered.push_back(purpose);
    const consent::ConsentRecord* latest = state.Find(purpose, consent::kAllChannels, link.brand);
    const bool chose_here = latest && latest->status == consent::ConsentStatus::kGranted && latest->source == "privacy_center";
    const bool denied = latest && latest->status != consent::ConsentStatus::kGranted;
    if (!chose_here && !denied) changes.push_back({{"purpose", purpose}, {"status", "denied"}});
  }
  if (changes.empty()) return covered;
  std::promise<Result<nlohmann::json>> done;
  consent_.Change(Center(link.brand), "profile:" + link.profile_id,
                  nlohmann::json{{"changes", changes}, {"source", "gpc"}, {"brand", link.brand}}.dump(),
                  [&done](Result<nlohmann::json> r) { done.set_value(std::move(r)); });
  RETURN_IF_ERROR(done.get_future().get().status());
  return covered;
}

Result<nlohmann::json> PrivacyCenterService::Me(std::string_view token, std::string_view lang, bool gpc) {
  ASSIGN_OR_RETURN(transparency::PrivacyCenterLink link,
                   transparency::ReadPrivacyCenterToken(key_, token, d_.env.NowMillis()));
  const Principal center = Center(link.brand);
  // Checked before anything is written: a refused request changes nothing.
  RETURN_IF_ERROR(transparency::CheckNoticeRequest(d_.config.declaration,
                                                   {"short", std::string(lang), link.brand == "*" ? "" : link.brand}));
  ASSIGN_OR_RETURN(const profile::Profile person, HeldPerson(link));
  std::vector<std::string> gpc_purposes;
  if (gpc) {
    ASSIGN_OR_RETURN(gpc_purposes, HonourGpc(link));
  }
  ASSIGN_OR_RETURN(nlohmann::json choices, consent_.State(center, "profile:" + link.profile_id));
  ASSIGN_OR_RETURN(nlohmann::json notice,
                   transparency::NoticeContent(d_.config.declaration,
                                               {"short", std::string(lang), link.brand == "*" ? "" : link.brand}));
  ASSIGN_OR_RETURN(std::optional<consent::QuietHours> quiet,
                   consent::ReadQuietHours(d_.store, person.SourceIds(), link.brand));
  return nlohmann::json{{"expires_at", FormatIso8601Millis(link.expires_ms)},
                        {"notice", std::move(notice)},
                        {"choices", std::move(choices)},
                        {"quiet_hours", quiet ? consent::QuietHoursToJson(*quiet) : nlohmann::json(nullptr)},
                        {"gpc", {{"received", gpc}, {"purposes", gpc_purposes}}}};
}

void PrivacyCenterService::ChangeConsent(std::string_view token, std::string_view body, Done done) {
  auto link = transparency::ReadPrivacyCenterToken(key_, token, d_.env.NowMillis());
  if (!link.ok()) return done(link.status());
  nlohmann::json req = nlohmann::json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object() || !req.contains("changes"))
    return done(InvalidArgument("the body must be a JSON object {\"changes\": [...]}"));
  for (const auto& [k, _] : req.items()) {
    if (k != "changes") return done(InvalidArgument("unknown field '" + k + "' (the privacy center sends only changes)"));
  }
  if (!req["changes"].is_array()) return done(InvalidArgument("changes: expected a list"));
  for (const auto& c : req["changes"]) {
    if (!c.is_object()) return done(InvalidArgument("changes: expected {purpose, channel, status} objects"));
    for (const auto& [k, _] : c.items()) {
      // The source, brand and notice are the center's to state, not the page's.
      if (k != "purpose" && k != "channel" && k != "status")
        return done(InvalidArgument("changes: unknown field '" + k + "' (expected purpose, channel, status)"));
    }
  }
  if (Status held = StillHeld(*link); !held.ok()) return done(held);
  RecordChoice(link->profile_id, link->brand, std::move(req["changes"]), std::move(done));
}

void PrivacyCenterService::RecordChoice(const std::string& profile_id, const std::string& brand,
                                        nlohmann::json changes, Done done, const std::string& through) {
  // What the person said here, to this brand, having been shown this notice.
  const nlohmann::json req = {{"changes", std::move(changes)},
                              {"source", "privacy_center"},
                              {"brand", brand},
                              {"notice_version", d_.config.declaration.consent.notice_version}};
  consent_.Change(Center(brand, through), "profile:" + profile_id, req.dump(), std::move(done));
}

void PrivacyCenterService::SetQuietHours(std::string_view token, std::string_view body, Done done) {
  auto link = transparency::ReadPrivacyCenterToken(key_, token, d_.env.NowMillis());
  if (!link.ok()) return done(link.status());
  nlohmann::json req = nlohmann::json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object() || req.size() != 1 || !req.contains("quiet_hours"))
    return done(InvalidArgument("the body must be a JSON object in UTF-8, exactly {\"quiet_hours\": {\"from\", \"to\", "
                                "\"time_zone\"}} or {\"quiet_hours\": null}"));
  std::optional<consent::QuietHours> quiet;
  if (!req["quiet_hours"].is_null()) {
    auto parsed = consent::ParseQuietHours(req["quiet_hours"]);
    if (!parsed.ok()) return done(parsed.status());
    quiet = std::move(*parsed);
  }
  // Under the lock erasure takes too: never written for someone just erased.
  auto lock = d_.serializer.LockForRequest();
  if (!lock.ok()) return done(lock.status());
  // Kept under the person's id now: the link may name a profile merged into
  // another since, whose id is then only a source of the survivor.
  auto person = HeldPerson(*link);
  if (!person.ok()) return done(person.status());
  store::Transaction txn = d_.writer.Begin();
  for (const auto& id : person->SourceIds()) consent::StageQuietHours(txn, id, link->brand, std::nullopt);
  consent::StageQuietHours(txn, person->id, link->brand, quiet);
  nlohmann::json reply = {{"quiet_hours", quiet ? consent::QuietHoursToJson(*quiet) : nlohmann::json(nullptr)}};
  if (Status s = d_.audit.Append({"privacy_center.quiet_hours", AuditActor(Center(link->brand)), person->id, {}, "",
                                  {{"brand", link->brand}, {"set", quiet.has_value()}}});
      !s.ok())
    return done(s);
  d_.writer.Submit(std::move(txn), [reply = std::move(reply), done = std::move(done)](const Status& st) mutable {
    if (!st.ok()) return done(st);
    done(std::move(reply));
  });
}

Result<nlohmann::json> PrivacyCenterService::File(const transparency::PrivacyCenterLink& link, const std::string& type) {
  // Filed by the center on the person's own instruction: a group-level actor
  // (rights reach every brand's data), scoped by the link's brand.
  const Principal filer{Role::kPrivacyOfficer, kThroughLink, "privacy-center"};
  nlohmann::json req = {{"type", type}, {"subject", "profile:" + link.profile_id}, {"note", "asked in the privacy center"}};
  if (link.brand != consent::kAllBrands) req["brand"] = link.brand;
  ASSIGN_OR_RETURN(nlohmann::json record, rights_.Create(filer, req.dump()));
  if (type != "access") return record;
  return rights_.Get(filer, record["id"].get<std::string>());
}

Result<profile::Profile> PrivacyCenterService::HeldPerson(const transparency::PrivacyCenterLink& link) {
  // After an erasure the link opens nothing, files nothing and names nobody.
  auto found = reader_.Find("profile:" + link.profile_id, link.brand);
  if (!found.ok() && found.status().code() == Code::kNotFound) return NotFound("nothing is held about you any more");
  return found;
}

Result<nlohmann::json> PrivacyCenterService::Data(std::string_view token, std::string_view lang) {
  ASSIGN_OR_RETURN(transparency::PrivacyCenterLink link,
                   transparency::ReadPrivacyCenterToken(key_, token, d_.env.NowMillis()));
  RETURN_IF_ERROR(transparency::CheckNoticeRequest(d_.config.declaration, {"short", std::string(lang), ""}));
  RETURN_IF_ERROR(StillHeld(link));
  ASSIGN_OR_RETURN(nlohmann::json exported, rights_.Export("profile:" + link.profile_id));
  RETURN_IF_ERROR(d_.audit.Append({"rights.export", AuditActor(Center(link.brand)), link.profile_id, {}, "",
                                  {{"shown", "data report"}}}));
  return transparency::DataReport(d_.config.declaration, exported, std::string(lang), link.brand);
}

Result<nlohmann::json> PrivacyCenterService::Export(std::string_view token) {
  ASSIGN_OR_RETURN(transparency::PrivacyCenterLink link,
                   transparency::ReadPrivacyCenterToken(key_, token, d_.env.NowMillis()));
  RETURN_IF_ERROR(StillHeld(link));
  ASSIGN_OR_RETURN(nlohmann::json record, File(link, "access"));
  if (!record.contains("export") || record["export"].is_null()) return NotFound("nothing is held about you any more");
  return std::move(record["export"]);
}

Result<nlohmann::json> PrivacyCenterService::Erase(std::string_view token, std::string_view body) {
  ASSIGN_OR_RETURN(transparency::PrivacyCenterLink link,
                   transparency::ReadPrivacyCenterToken(key_, token, d_.env.NowMillis()));
  nlohmann::json req = nlohmann::json::parse(body, nullptr, false);
  const bool confirmed = req.is_object() && req.size() == 1 && req.contains("confirm") && req["confirm"].is_boolean() &&
                         req["confirm"].get<bool>();
  if (!confirmed) return InvalidArgument("confirm: erasure cannot be undone; send exactly {\"confirm\": true} to go ahead");
  RETURN_IF_ERROR(StillHeld(link));
  ASSIGN_OR_RETURN(nlohmann::json record, File(link, "erasure"));
  return nlohmann::json{{"status", record.value("status", "")}, {"outcome", record.value("outcome", nlohmann::json())}};
}

}  // namespace shinrai::service
