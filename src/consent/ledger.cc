#include "consent/ledger.h"

#include <atomic>

#include <algorithm>
#include <cstdio>

#include "core/hash.h"
#include "crypto/aead.h"
#include "core/msgpack.h"
#include "store/scan_records.h"

namespace shinrai::consent {

namespace {


Result<ConsentRecord> FromJson(const nlohmann::json& j) {
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

nlohmann::json ToStoredJson(const ConsentRecord& r) {
  nlohmann::json j = ConsentRecordToJson(r);
  j["fingerprint"] = r.Fingerprint();
  return j;
}

Result<ConsentRecord> Decode(std::string_view bytes) {
  std::optional<nlohmann::json> parsed = FromMsgpackObject(bytes);
  if (!parsed) return Internal("a stored consent record is corrupt");
  return FromJson(*parsed);
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
  return crypto::Blake2bHex(all);
}

nlohmann::json ConsentRecordToJson(const ConsentRecord& r) {
  return {{"subject", r.subject}, {"purpose", r.purpose}, {"channel", r.channel},
          {"status", ConsentStatusName(r.status)}, {"source", r.source}, {"notice_version", r.notice_version},
          {"at", r.at_ms}, {"proof", r.proof}};
}

void ConsentState::Apply(const ConsentRecord& r) { latest_[{r.purpose, r.channel}] = r; }

void ConsentState::Merge(const ConsentState& other) {
  for (const auto& [key, r] : other.latest_) {
    auto it = latest_.find(key);
    if (it == latest_.end() || it->second.at_ms < r.at_ms) latest_[key] = r;
  }
}

bool ConsentState::Redundant(const ConsentRecord& r) const {
  auto it = latest_.find({r.purpose, r.channel});
  if (it == latest_.end()) return false;
  const ConsentRecord& cur = it->second;
  if (cur.status != r.status || cur.source != r.source || cur.notice_version != r.notice_version) return false;
  if (r.channel == kAllChannels) {
    // A later channel-specific statement overrides the old all-channels one
    // there; stating it again takes that channel back.
    for (const auto& [key, rec] : latest_) {
      if (key.first == r.purpose && key.second != kAllChannels && rec.at_ms >= cur.at_ms) return false;
    }
    return true;
  }
  auto all = latest_.find({r.purpose, std::string(kAllChannels)});
  return all == latest_.end() || all->second.at_ms < cur.at_ms;
}

std::string EncodeConsentState(const ConsentState& state) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [_, r] : state.records()) list.push_back(ToStoredJson(r));
  return ToMsgpack(nlohmann::json{{"records", std::move(list)}});
}

Result<ConsentState> DecodeConsentState(std::string_view bytes) {
  std::optional<nlohmann::json> parsed = FromMsgpackObject(bytes);
  if (!parsed || !parsed->contains("records")) return Internal("a stored consent state is corrupt");
  ConsentState state;
  for (const auto& j : parsed->at("records")) {
    ASSIGN_OR_RETURN(ConsentRecord r, FromJson(j));
    state.Apply(r);
  }
  return state;
}

const ConsentRecord* ConsentState::Find(std::string_view purpose, std::string_view channel) const {
  const ConsentRecord* own = nullptr;
  const ConsentRecord* all = nullptr;
  if (auto it = latest_.find({std::string(purpose), std::string(channel)}); it != latest_.end()) own = &it->second;
  if (auto it = latest_.find({std::string(purpose), std::string(kAllChannels)}); it != latest_.end()) all = &it->second;
  if (own && all) {
    if (own->at_ms != all->at_ms) return own->at_ms > all->at_ms ? own : all;
    // Stated in the same millisecond: the more protective statement wins.
    return own->status == ConsentStatus::kGranted ? all : own;
  }
  return own ? own : all;
}

Status ConsentLedger::Append(store::Transaction& txn, const std::vector<ConsentRecord>& records) {
  // Increasing across the process, so records of one millisecond sort in the
  // order they were appended; after a restart it starts again, and the check
  // below steps over a key written before it in the same millisecond.
  static std::atomic<uint64_t> next_seq{0};
  for (const auto& r : records) {
    for (;;) {
      std::string key = RecordsPrefix(r.subject);
      AppendBigEndian64(&key, static_cast<uint64_t>(r.at_ms));
      AppendBigEndian64(&key, next_seq.fetch_add(1, std::memory_order_relaxed));
      ASSIGN_OR_RETURN(std::optional<std::string> taken, txn.Get(key));
      if (taken) continue;
      txn.Put(std::move(key), ToMsgpack(ToStoredJson(r)));
      break;
    }
  }
  return Status::Ok();
}

Result<std::vector<ConsentRecord>> ConsentLedger::Record(store::Transaction& txn, const std::string& subject,
                                                         ConsentState* state, const std::vector<ConsentRecord>& records) {
  std::vector<ConsentRecord> changes;
  for (const auto& r : records) {
    if (state->Redundant(r)) continue;
    state->Apply(r);
    changes.push_back(r);
  }
  if (changes.empty()) return changes;
  RETURN_IF_ERROR(Append(txn, changes));
  SaveState(txn, subject, *state);
  return changes;
}

std::vector<std::string> StatementsOf(const std::vector<ConsentRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.purpose + "@" + r.channel + "=" + std::string(ConsentStatusName(r.status)));
  return out;
}

std::vector<std::string> FingerprintsOf(const std::vector<ConsentRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.Fingerprint());
  return out;
}

Result<ConsentState> ConsentLedger::CurrentState(store::Transaction& txn, std::string_view subject) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, txn.Get(StateKey(subject)));
  if (!raw) return ConsentState();
  return DecodeConsentState(*raw);
}

void ConsentLedger::SaveState(store::Transaction& txn, std::string_view subject, const ConsentState& state) {
  txn.Put(StateKey(subject), EncodeConsentState(state));
}

Result<std::vector<ConsentRecord>> ConsentLedger::History(const std::vector<std::string>& subjects) {
  std::vector<ConsentRecord> out;
  for (const auto& s : subjects) {
    RETURN_IF_ERROR(store::ScanRecords<ConsentRecord>(*store_, RecordsPrefix(s), Decode, &out));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ConsentRecord& a, const ConsentRecord& b) { return a.at_ms < b.at_ms; });
  return out;
}

Result<ConsentState> ConsentLedger::State(std::string_view subject) {
  ASSIGN_OR_RETURN(std::optional<std::string> raw, store_->Get(StateKey(subject)));
  if (!raw) return ConsentState();
  return DecodeConsentState(*raw);
}

}  // namespace shinrai::consent
