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

std::string FingerprintInput(const ConsentRecord& r) {
  std::string all = r.subject + '\x1f' + r.purpose + '\x1f' + r.channel + '\x1f' +
                    std::string(ConsentStatusName(r.status)) + '\x1f' + r.source + '\x1f' + r.notice_version + '\x1f' +
                    std::to_string(r.at_ms) + '\x1f' + r.proof;
  // Records for every brand hash as they did before brands existed.
  if (r.brand != kAllBrands) all += '\x1f' + r.brand;
  return all;
}

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
  r.brand = j.value("brand", std::string(kAllBrands));
  const std::string stored = j.value("fingerprint", "");
  // Records written before BLAKE2b carry a 64-bit FNV-1a checksum: still
  // checked, so a data directory from an earlier version stays readable.
  const bool legacy = stored.size() == 16 && r.brand == kAllBrands;
  if (stored != (legacy ? Fnv1a64Hex(FingerprintInput(r)) : r.Fingerprint()))
    return Internal("a stored consent record was altered");
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

std::string ConsentRecord::Fingerprint() const { return crypto::Blake2bHex(FingerprintInput(*this)); }

nlohmann::json ConsentRecordToJson(const ConsentRecord& r) {
  nlohmann::json j = {{"subject", r.subject}, {"purpose", r.purpose}, {"channel", r.channel},
                      {"status", ConsentStatusName(r.status)}, {"source", r.source}, {"notice_version", r.notice_version},
                      {"at", r.at_ms}, {"proof", r.proof}};
  if (r.brand != kAllBrands) j["brand"] = r.brand;
  return j;
}

void ConsentState::Apply(const ConsentRecord& r) { latest_[{r.purpose, r.channel, r.brand}] = r; }

void ConsentState::Merge(const ConsentState& other) {
  for (const auto& [key, r] : other.latest_) {
    auto it = latest_.find(key);
    if (it == latest_.end() || it->second.at_ms < r.at_ms) latest_[key] = r;
  }
}

namespace {

// Whether a statement scoped (channel, brand) covers the scope (c, b).
bool Covers(std::string_view channel, std::string_view brand, std::string_view c, std::string_view b) {
  return (channel == kAllChannels || channel == c) && (brand == kAllBrands || brand == b);
}

}  // namespace

bool ConsentState::Redundant(const ConsentRecord& r) const {
  auto it = latest_.find({r.purpose, r.channel, r.brand});
  if (it == latest_.end()) return false;
  const ConsentRecord& cur = it->second;
  if (cur.status != r.status || cur.source != r.source || cur.notice_version != r.notice_version) return false;
  for (const auto& [key, rec] : latest_) {
    const auto& [purpose, channel, brand] = key;
    if (purpose != r.purpose || (channel == r.channel && brand == r.brand) || rec.at_ms < cur.at_ms) continue;
    // A later statement for part of r's scope overrides it there, and a later
    // broader one overrides it everywhere: stating it again takes those back.
    if (Covers(r.channel, r.brand, channel, brand) || Covers(channel, brand, r.channel, r.brand)) return false;
  }
  return true;
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

const ConsentRecord* ConsentState::Find(std::string_view purpose, std::string_view channel,
                                        std::string_view brand) const {
  const ConsentRecord* best = nullptr;
  for (std::string_view c : {channel, kAllChannels}) {
    for (std::string_view b : {brand, kAllBrands}) {
      auto it = latest_.find({std::string(purpose), std::string(c), std::string(b)});
      if (it == latest_.end()) continue;
      const ConsentRecord* r = &it->second;
      // Later wins; stated in the same millisecond, the more protective one.
      if (!best || r->at_ms > best->at_ms ||
          (r->at_ms == best->at_ms && best->status == ConsentStatus::kGranted && r->status != ConsentStatus::kGranted))
        best = r;
    }
  }
  return best;
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
