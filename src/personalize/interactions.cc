#include "personalize/interactions.h"

namespace shinrai::service {

void ExtractInteractions(const schema::Config& config, const profile::Event& e, std::vector<Interaction>* out) {
  if (e.type != profile::CallType::kTrack) return;
  for (const schema::InteractionSpec& spec : config.recommendations.interactions) {
    if (spec.event != e.name) continue;
    auto decl = config.declaration.events.find(e.name);
    const std::string category = decl == config.declaration.events.end() ? "" : decl->second.category;
    auto add = [&](const nlohmann::json& holder) {
      auto id = holder.find(spec.item_property);
      if (id == holder.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) return;
      out->push_back({id->get<std::string>(), static_cast<float>(spec.weight), spec.purchase, e.timestamp_ms, category,
                      e.channel, e.brand});
    };
    if (spec.list_property.empty()) {
      add(e.properties);
    } else if (auto list = e.properties.find(spec.list_property); list != e.properties.end() && list->is_array()) {
      for (const auto& element : *list)
        if (element.is_object()) add(element);
    }
  }
}

}  // namespace shinrai::service
