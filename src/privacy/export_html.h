// The human-readable rendering of an access request's export: the same
// content as the JSON, laid out for the person it is about.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace shinrai::service {

// `record`: a rights request record with its "export".
std::string RenderExportHtml(const nlohmann::json& record);

}  // namespace shinrai::service
