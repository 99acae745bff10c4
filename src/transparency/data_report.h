// The per-person data report: what is held about someone, from which channel
// and when, for which purpose, kept until when, shared with whom, and where
// personalization reaches them. Built from the access export (the same data,
// grouped the way a person asks about it), in the notice's language.
//
// Thread-safety: a pure function.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "schema/declaration.h"

namespace shinrai::transparency {

// `brand`: whose choices say where personalization reaches them ("*": the group's).
nlohmann::json DataReport(const schema::Declaration& d, const nlohmann::json& export_doc, const std::string& lang,
                          const std::string& brand);

}  // namespace shinrai::transparency
