// "Why am I seeing this?": PrivacyCenterService's answer for one
// recommendation, from the reasons its token kept when it was shown.
#include <future>

#include "consent/ledger.h"
#include "transparency/phrases.h"
#include "transparency/privacy_center_service.h"

namespace shinrai::service {

namespace {

// The body's recommendation_id, opened; InvalidArgument names what is wrong.
Result<RecommendationToken> TokenOf(const RecommendationService& recs, const nlohmann::json& req) {
  if (!req.contains("recommendation_id") || !req["recommendation_id"].is_string())
    return InvalidArgument("recommendation_id: expected the recommendation_id the recommendation came with");
  ASSIGN_OR_RETURN(RecommendationToken t, recs.ReadToken(req["recommendation_id"].get<std::string>()));
  if (t.reasons.size() != t.items.size())
    return InvalidArgument("recommendation_id: issued before explanations were kept; ask for a new recommendation");
  return t;
}

Result<nlohmann::json> ParseBody(std::string_view body, std::initializer_list<std::string_view> fields) {
  nlohmann::json req = nlohmann::json::parse(body, nullptr, false);
  if (req.is_discarded() || !req.is_object()) return InvalidArgument("the body must be a JSON object in UTF-8");
  for (const auto& [k, _] : req.items()) {
    if (std::find(fields.begin(), fields.end(), k) == fields.end()) {
      std::string expected;
      for (std::string_view f : fields) expected += (expected.empty() ? "" : ", ") + std::string(f);
      return InvalidArgument("unknown field '" + k + "' (expected " + expected + ")");
    }
  }
  return req;
}

std::string JoinWith(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

Result<nlohmann::json> PrivacyCenterService::Why(std::string_view body) {
  ASSIGN_OR_RETURN(nlohmann::json req, ParseBody(body, {"recommendation_id", "item", "lang"}));
  ASSIGN_OR_RETURN(RecommendationToken t, TokenOf(recs_, req));
  if (req.contains("item") && (!req["item"].is_string() || req["item"].get<std::string>().empty()))
    return InvalidArgument("item: expected an item id of the recommendation (leave it out for every item)");
  if (req.contains("lang") && !req["lang"].is_string()) return InvalidArgument("lang: expected a language code");
  const std::string lang = req.value("lang", "en");
  ASSIGN_OR_RETURN(const nlohmann::json strings, transparency::LanguageStrings(lang));
  const std::string only = req.value("item", "");
  if (!only.empty() && std::find(t.items.begin(), t.items.end(), only) == t.items.end())
    return InvalidArgument("item: '" + only.substr(0, 64) + "' was not in this recommendation");

  const schema::Declaration& d = d_.config.declaration;
  const std::string sep = strings.value("list_separator", ", ");
  const auto name_of = [&](const std::string& item) {
    auto info = recs_.catalog().Find(item);
    return info && !info->name.empty() ? info->name : item;
  };
  nlohmann::json items = nlohmann::json::array();
  bool personal = false;
  for (size_t i = 0; i < t.items.size(); ++i) {
    if (!only.empty() && t.items[i] != only) continue;
    const ItemReason& r = t.reasons[i];
    std::map<std::string, std::string> values = {{"item", name_of(t.items[i])}};
    nlohmann::json past = nlohmann::json::array();
    std::vector<std::string> past_names;
    for (const auto& p : r.past) {
      past.push_back({{"item", p}, {"name", name_of(p)}});
      past_names.push_back(name_of(p));
    }
    std::string phrase = "why_popular";
    if (r.source == "collaborative") {
      personal = true;
      phrase = past_names.empty() ? "why_collaborative_general" : "why_collaborative";
      values["past"] = JoinWith(past_names, sep);
    } else if (r.source == "contextual") {
      phrase = "why_contextual";
      values["context"] = name_of(r.context);
    }
    items.push_back({{"item", t.items[i]},
                     {"name", values["item"]},
                     {"source", r.source},
                     {"past_items", std::move(past)},
                     {"text", transparency::Phrase(strings, phrase, values)}});
  }

  const std::string& purpose = d_.config.recommendations.purpose;
  const std::string channel_name = strings.value("channel", nlohmann::json::object()).value(t.channel, t.channel);
  nlohmann::json categories = nlohmann::json::array();
  std::vector<std::string> category_names;
  for (const auto& c : t.categories_used) {
    categories.push_back({{"id", c}, {"name", d.CategoryText(c, lang)}});
    category_names.push_back(d.CategoryText(c, lang));
  }
  nlohmann::json reply = {
      {"title", transparency::Phrase(strings, "why_title")},
      {"items", std::move(items)},
      {"personalized", personal},
      {"data_categories", personal ? std::move(categories) : nlohmann::json::array()},
      {"data_used", personal ? transparency::Phrase(strings, "why_data_used",
                                                    {{"categories", JoinWith(category_names, sep)},
                                                     {"purpose", d.PurposeText(purpose, lang)}})
                             : transparency::Phrase(strings, "why_no_data")},
      {"switch", nullptr}};
  if (t.profile_id.empty()) return reply;  // made for nobody known: nothing to turn off
  // Everything above is what the recommendation itself said when it was
  // shown: nothing about the person is read from the store, so whoever holds
  // the id learns nothing the page did not already show (not even their
  // consent now). Only that they are still held: after an erasure, nothing.
  RETURN_IF_ERROR(StillHeld({t.profile_id, t.brand}));
  const std::map<std::string, std::string> on_channel = {{"channel", channel_name}};
  reply["switch"] = {{"purpose", purpose},
                     {"purpose_name", d.PurposeText(purpose, lang)},
                     {"channel", t.channel},
                     {"label", transparency::Phrase(strings, "why_switch_label", on_channel)},
                     {"text", transparency::Phrase(strings, "why_switch_text", on_channel)},
                     {"off_text", transparency::Phrase(strings, "why_switch_off", on_channel)}};
  return reply;
}

void PrivacyCenterService::TurnOff(std::string_view body, Done done) {
  auto req = ParseBody(body, {"recommendation_id"});
  if (!req.ok()) return done(req.status());
  auto t = TokenOf(recs_, *req);
  if (!t.ok()) return done(t.status());
  if (t->profile_id.empty())
    return done(InvalidArgument("recommendation_id: it used nothing about anyone, so there is nothing to turn off"));
  if (Status held = StillHeld({t->profile_id, t->brand}); !held.ok()) return done(held);
  const std::string& purpose = d_.config.recommendations.purpose;
  // Withdrawn when it was granted, as the privacy center's own toggles say.
  auto state = consent::ConsentLedger(&d_.store).State(t->profile_id);
  if (!state.ok()) return done(state.status());
  const consent::ConsentRecord* now = state->Find(purpose, t->channel, t->brand);
  const bool granted = now && now->status == consent::ConsentStatus::kGranted;
  if (now && !granted) return done(nlohmann::json{{"turned_off", true}, {"recorded", 0}});  // off already
  // The answer says it is off and no more: the consent service's reply
  // (the person's id and every choice) is not for whoever holds the id.
  RecordChoice(t->profile_id, t->brand,
               nlohmann::json::array({{{"purpose", purpose},
                                       {"channel", t->channel},
                                       {"status", granted ? "withdrawn" : "denied"}}}),
               [done = std::move(done)](Result<nlohmann::json> r) {
                 if (!r.ok()) return done(r.status());
                 done(nlohmann::json{{"turned_off", true}, {"recorded", r->value("recorded", 0)}});
               },
               "why am I seeing this? (the person, through their recommendation)");
}

}  // namespace shinrai::service
