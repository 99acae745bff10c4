// MessagePack encoding of JSON values: the compact binary form of stored
// records (events, profiles, consent records).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace shinrai {

inline std::string ToMsgpack(const nlohmann::json& j) {
  std::string out;
  nlohmann::json::to_msgpack(j, nlohmann::detail::output_adapter<char>(out));
  return out;
}

// nullopt unless `bytes` is one MessagePack-encoded JSON object.
inline std::optional<nlohmann::json> FromMsgpackObject(std::string_view bytes) {
  nlohmann::json j = nlohmann::json::from_msgpack(bytes.begin(), bytes.end(), true, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

}  // namespace shinrai
