// Privacy notices generated from the declaration: a short layered notice
// (one screen: what we collect, why, for how long, who receives it, your
// choices) and the full notice, per brand, in each language that has
// templates under web/notices/<lang>/ (short.html, full.html, strings.json).
// The content is built here from the declaration; every sentence people
// read is in the templates, never in code. Its version is the declaration's
// notice version (schema/notice_relevant.h), which consent records cite.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "schema/declaration.h"

namespace shinrai::transparency {

struct NoticeRequest {
  std::string layer = "short";  // "short" | "full"
  std::string lang = "en";      // a language under web/notices/
  std::string brand;            // a declared brand; "": the default one (or the organisation)
};

// The languages that have notice templates ("en", "ja").
std::vector<std::string> NoticeLanguages();

// Checks the request against the declaration and the templates: an unknown
// layer, language or brand is InvalidArgument naming what exists.
Status CheckNoticeRequest(const schema::Declaration& d, const NoticeRequest& r);

// What the notice says, in the request's language (the JSON answer, and what
// the template renders).
Result<nlohmann::json> NoticeContent(const schema::Declaration& d, const NoticeRequest& r);

// The notice as an HTML page.
Result<std::string> RenderNoticeHtml(const nlohmann::json& content);

}  // namespace shinrai::transparency
