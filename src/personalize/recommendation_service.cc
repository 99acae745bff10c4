#include "personalize/recommendation_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <future>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "consent/policy.h"
#include "core/hash.h"
#include "core/metrics.h"
#include "profile/keys.h"
#include "recs/serving/explanation.h"
#include "store/scan_counters.h"
#include "personalize/candidate_scores.h"
#include "personalize/interactions.h"
#include "personalize/recommendation_rules.h"
#include "personalize/recommendation_token.h"

namespace shinrai::service {

using nlohmann::json;

struct RecommendationService::History {
  std::vector<int32_t> items;  // model indices, distinct
  std::vector<float> weights;
  std::unordered_set<std::string> purchased;
  std::set<std::string> categories_used;
  std::set<std::string> brands_used;  // whose customers' behaviour it is (with brands declared)
  int64_t excluded_by_policy = 0;
};

struct RecommendationService::CachedHistoryEntry {
  int64_t profile_version = 0;  // updated_ms
  int64_t events = 0;           // events recorded on the profile: two in one millisecond still differ
  uint64_t consent = 0;         // fingerprint of the consent state
  std::string channel;
  std::string brand;
  int64_t model_version = 0;
  std::shared_ptr<const History> history;
};

namespace {

constexpr size_t kMaxCachedPeople = 50'000;

constexpr std::string_view kFeedbackCounterPrefix = store::family::kFeedbackTotals.prefix;
constexpr int64_t kFeedbackTokenMaxAgeMs = 7 * 86'400'000LL;  // a recommendation shown a week ago no longer counts  // aggregate feedback totals (docs/key-encoding.md)


// Whether behaviour collected by `collected_by` may serve `serving`: its own
// brand's, group-wide data, or anything when the group itself is served.
bool SameBrand(std::string_view collected_by, std::string_view serving) {
  return serving == consent::kAllBrands || collected_by == consent::kAllBrands || collected_by == serving;
}

std::string NewId(uint64_t seq, int64_t now) {
  return Fnv1a64Hex(std::to_string(now) + "/" + std::to_string(seq));
}

// Why an item is on the list, fixed for one request: the person's items that
// drew it most (collaborative), the item in view (contextual), or popularity.
struct Explainer {
  const recs::ModelSnapshot& model;
  const CandidateScores& scores;
  std::span<const int32_t> history_items;
  std::span<const float> history_weights;
  const recs::AlsModel::UserSolve& solve;
  double confidence;
  int32_t context;  // the item in view, or -1
  const std::string& context_item;

  // Sets the `source` and `because` of candidate `c` (model item `idx`).
  void Explain(size_t c, int32_t idx, json& item) const {
    const bool ease = model.ease.weights.rows() > 0;
    const bool collaborative = confidence > 0 && scores.personal_part(c) >= scores.fallback_part(c);
    json because = json::object();
    if (collaborative) {
      item["source"] = "collaborative";
      json past = json::array();
      for (const recs::Contribution& part :
           recs::TopContributions(model, history_items, history_weights, solve, idx, /*limit=*/3))
        past.push_back({{"item", model.items[history_items[part.history_pos]]}, {"contribution", part.weight}});
      because["items"] = std::move(past);
      because["rule"] = ease ? "chosen by people who chose these" : "similar people also chose it";
    } else if (context >= 0 && scores.similar_to_context(idx)) {
      item["source"] = "contextual";
      because["rule"] = "often chosen with " + context_item;
    } else {
      item["source"] = "popular";
      because["rule"] = "popular now";
    }
    item["because"] = std::move(because);
  }
};

}  // namespace

RecommendationService::RecommendationService(const UseCaseDeps& deps, std::string model_dir,
                                             std::optional<crypto::SecretKey> token_key)
    : d_(deps),
      model_path_(model_dir.empty() ? "" : model_dir + "/model.bin"),
      reader_(&deps.store, &deps.config.declaration) {
  if (token_key) {
    token_key_ = *token_key;
  } else {
    for (size_t i = 0; i < crypto::kKeyBytes; i += 8) {
      const uint64_t r = d_.env.Random64();
      std::memcpy(token_key_.data() + i, &r, 8);
    }
  }
  if (!model_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(model_dir, ec);
  }
}

RecommendationService::~RecommendationService() { StopSchedule(); }

Status RecommendationService::Load() {
  RETURN_IF_ERROR(ReloadShared());
  if (Status st = LoadModelFile(); !st.ok()) return st;
  // Several nodes: another may have published a newer model meanwhile.
  return AdoptPublishedModel();
}

Status RecommendationService::LoadModelFile() {
  if (model_path_.empty() || !std::filesystem::exists(model_path_)) return Status::Ok();
  {
    // The figures measured when the model was trained, if they were kept.
    std::ifstream in(model_path_ + ".quality.json");
    std::lock_guard lock(quality_mu_);
    if (in) offline_quality_ = json::parse(in, nullptr, false);
    if (offline_quality_.is_discarded()) offline_quality_ = nullptr;
  }
  auto m = recs::LoadSnapshot(model_path_, d_.config.recommendations.ann_min_items);
  if (!m.ok()) {
    spdlog::warn("ignoring the model file: {} (the next training replaces it)", m.status().ToString());
    return Status::Ok();
  }
  Swap(std::move(*m));
  return Status::Ok();
}

bool RecommendationService::InHoldout(std::string_view profile_id) const {
  const double share = d_.config.recommendations.holdout_share;
  if (share <= 0) return false;
  return static_cast<double>(Fnv1a64(std::string("holdout/") + std::string(profile_id)) % 10000) < share * 10000;
}

Result<RecommendationService::History> RecommendationService::ReadHistory(const profile::Profile& p,
                                                                          const consent::ConsentState& state,
                                                                          const std::string& channel,
                                                                          const std::string& brand) {
  History h;
  std::vector<profile::Event> events;
  RETURN_IF_ERROR(reader_.Events(p, 2000, &events));
  std::vector<Interaction> interactions;
  for (const auto& e : events) ExtractInteractions(d_.config, e, &interactions);
  auto model = this->model();
  std::unordered_map<int32_t, size_t> position;
  // Behaviour at another of the group's brands is this brand's to use only
  // when the person allowed it for the whole group (cross-brand purpose).
  const std::string& cross_brand = d_.config.recommendations.cross_brand_purpose;
  const bool across_brands =
      !cross_brand.empty() && brand != consent::kAllBrands &&
      policy::Decide(d_.config.declaration, state, {cross_brand, channel, consent::kAllBrands}).allowed;
  std::map<std::pair<std::string, std::string>, bool> allowed;
  for (const Interaction& in : interactions) {
    auto [it, fresh] = allowed.try_emplace({in.category, in.brand}, false);
    if (fresh)
      it->second = (SameBrand(in.brand, brand) || across_brands) &&
                   policy::Decide(d_.config.declaration, state, {d_.config.recommendations.purpose, channel, brand, in.category})
                       .allowed;
    if (!it->second) {
      ++h.excluded_by_policy;
      continue;
    }
    h.categories_used.insert(in.category);
    if (in.brand != consent::kAllBrands) h.brands_used.insert(in.brand);
    if (in.purchase) h.purchased.insert(in.item);
    const int32_t idx = model ? model->Find(in.item) : -1;
    if (idx < 0) continue;
    auto [pos, added] = position.emplace(idx, h.items.size());
    if (added) {
      h.items.push_back(idx);
      h.weights.push_back(in.weight);
    } else {
      h.weights[pos->second] += in.weight;
    }
  }
  return h;
}

Result<std::shared_ptr<const RecommendationService::History>> RecommendationService::CachedHistory(
    const profile::Profile& p, const consent::ConsentState& state, const std::string& channel, const std::string& brand,
    int64_t model_version) {
  int64_t events = static_cast<int64_t>(p.absorbed.size());
  for (const auto& [_, summary] : p.channels) events += summary.events;
  const uint64_t consent = Fnv1a64(consent::EncodeConsentState(state));
  {
    std::shared_lock lock(history_mu_);
    if (auto it = histories_.find(p.id); it != histories_.end()) {
      const CachedHistoryEntry& e = *it->second;
      if (e.profile_version == p.updated_ms && e.events == events && e.consent == consent && e.channel == channel &&
          e.brand == brand && e.model_version == model_version) {
        return e.history;
      }
    }
  }
  ASSIGN_OR_RETURN(History fresh, ReadHistory(p, state, channel, brand));
  auto entry = std::make_shared<CachedHistoryEntry>();
  entry->profile_version = p.updated_ms;
  entry->events = events;
  entry->consent = consent;
  entry->channel = channel;
  entry->brand = brand;
  entry->model_version = model_version;
  entry->history = std::make_shared<const History>(std::move(fresh));
  std::unique_lock lock(history_mu_);
  if (erased_.count(p.id)) return entry->history;
  if (histories_.size() >= kMaxCachedPeople) histories_.clear();  // rare, and a miss only costs a read
  histories_.insert_or_assign(p.id, entry);
  return entry->history;
}

void RecommendationService::ForgetPeople(const std::vector<std::string>& profile_ids) {
  {
    std::unique_lock lock(history_mu_);
    for (const auto& id : profile_ids) {
      histories_.erase(id);
      erased_.insert(id);
    }
  }
  // The model holds no per-person vectors, but its item factors learned from
  // these people's behaviour.
  RequestRetrain();
}

void RecommendationService::ForgetExpired(bool rebuild) {
  ForgetEveryone();  // cached histories may hold what was just deleted
  if (rebuild) RequestRetrain();
}

void RecommendationService::ForgetEveryone() {
  std::unique_lock lock(history_mu_);
  histories_.clear();
}

size_t RecommendationService::cached_people() const {
  std::shared_lock lock(history_mu_);
  return histories_.size();
}

Result<json> RecommendationService::Recommend(const Principal& who, std::string_view lookup,
                                              const RecommendRequest& asked) {
  RecommendRequest req = asked;
  ASSIGN_OR_RETURN(req.brand, Access::ServedBrand(who, asked.brand, d_.config.declaration));
  // A recommendation is shown at one brand's shop: a group key that names
  // none serves the default brand.
  if (req.brand == consent::kAllBrands && !d_.config.declaration.brands.empty())
    req.brand = d_.config.declaration.default_brand;
  ASSIGN_OR_RETURN(json reply, RecommendItems(who, lookup, req));
  if (req.brand != consent::kAllBrands) reply["brand"] = req.brand;
  RecommendationToken t;
  t.profile_id = reply["profile_id"].is_string() ? reply["profile_id"].get<std::string>() : "";
  t.issued_ms = d_.env.NowMillis();
  t.nonce = NewId(feedback_seq_++, t.issued_ms);
  t.channel = req.channel;
  t.brand = req.brand;
  t.categories_used = reply.value("data_categories_used", std::vector<std::string>{});
  for (const auto& item : reply["items"]) {
    t.items.push_back(item["item"]);
    ItemReason why{item["source"], {}, item["source"] == "contextual" ? req.context_item : ""};
    for (const auto& past : item["because"].value("items", json::array())) why.past.push_back(past["item"]);
    t.reasons.push_back(std::move(why));
  }
  reply["recommendation_id"] = IssueRecommendationToken(token_key_, t);
  // The page that answers "why am I seeing this?"; the token rides in the
  // fragment, which browsers send to no server.
  reply["why_url"] = d_.config.server.public_url + "/privacy-center/why.html#r=" + reply["recommendation_id"].get<std::string>();
  return reply;
}

Result<RecommendationToken> RecommendationService::ReadToken(std::string_view token) const {
  return ReadRecommendationToken(token_key_, token, d_.env.NowMillis(), kFeedbackTokenMaxAgeMs);
}

// Whom a request is about, whether their data may be used, and what of it.
struct RecommendationService::Subject {
  std::optional<profile::Profile> person;  // none: an unknown lookup
  consent::ConsentState state;
  bool personalize = false;
  std::shared_ptr<const History> cached;  // null without a person
  std::vector<profile::FeedbackRecord> feedback;
  // Purchases and impressions drive the rules even when nothing is personalized.
  const History* known = nullptr;
  const History* history = nullptr;  // what personalizes: empty unless allowed
  double confidence = 0;
};

Status RecommendationService::FindSubject(std::string_view lookup, std::string_view brand, Subject* subject) {
  auto found = reader_.Find(lookup, brand);
  if (found.ok()) {
    subject->person = std::move(*found);
    store::Transaction txn = d_.writer.Begin();
    ASSIGN_OR_RETURN(subject->state, consent::ConsentLedger::CurrentState(txn, subject->person->id));
  } else if (found.status().code() != Code::kNotFound) {
    return found.status();
  }
  return Status::Ok();
}

Status RecommendationService::ReadSubjectData(const Principal& who, const RecommendRequest& req,
                                              int64_t model_version, Subject* subject) {
  const profile::Profile& person = *subject->person;
  RETURN_IF_ERROR(d_.audit.Append({"recommendations.serve",
                                  AuditActor(who),
                                  person.id,
                                  subject->personalize ? std::vector<std::string>{"events", "consent_state", "feedback"}
                                                       : std::vector<std::string>{"purchases", "feedback"},
                                  "",
                                  {{"personalized", subject->personalize}, {"channel", req.channel}}}));
  ASSIGN_OR_RETURN(subject->cached, CachedHistory(person, subject->state, req.channel, req.brand, model_version));
  store::ScanOptions so;
  so.prefix = profile::FeedbackPrefix(person.id);
  return d_.store.Scan(so, [&](std::string_view, std::string_view v) {
    // A damaged record only loses its say in the frequency cap.
    if (auto f = profile::DecodeFeedback(v); f.ok()) subject->feedback.push_back(std::move(*f));
    return true;
  });
}

Result<json> RecommendationService::RecommendItems(const Principal& who, std::string_view lookup,
                                                   const RecommendRequest& req) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kRecommend));
  if (req.n < 1 || req.n > 100) return InvalidArgument("n: must be between 1 and 100");
  if (req.channel.empty()) return InvalidArgument("channel: empty; name the channel the recommendation is shown on");
  if (std::find(d_.config.declaration.channels.begin(), d_.config.declaration.channels.end(), req.channel) ==
          d_.config.declaration.channels.end())
    return InvalidArgument("channel: unknown channel '" + req.channel + "'");
  const auto& settings = d_.config.recommendations;
  const int64_t now = d_.env.NowMillis();
  auto model = this->model();

  json reply = {{"subject", lookup}, {"channel", req.channel}, {"items", json::array()}};
  reply["model_version"] = model ? json(model->version) : json(nullptr);

  // Who is asking about whom, and may we personalize?
  Subject subject;
  // To the brand served, someone it never collected from is unknown.
  RETURN_IF_ERROR(FindSubject(lookup, req.brand, &subject));
  const std::optional<profile::Profile>& person = subject.person;
  policy::Decision decision{false, "no_profile"};
  if (person) decision = policy::Decide(d_.config.declaration, subject.state, {settings.purpose, req.channel, req.brand});
  const bool holdout = person && decision.allowed && InHoldout(person->id);
  subject.personalize = person && decision.allowed && !holdout;
  reply["profile_id"] = person ? json(person->id) : json(nullptr);
  reply["holdout"] = holdout;
  reply["reason"] = holdout ? "holdout" : decision.reason;
  metrics::Default()
      .counter("shinrai_recommendations_total", "Recommendations served, personalized or not and why",
               {{"personalized", subject.personalize ? "true" : "false"}, {"reason", reply["reason"].get<std::string>()}})
      .Inc();

  static const History kNoHistory;
  if (person) RETURN_IF_ERROR(ReadSubjectData(who, req, model ? model->version : 0, &subject));
  subject.known = subject.cached ? subject.cached.get() : &kNoHistory;
  subject.history = subject.personalize ? subject.known : &kNoHistory;
  const History& history = *subject.history;

  const int distinct = static_cast<int>(history.items.size());
  subject.confidence = subject.personalize
                           ? std::min(1.0, static_cast<double>(distinct) / std::max(1, settings.min_interactions))
                           : 0.0;
  reply["personalized"] = subject.personalize && subject.confidence > 0;
  reply["confidence"] = subject.confidence;
  reply["history_items"] = distinct;
  reply["data_categories_used"] = history.categories_used;
  if (!d_.config.declaration.brands.empty()) reply["data_brands_used"] = history.brands_used;
  if (!model) {
    reply["reason_no_items"] = "no model has been trained yet";
    return reply;
  }
  RankItems(*model, req, now, subject, reply);
  return reply;
}

void RecommendationService::RankItems(const recs::ModelSnapshot& model, const RecommendRequest& req, int64_t now,
                                      Subject& subject, json& reply) {
  const auto& settings = d_.config.recommendations;
  const History& history = *subject.history;
  // Candidates: everything for exact scoring, or the index's nearest plus
  // popular and contextual ones on large catalogues.
  const int32_t context = req.context_item.empty() ? -1 : model.Find(req.context_item);
  // Small catalogues are scored by EASE (a sum of the history's rows: no
  // solve at all), larger ones by folding the history into ALS.
  const bool ease = model.ease.weights.rows() > 0;
  recs::AlsModel::UserSolve solve;
  if (subject.confidence > 0 && (!ease || model.ann)) solve = model.als.FoldIn(history.items, history.weights);
  const CandidateScores scores(model, history.items, history.weights, solve, subject.confidence, context, req.n);
  size_t want = static_cast<size_t>(std::max(64, 4 * req.n + 32));
  std::vector<int32_t> order = scores.Best(want);

  RuleContext rules;
  rules.context_item = req.context_item;
  rules.channel = req.channel;
  rules.brand = req.brand;
  rules.purchased = &subject.known->purchased;
  rules.resting = RestingItems(std::move(subject.feedback), settings.frequency_cap, settings.rest_seconds * 1000, now);
  rules.max_per_category = settings.max_per_category;
  std::map<std::string, bool> sensitive_allowed;
  rules.category_allowed = [&](const std::string& item_category) {
    auto s = settings.sensitive_item_categories.find(item_category);
    if (s == settings.sensitive_item_categories.end()) return true;
    auto [it, fresh] = sensitive_allowed.emplace(s->second, false);
    if (fresh && subject.person) {
      it->second =
          policy::Decide(d_.config.declaration, subject.state, {settings.purpose, req.channel, req.brand, s->second})
              .allowed;
    }
    return it->second;
  };
  RuleFilter filter(rules);
  const Explainer explainer{model, scores, history.items, history.weights, solve, subject.confidence, context,
                            req.context_item};
  json& out = reply["items"];
  for (size_t pos = 0; static_cast<int>(out.size()) < req.n; ++pos) {
    if (pos >= order.size()) {
      if (order.size() < want) break;  // every candidate was looked at
      want *= 2;
      order = scores.Best(want);
      if (pos >= order.size()) break;
    }
    const size_t c = static_cast<size_t>(order[pos]);
    const int32_t idx = scores.item(c);
    const std::string& id = model.items[idx];
    const std::shared_ptr<const ItemInfo> info = catalog_.Find(id);
    if (!filter.Admit(id, info.get())) continue;
    json item = {{"item", id}, {"score", scores.blended(c)}};
    if (info) {
      item["name"] = info->name;
      item["category"] = info->category;
    }
    explainer.Explain(c, idx, item);
    out.push_back(std::move(item));
  }
  reply["excluded"] = filter.excluded();
}

Result<json> RecommendationService::Similar(const Principal& who, std::string_view item, int n) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadSimilar));
  if (n < 1 || n > 100) return InvalidArgument("n: must be between 1 and 100");
  auto model = this->model();
  if (!model) return Unavailable("no model has been trained yet");
  const int32_t idx = model->Find(item);
  if (idx < 0) return NotFound("item '" + std::string(item) + "' is not in the model");
  json out = {{"item", item}, {"model_version", model->version}, {"items", json::array()}};
  for (const auto& nb : model->knn.neighbours[idx]) {
    if (static_cast<int>(out["items"].size()) >= n) break;
    const std::string& id = model->items[nb.item];
    auto info = catalog_.Find(id);
    if (info && !info->in_stock) continue;
    json j = {{"item", id}, {"similarity", nb.similarity}};
    if (info) j["name"] = info->name, j["category"] = info->category;
    out["items"].push_back(std::move(j));
  }
  return out;
}

void RecommendationService::Feedback(const Principal& who, std::string_view body, Done done) {
  // Held until submitted, so totals reach the store in the order they grew;
  // the serializer too, since several nodes on one database add to them.
  auto serialized = d_.serializer.LockForRequest();
  if (!serialized.ok()) return done(serialized.status());
  std::unique_lock lock(feedback_mu_);
  auto staged = StageFeedback(who, body);
  if (!staged.ok()) {
    lock.unlock();
    return done(staged.status());
  }
  auto& [txn, reply] = *staged;
  d_.writer.Submit(std::move(txn), [reply = std::move(reply), done = std::move(done)](const Status& st) mutable {
    if (!st.ok()) return done(st);
    done(std::move(reply));
  });
}

Result<json> RecommendationService::Feedback(const Principal& who, std::string_view body) {
  std::promise<Result<json>> replied;
  Feedback(who, body, [&replied](Result<json> r) { replied.set_value(std::move(r)); });
  return replied.get_future().get();
}

Result<std::pair<store::Transaction, json>> RecommendationService::StageFeedback(const Principal& who,
                                                                                  std::string_view body) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kSendFeedback));
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument("body: expected a JSON object");
  const std::string type = doc.value("type", "");
  if (type != "impression" && type != "click" && type != "conversion")
    return InvalidArgument("type: expected impression, click or conversion");
  if (!doc.contains("items") || !doc["items"].is_array() || doc["items"].empty() || doc["items"].size() > 100)
    return InvalidArgument("items: expected a list of 1 to 100 item ids");
  for (const auto& i : doc["items"])
    if (!i.is_string() || i.get_ref<const std::string&>().empty()) return InvalidArgument("items: expected item ids (strings)");
  const bool browser = who.role == Role::kWriteKey;
  const json* token_text = doc.contains("recommendation_id") ? &doc["recommendation_id"] : nullptr;
  if (token_text && !token_text->is_string()) return InvalidArgument("recommendation_id: expected the string a recommendation answered");
  if (browser && !token_text)
    return InvalidArgument("recommendation_id: required with the write key (send the one the recommendation answered)");
  const int64_t now = d_.env.NowMillis();

  // Whose feedback: the token's person (the only way with the write key), or
  // the subject the brand's back end names.
  std::optional<RecommendationToken> token;
  if (token_text) {
    ASSIGN_OR_RETURN(RecommendationToken t, ReadRecommendationToken(token_key_, token_text->get<std::string>(), now,
                                                                    kFeedbackTokenMaxAgeMs));
    for (const auto& i : doc["items"]) {
      if (std::find(t.items.begin(), t.items.end(), i.get<std::string>()) == t.items.end())
        return InvalidArgument("items: '" + i.get<std::string>() + "' was not part of that recommendation");
    }
    token = std::move(t);
  }
  std::optional<profile::Profile> person;
  if (token) {
    if (!token->profile_id.empty()) {
      auto found = reader_.Find("profile:" + token->profile_id);
      if (found.ok()) person = std::move(*found);
      else if (found.status().code() != Code::kNotFound) return found.status();
    }
  } else {
    if (!doc.contains("subject") || !doc["subject"].is_string()) return InvalidArgument("subject: required string");
    // A brand's back end reports on its own customers only.
    ASSIGN_OR_RETURN(profile::Profile p, reader_.Find(doc["subject"].get<std::string>(), who.brand));
    person = std::move(p);
  }
  const size_t n = doc["items"].size();
  // The write key learns nothing: not whether the person is known (or was
  // erased since), nor their id or holdout group.
  json reply = browser ? json{{"accepted", n}} : json{{"recorded", 0}};
  store::Transaction txn = d_.writer.Begin();
  if (!person) {
    if (!browser) reply = {{"recorded", 0}, {"reason", "the recommendation was for nobody known"}};
    return std::make_pair(std::move(txn), std::move(reply));
  }
  const std::string group = InHoldout(person->id) ? "holdout" : "personalized";
  int64_t recorded = 0;
  for (const auto& i : doc["items"]) {
    const std::string& item = i.get_ref<const std::string&>();
    // With a token, one record per (recommendation, type, item): a replay
    // rewrites it instead of adding to the frequency cap or the totals.
    const std::string key =
        token ? profile::FeedbackKey(person->id, token->issued_ms, Fnv1a64(token->nonce + "/" + type + "/" + item))
              : profile::FeedbackKey(person->id, now, (feedback_seq_++ << 16) ^ Fnv1a64(item));
    if (token) {
      ASSIGN_OR_RETURN(std::optional<std::string> existing, txn.Get(key));
      if (existing) continue;
    }
    txn.Put(key, profile::EncodeFeedback({type, item, now, group, token ? token->nonce : std::string()}));
    ++recorded;
  }
  if (recorded > 0) {
    const std::string counter = group + "/" + type;
    feedback_totals_[counter] += recorded;
    txn.Put(std::string(kFeedbackCounterPrefix) + counter, std::to_string(feedback_totals_[counter]));
  }
  if (!browser) reply = {{"recorded", recorded}, {"profile_id", person->id}, {"group", group}};
  return std::make_pair(std::move(txn), std::move(reply));
}

Result<json> RecommendationService::UpsertCatalog(const Principal& who, std::string_view body) {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kWriteCatalog));
  ASSIGN_OR_RETURN(std::vector<ItemInfo> items, ParseCatalogItems(body));
  for (size_t i = 0; i < items.size(); ++i) {
    for (const auto& brand : items[i].brands) {
      if (!d_.config.declaration.FindBrand(brand))
        return InvalidArgument("items[" + std::to_string(i) + "].brands: no brand '" + brand.substr(0, 64) +
                               "' is declared");
    }
  }
  const size_t n = items.size();
  RETURN_IF_ERROR(catalog_.Upsert(d_.store, std::move(items)));
  if (d_.cluster) {
    // The other nodes read it again; a lost notice only delays that to their next lease.
    if (Status st = d_.cluster->Notify("catalog", ""); !st.ok()) spdlog::warn("catalogue notice: {}", st.message());
  }
  return json{{"upserted", n}, {"catalog_size", catalog_.size()}};
}

Result<json> RecommendationService::Stats(const Principal& who) const {
  RETURN_IF_ERROR(Access::Authorize(who, Operation::kReadRecsStats));
  std::map<std::string, std::map<std::string, int64_t>> counts;
  // As committed, with what other nodes on a shared database counted.
  ASSIGN_OR_RETURN(const auto totals, store::ScanCounters(d_.store, std::string(kFeedbackCounterPrefix)));
  for (const auto& [key, n] : totals) {
    const size_t slash = key.find('/');
    counts[key.substr(0, slash)][key.substr(slash + 1)] = n;
  }
  json groups = json::object();
  std::map<std::string, double> ctr, cvr;
  for (const char* g : {"personalized", "holdout"}) {
    auto& c = counts[g];
    const double imp = static_cast<double>(c["impression"]);
    ctr[g] = imp > 0 ? c["click"] / imp : 0;
    cvr[g] = imp > 0 ? c["conversion"] / imp : 0;
    groups[g] = {{"impressions", c["impression"]}, {"clicks", c["click"]}, {"conversions", c["conversion"]},
                 {"click_rate", ctr[g]}, {"conversion_rate", cvr[g]}};
  }
  auto uplift = [](double a, double b) { return b > 0 ? json(a / b - 1.0) : json(nullptr); };
  auto model = this->model();
  json m = model ? json{{"version", model->version}, {"items", model->items.size()}, {"subjects", model->subjects},
                        {"interactions", model->interactions}, {"train_seconds", model->train_seconds},
                        {"approximate_top_k", model->ann != nullptr}}
                 : json(nullptr);
  json quality;
  {
    std::lock_guard lock(quality_mu_);
    quality = offline_quality_;
  }
  return json{{"groups", groups},
              {"offline_quality", std::move(quality)},
              {"holdout_share", d_.config.recommendations.holdout_share},
              {"click_uplift", uplift(ctr["personalized"], ctr["holdout"])},
              {"conversion_uplift", uplift(cvr["personalized"], cvr["holdout"])},
              {"model", m},
              {"catalog_items", catalog_.size()}};
}

}  // namespace shinrai::service
