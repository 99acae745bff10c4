// The process's log, on standard error (standard output carries each
// command's result alone): text for a terminal, or one JSON object a line
// for a log shipper (`server.log_format: json`), at a chosen level.
//
// What may go in a log: route patterns, statuses, latencies, key ids,
// counts, reasons and errors. Never a person's identifier, trait, IP or a
// request path (it may name a person): tests/clients/log_privacy.test.mjs
// scans every log line of the client tests for what they sent.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "core/status.h"

namespace shinrai::logging {

// `format`: "text" or "json"; `level`: trace, debug, info, warn, error or off.
Status Configure(std::string_view format, std::string_view level);
bool Json();

enum class Level { kInfo, kWarn, kError };

// An event with fields: in JSON, the fields beside "event"; in text,
// "event k=v k=v".
void Event(std::string_view event, const nlohmann::json& fields, Level level = Level::kInfo);

// One answered request (the access log): the route pattern, never the path.
void Access(std::string_view method, std::string_view route, int status, double millis, std::string_view key_id);

// A 5xx answer, at error level (503, refused under load: warn), with what an operator needs to act: the
// route pattern, the status, and the error's code and message as the
// client got them (`body`, the answer's JSON).
void ServerError(std::string_view method, std::string_view route, int status, std::string_view body,
                 std::string_view key_id);

}  // namespace shinrai::logging
