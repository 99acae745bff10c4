#include "core/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>

#include "core/time_format.h"

namespace shinrai::logging {

namespace {

std::atomic<bool> json_format{false};

// Marks a message whose payload is a JSON object of fields (from Event).
constexpr char kFields = '\x1e';

// Renders each record as one JSON object: time, level, then the fields of a
// structured event, or "message" for a plain one.
class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::ordered_json line = nlohmann::ordered_json::object();  // time, level, then the rest
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch()).count();
    line["time"] = FormatIso8601Millis(ms);
    line["level"] = std::string(spdlog::level::to_string_view(msg.level).data(),
                                spdlog::level::to_string_view(msg.level).size());
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    nlohmann::json fields;
    if (!payload.empty() && payload.front() == kFields) fields = nlohmann::json::parse(payload.substr(1), nullptr, false);
    if (fields.is_object()) {
      for (auto& [k, v] : fields.items()) line[k] = v;
    } else {
      line["message"] = std::string(payload);
    }
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

std::string TextOf(std::string_view event, const nlohmann::json& fields) {
  std::string out(event);
  for (const auto& [k, v] : fields.items()) {
    if (k == "event") continue;
    out += " " + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return out;
}

}  // namespace

Status Configure(std::string_view format, std::string_view level) {
  if (format != "text" && format != "json") return InvalidArgument("log format: expected text or json");
  const auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off")
    return InvalidArgument("log level: expected trace, debug, info, warn, error or off");
  auto logger = spdlog::default_logger();
  if (format == "json") logger->set_formatter(std::make_unique<JsonFormatter>());
  logger->set_level(lvl);
  json_format = format == "json";
  return Status::Ok();
}

bool Json() { return json_format; }

void Event(std::string_view event, const nlohmann::json& fields, Level level) {
  const auto lvl = level == Level::kError ? spdlog::level::err
                   : level == Level::kWarn ? spdlog::level::warn
                                           : spdlog::level::info;
  if (!spdlog::should_log(lvl)) return;
  if (!json_format) return spdlog::log(lvl, "{}", TextOf(event, fields));
  nlohmann::json all = {{"event", event}};
  for (const auto& [k, v] : fields.items()) all[k] = v;
  spdlog::log(lvl, "{}{}", kFields, all.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Access(std::string_view method, std::string_view route, int status, double millis, std::string_view key_id) {
  Event("request", {{"method", method}, {"route", route}, {"status", status},
                    {"ms", std::round(millis * 1000) / 1000}, {"key_id", key_id.empty() ? "-" : key_id}});
}

void ServerError(std::string_view method, std::string_view route, int status, std::string_view body,
                 std::string_view key_id) {
  const auto answer = nlohmann::json::parse(body, nullptr, false);
  const nlohmann::json* error = answer.is_object() && answer.contains("error") ? &answer["error"] : nullptr;
  auto field = [error](const char* name) {
    return error && error->is_object() && error->contains(name) && (*error)[name].is_string()
               ? (*error)[name].get<std::string>()
               : std::string("-");
  };
  Event("request_failed", {{"method", method}, {"route", route}, {"status", status}, {"code", field("code")},
                           {"message", field("message")}, {"key_id", key_id.empty() ? "-" : key_id}},
        status == 503 ? Level::kWarn : Level::kError);  // 503: overload or storage down, counted in /metrics too
}

}  // namespace shinrai::logging
