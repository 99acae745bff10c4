#include "schema/retention_rules.h"

#include <algorithm>

namespace shinrai::schema {

int64_t EventRetentionSeconds(const Declaration& d, std::string_view event_name) {
  const EventSpec* spec = d.FindEvent(event_name);
  return spec ? spec->retention_seconds : 0;
}

int64_t TraitCallRetentionSeconds(const FieldMap& traits_declared, const nlohmann::json& traits) {
  int64_t longest = 0;
  if (!traits.is_object()) return longest;
  for (const auto& [name, _] : traits.items()) {
    if (auto f = traits_declared.find(name); f != traits_declared.end())
      longest = std::max(longest, f->second.retention_seconds);
  }
  return longest;
}

bool TraitOverdue(const Declaration& d, std::string_view name, int64_t updated_ms, int64_t now_ms) {
  auto f = d.traits.find(name);
  return f != d.traits.end() && f->second.retention_seconds > 0 &&
         updated_ms + f->second.retention_seconds * 1000 < now_ms;
}

}  // namespace shinrai::schema
