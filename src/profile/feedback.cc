#include "profile/feedback.h"

#include <nlohmann/json.hpp>

namespace shinrai::profile {

std::string EncodeFeedback(const FeedbackRecord& r) {
  return nlohmann::json{{"type", r.type}, {"item", r.item}, {"at", r.at_ms}, {"group", r.group},
                        {"recommendation_id", r.recommendation}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<FeedbackRecord> DecodeFeedback(std::string_view bytes) {
  const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, false);
  auto text = [&](const char* name) -> const std::string* {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  if (j.is_discarded() || !j.is_object() || !text("type") || !text("item") || !j.contains("at") ||
      !j["at"].is_number_integer())
    return Internal("a stored feedback record is damaged");
  FeedbackRecord r;
  r.type = *text("type");
  r.item = *text("item");
  r.at_ms = j["at"].get<int64_t>();
  if (const std::string* g = text("group")) r.group = *g;
  if (const std::string* id = text("recommendation_id")) r.recommendation = *id;
  return r;
}

}  // namespace shinrai::profile
