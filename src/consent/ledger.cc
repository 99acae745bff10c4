#include "consent/ledger.h"

#include <cstdio>

#include "core/hash.h"
#include "core/msgpack.h"
#include "store/scan_records.h"

namespace shinrai::consent {

namespace {

std::string LedgerPrefix(std::string_view subject) { return "cs/" + std::string(subject) + "/"; }

Result<ConsentRecord> Decode(std::string_view bytes) {
  std::optional<nlohmann::json> parsed = FromMsgpackObject(bytes);
  if (!parsed) return Internal("a stored consent record is corrupt");
  const nlohmann::json& j = *parsed;
  ConsentRecord r;
  r.subject = j.value("subject", "");
  r.purpose = j.value("purpose", "");
  r.channel = j.value("channel", "*");
  auto status = ParseConsentStatus(j.value("status", ""));
  if (!status) return Internal("a stored consent record has an unknown status");
  r.status = *status;
  r.source = j.value("source", "");
  r.notice_version = j.value("notice_version", "");
  r.at_ms = j.value("at", int64_t{0});
  r.proof = j.value("proof", "");
  if (j.value("fingerprint", "") != r.Fingerprint()) return Internal("a stored consent record was altered");
  return r;
}

}  // namespace

std::string_view ConsentStatusName(ConsentStatus s) {
  switch (s) {
    case ConsentStatus::kGranted: return "granted";
    case ConsentStatus::kDenied: return "denied";
    case ConsentStatus::kWithdrawn: return "withdrawn";
  }
  return "denied";
}

std::optional<ConsentStatus> ParseConsentStatus(std::string_view s) {
  if (s == "granted") return ConsentStatus::kGranted;
  if (s == "denied") return ConsentStatus::kDenied;
  if (s == "withdrawn") return ConsentStatus::kWithdrawn;
  return std::nullopt;
}

std::string ConsentRecord::Fingerprint() const {
  const std::string all = subject + '\x1f' + purpose + '\x1f' + channel + '\x1f' +
                          std::string(ConsentStatusName(status)) + '\x1f' + source + '\x1f' + notice_version + '\x1f' +
                          std::to_string(at_ms) + '\x1f' + proof;
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(Fnv1a64(all)));
  return buf;
}

nlohmann::json ConsentRecordToJson(const ConsentRecord& r) {
  return {{"subject", r.subject}, {"purpose", r.purpose}, {"channel", r.channel},
          {"status", ConsentStatusName(r.status)}, {"source", r.source}, {"notice_version", r.notice_version},
          {"at", r.at_ms}, {"proof", r.proof}};
}

void ConsentState::Apply(const ConsentRecord& r) { latest_[{r.purpose, r.channel}] = r; }

const ConsentRecord* ConsentState::Find(std::string_view purpose, std::string_view channel) const {
  const ConsentRecord* own = nullptr;
  const ConsentRecord* all = nullptr;
  if (auto it = latest_.find({std::string(purpose), std::string(channel)}); it != latest_.end()) own = &it->second;
  if (auto it = latest_.find({std::string(purpose), std::string(kAllChannels)}); it != latest_.end()) all = &it->second;
  if (own && all) return own->at_ms >= all->at_ms ? own : all;
  return own ? own : all;
}

void ConsentLedger::Append(store::Transaction& txn, const std::vector<ConsentRecord>& records, uint64_t seq) {
  for (const auto& r : records) {
    std::string key = LedgerPrefix(r.subject);
    AppendBigEndian64(&key, static_cast<uint64_t>(r.at_ms));
    AppendBigEndian64(&key, seq++);
    nlohmann::json j = ConsentRecordToJson(r);
    j["fingerprint"] = r.Fingerprint();
    txn.Put(std::move(key), ToMsgpack(j));
  }
}

Result<std::vector<ConsentRecord>> ConsentLedger::History(std::string_view subject) {
  std::vector<ConsentRecord> out;
  RETURN_IF_ERROR(store::ScanRecords<ConsentRecord>(*store_, LedgerPrefix(subject), Decode, &out));
  return out;
}

Result<ConsentState> ConsentLedger::State(std::string_view subject) {
  ASSIGN_OR_RETURN(std::vector<ConsentRecord> history, History(subject));
  ConsentState state;
  for (const auto& r : history) state.Apply(r);
  return state;
}

}  // namespace shinrai::consent
