#include "transparency/phrases.h"

#include <kainjow/mustache.hpp>

#include "transparency/web_assets.h"

namespace shinrai::transparency {

Result<nlohmann::json> LanguageStrings(std::string_view lang) {
  const std::string path = "notices/" + std::string(lang) + "/strings.json";
  auto text = WebAsset(path);
  if (!text) return InvalidArgument("lang: no phrases in '" + std::string(lang) + "'");
  nlohmann::json strings = nlohmann::json::parse(*text, nullptr, false);
  if (!strings.is_object()) return Internal("web/" + path + " is not a JSON object");
  return strings;
}

std::string Phrase(const nlohmann::json& strings, const std::string& key,
                   const std::map<std::string, std::string>& values) {
  namespace mu = kainjow::mustache;
  mu::mustache t(strings.value(key, key));
  if (!t.is_valid()) return key;
  // Plain text: whoever shows it as HTML escapes it there, once.
  t.set_custom_escape([](const std::string& s) { return s; });
  mu::data data{mu::data::type::object};
  for (const auto& [name, value] : values) data.set(name, value);
  return t.render(data);
}

}  // namespace shinrai::transparency
