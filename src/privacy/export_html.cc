#include "privacy/export_html.h"

#include "privacy/html_escape.h"

namespace shinrai::service {

namespace {

std::string Text(const nlohmann::json& v) {
  if (v.is_string()) return HtmlEscape(v.get<std::string>());
  if (v.is_null()) return "";
  if (v.is_array()) {
    std::string out;
    for (const auto& x : v) out += (out.empty() ? "" : ", ") + Text(x);
    return out;
  }
  return HtmlEscape(v.dump());
}

std::string Row(std::initializer_list<std::string> cells, const char* tag = "td") {
  std::string out = "<tr>";
  for (const auto& c : cells) out += std::string("<") + tag + ">" + c + "</" + tag + ">";
  return out + "</tr>\n";
}

}  // namespace

std::string RenderExportHtml(const nlohmann::json& record) {
  std::string h = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Your data</title>\n"
                  "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
                  "table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}td,th{border:1px solid #ccc;"
                  "padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f4f4}</style></head><body>\n";
  h += "<h1>The data we hold about you</h1>\n";
  h += "<p>Request " + Text(record.value("id", nlohmann::json())) + ", received " +
       Text(record.value("received_at", nlohmann::json())) + ", answered " +
       Text(record.value("completed_at", nlohmann::json())) + ".</p>\n";
  const nlohmann::json& e = record.contains("export") ? record["export"] : nlohmann::json();
  if (!e.is_object()) {
    h += "<p>We hold no data about you.</p></body></html>\n";
    return h;
  }
  const auto& ids = e["identities"];
  h += "<h2>How we know you</h2><table>\n";
  h += Row({"User id", Text(ids.value("user_id", nlohmann::json()))});
  h += Row({"E-mail addresses", Text(ids.value("emails", nlohmann::json()))});
  h += Row({"Phone numbers", Text(ids.value("phones", nlohmann::json()))});
  h += Row({"Device and browser ids", Text(ids.value("anonymous_ids", nlohmann::json()))});
  h += "</table>\n<h2>What you told us</h2><table>\n" +
       Row({"Field", "Value", "Category", "Why (purposes)", "Kept for"}, "th");
  for (const auto& t : e["traits"]) {
    h += Row({Text(t["name"]), Text(t["value"]), Text(t.value("category", nlohmann::json())),
              Text(t.value("purposes", nlohmann::json())), Text(t.value("retention", nlohmann::json()))});
  }
  h += "</table>\n<h2>What you did (" + std::to_string(e["events"].size()) + " events)</h2><table>\n" +
       Row({"When", "What", "Channel", "Why (purposes)", "Kept until", "Details"}, "th");
  for (const auto& ev : e["events"]) {
    h += Row({Text(ev.value("timestamp", nlohmann::json())),
              Text(ev.value("event", ev.value("type", nlohmann::json()))),
              Text(ev.value("channel", nlohmann::json())), Text(ev.value("purposes", nlohmann::json())),
              Text(ev.value("kept_until", nlohmann::json())),
              Text(ev.value("properties", nlohmann::json::object()))});
  }
  h += "</table>\n<h2>Your choices</h2><table>\n" + Row({"Purpose", "Allowed on", "Not allowed on"}, "th");
  for (const auto& [purpose, by_channel] : e["consent"]["decisions"].items()) {
    std::string yes, no;
    for (const auto& [channel, d] : by_channel.items()) {
      std::string& list = d["allowed"].get<bool>() ? yes : no;
      list += (list.empty() ? "" : ", ") + HtmlEscape(channel) + (d["allowed"].get<bool>() ? "" : " (" + Text(d["reason"]) + ")");
    }
    h += Row({HtmlEscape(purpose), yes, no});
  }
  h += "</table>\n<h2>Why we use data, and who receives it</h2><table>\n" +
       Row({"Purpose", "Legal basis", "Description", "Recipients"}, "th");
  for (const auto& p : e["purposes"]) {
    h += Row({Text(p["id"]), Text(p.value("legal_basis", nlohmann::json())),
              Text(p.value("description", nlohmann::json())),
              p.value("recipients", nlohmann::json::array()).empty() ? "nobody outside the company"
                                                                      : Text(p["recipients"])});
  }
  h += "</table>\n<p>The complete, machine-readable copy is the JSON version of this page.</p></body></html>\n";
  return h;
}

}  // namespace shinrai::service
