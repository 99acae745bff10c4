#include "transparency/data_report.h"

#include <map>
#include <set>

namespace shinrai::transparency {

namespace {

nlohmann::json Recipients(const schema::Declaration& d, const std::string& lang, const std::set<std::string>& purposes) {
  std::set<std::string> out;
  for (const auto& id : purposes) {
    auto it = d.purposes.find(id);
    if (it == d.purposes.end()) continue;
    for (const auto& r : it->second.recipients) out.insert(d.Text(lang, "recipients." + r, r));
  }
  return std::vector<std::string>(out.begin(), out.end());
}

}  // namespace

nlohmann::json DataReport(const schema::Declaration& d, const nlohmann::json& export_doc, const std::string& lang,
                          const std::string& brand) {
  struct Group {
    int64_t count = 0;
    std::string first, last, kept_until;
    nlohmann::json retention;
    std::set<std::string> purposes;
    std::set<std::string> brands;
  };
  // What happened, where: one row per (event, channel), as people remember it.
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const auto& e : export_doc.value("events", nlohmann::json::array())) {
    const std::string what = e.contains("event") ? e["event"].get<std::string>() : e.value("type", "");
    Group& g = groups[{what, e.value("channel", "")}];
    ++g.count;
    const std::string at = e.value("timestamp", "");
    if (g.first.empty() || at < g.first) g.first = at;
    if (at > g.last) g.last = at;
    const std::string until = e.value("kept_until", "");
    if (until > g.kept_until) g.kept_until = until;
    if (e.contains("retention")) g.retention = e["retention"];
    for (const auto& p : e.value("purposes", nlohmann::json::array())) g.purposes.insert(p.get<std::string>());
    if (e.contains("brand")) g.brands.insert(e["brand"].get<std::string>());
  }
  nlohmann::json held = nlohmann::json::array();
  for (const auto& [key, g] : groups) {
    std::vector<std::string> why;
    for (const auto& p : g.purposes) why.push_back(d.PurposeText(p, lang));
    nlohmann::json row = {{"what", key.first},   {"channel", key.second}, {"count", g.count},
                          {"first", g.first},    {"last", g.last},        {"purposes", why},
                          {"shared_with", Recipients(d, lang, g.purposes)}};
    if (!g.kept_until.empty()) row["kept_until"] = g.kept_until;
    else if (!g.retention.is_null()) row["retention"] = g.retention;
    if (!g.brands.empty()) row["brands"] = std::vector<std::string>(g.brands.begin(), g.brands.end());
    held.push_back(std::move(row));
  }
  nlohmann::json traits = nlohmann::json::array();
  for (const auto& t : export_doc.value("traits", nlohmann::json::array())) {
    std::set<std::string> ids;
    for (const auto& p : t.value("purposes", nlohmann::json::array())) ids.insert(p.get<std::string>());
    std::vector<std::string> why;
    for (const auto& p : ids) why.push_back(d.PurposeText(p, lang));
    traits.push_back({{"name", t.value("name", "")}, {"value", t.value("value", nlohmann::json())}, {"purposes", why},
                      {"retention", t.value("retention", nlohmann::json())}, {"shared_with", Recipients(d, lang, ids)}});
  }
  // Where personalization reaches the person: every profiling purpose, on
  // each channel where their choices allow it now.
  nlohmann::json personalization = nlohmann::json::array();
  nlohmann::json decisions = export_doc.contains("consent") ? export_doc["consent"].value("decisions", nlohmann::json::object())
                                                            : nlohmann::json::object();
  for (const auto& b : export_doc.value("brands", nlohmann::json::array())) {
    if (b.value("brand", "") == brand) decisions = b.value("decisions", nlohmann::json::object());
  }
  for (const auto& [id, p] : d.purposes) {
    if (!p.profiling || !decisions.contains(id)) continue;
    std::vector<std::string> where;
    for (const auto& [channel, dec] : decisions[id].items()) {
      if (channel != "*" && dec.value("allowed", false)) where.push_back(channel);
    }
    personalization.push_back({{"purpose", id}, {"description", d.PurposeText(id, lang)}, {"channels", where}});
  }
  return {{"held", held}, {"traits", traits}, {"personalization", personalization}};
}

}  // namespace shinrai::transparency
