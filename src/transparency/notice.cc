#include "transparency/notice.h"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "transparency/phrases.h"
#include "transparency/web_assets.h"

namespace shinrai::transparency {

namespace {

namespace mu = kainjow::mustache;

const std::vector<std::string>& Languages() {
  static const std::vector<std::string> kLanguages = [] {
    std::vector<std::string> out;
    for (const char* lang : {"en", "ja"}) {
      const std::string dir = std::string("notices/") + lang + "/";
      if (WebAsset(dir + "short.html") && WebAsset(dir + "full.html") && WebAsset(dir + "strings.json"))
        out.push_back(lang);
    }
    return out;
  }();
  return kLanguages;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string RetentionText(const nlohmann::json& strings, int64_t seconds) {
  if (seconds <= 0) return strings.value("retention_open", "");
  const int64_t days = seconds / 86400;
  if (days == 365) return strings.value("retention_one_year", "");
  if (days >= 365 && days % 365 == 0) return Phrase(strings, "retention_years", {{"years", std::to_string(days / 365)}});
  return Phrase(strings, "retention_days", {{"days", std::to_string(std::max<int64_t>(days, 1))}});
}

// What the declaration collects, walked once: per category, the purposes it
// serves and the longest it is kept; per purpose, the categories it uses.
struct Inventory {
  std::map<std::string, std::set<std::string>> purposes_of_category;
  std::map<std::string, int64_t> retention_of_category;
  std::map<std::string, std::set<std::string>> categories_of_purpose;
  std::map<std::string, int64_t> retention_of_purpose;

  void Add(const std::string& category, const std::vector<std::string>& purposes, int64_t retention) {
    if (category.empty()) return;
    int64_t& kept = retention_of_category[category];
    kept = std::max(kept, retention);
    for (const auto& p : purposes) {
      purposes_of_category[category].insert(p);
      categories_of_purpose[p].insert(category);
      int64_t& longest = retention_of_purpose[p];
      longest = std::max(longest, retention);
    }
  }
  void AddFields(const schema::FieldMap& fields) {
    for (const auto& [_, f] : fields) {
      Add(f.category, f.purposes, f.retention_seconds);
      AddFields(f.fields);
      if (f.items) AddFields(f.items->fields);
    }
  }
};

Inventory TakeInventory(const schema::Declaration& d) {
  Inventory inv;
  inv.AddFields(d.traits);
  inv.AddFields(d.group_traits);
  inv.AddFields(d.context);
  inv.AddFields(d.common_properties);
  for (const auto& [_, e] : d.events) {
    inv.Add(e.category, e.purposes, e.retention_seconds);
    inv.AddFields(e.properties);
  }
  return inv;
}

// "a, b and c" is the template's to write; a list joined by the language's
// separator is enough for the lists inside a sentence.
std::string JoinText(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : separator) + s;
  return out;
}

mu::data ToMustache(const nlohmann::json& j) {
  if (j.is_object()) {
    mu::data out{mu::data::type::object};
    for (const auto& [k, v] : j.items()) out.set(k, ToMustache(v));
    return out;
  }
  if (j.is_array()) {
    mu::data out{mu::data::type::list};
    for (const auto& v : j) out.push_back(ToMustache(v));
    return out;
  }
  if (j.is_boolean()) return mu::data(j.get<bool>());
  if (j.is_string()) return mu::data(j.get<std::string>());
  if (j.is_null()) return mu::data(false);
  return mu::data(j.dump());
}

}  // namespace

std::vector<std::string> NoticeLanguages() { return Languages(); }

Status CheckNoticeRequest(const schema::Declaration& d, const NoticeRequest& r) {
  if (r.layer != "short" && r.layer != "full") return InvalidArgument("layer: expected short or full");
  const auto& langs = Languages();
  if (std::find(langs.begin(), langs.end(), r.lang) == langs.end())
    return InvalidArgument("lang: expected one of " + Join(langs));
  if (!r.brand.empty() && !d.FindBrand(r.brand)) {
    std::vector<std::string> ids;
    for (const auto& [id, _] : d.brands) ids.push_back(id);
    return InvalidArgument(d.brands.empty() ? "brand: no brands are declared"
                                            : "brand: expected one of " + Join(ids));
  }
  return Status::Ok();
}

Result<nlohmann::json> NoticeContent(const schema::Declaration& d, const NoticeRequest& r) {
  RETURN_IF_ERROR(CheckNoticeRequest(d, r));
  ASSIGN_OR_RETURN(const nlohmann::json strings, LanguageStrings(r.lang));
  const schema::Brand* brand = d.FindBrand(r.brand.empty() ? d.default_brand : r.brand);
  const auto runs = [&](const std::string& purpose) { return !brand || brand->Runs(purpose); };
  const Inventory inv = TakeInventory(d);
  const std::string& lang = r.lang;
  const std::string sep = strings.value("list_separator", ", ");
  const auto recipient_text = [&](const std::string& name) { return d.Text(lang, "recipients." + name, name); };

  nlohmann::json purposes = nlohmann::json::array();
  std::set<std::string> recipients;
  nlohmann::json consent_choices = nlohmann::json::array();
  for (const auto& [id, p] : d.purposes) {
    if (!runs(id)) continue;
    const std::string basis(schema::LegalBasisName(p.legal_basis));
    std::vector<std::string> categories;
    if (auto it = inv.categories_of_purpose.find(id); it != inv.categories_of_purpose.end()) {
      for (const auto& c : it->second) categories.push_back(d.CategoryText(c, lang));
    }
    std::vector<std::string> shared_with;
    for (const auto& name : p.recipients) shared_with.push_back(recipient_text(name));
    auto kept = inv.retention_of_purpose.find(id);
    purposes.push_back({{"id", id},
                        {"description", d.PurposeText(id, lang)},
                        {"legal_basis", basis},
                        {"basis", strings["legal_basis"].value(basis, basis)},
                        {"choice", strings["choice"].value(basis, "")},
                        {"profiling", p.profiling},
                        {"recipients", shared_with},
                        {"recipients_text", JoinText(shared_with, sep)},
                        {"has_recipients", !shared_with.empty()},
                        {"categories", categories},
                        {"categories_text", JoinText(categories, sep)},
                        {"retention", RetentionText(strings, kept == inv.retention_of_purpose.end() ? 0 : kept->second)}});
    for (const auto& name : shared_with) recipients.insert(name);
    if (p.legal_basis == schema::LegalBasis::kConsent)
      consent_choices.push_back({{"purpose", id}, {"description", d.PurposeText(id, lang)}});
  }

  nlohmann::json collect = nlohmann::json::array();
  for (const auto& [id, c] : d.categories) {
    auto used = inv.purposes_of_category.find(id);
    if (used == inv.purposes_of_category.end()) continue;
    std::vector<std::string> why;
    for (const auto& p : used->second)
      if (runs(p)) why.push_back(d.PurposeText(p, lang));
    if (why.empty()) continue;
    collect.push_back({{"category", id},
                       {"description", d.CategoryText(id, lang)},
                       {"sensitive", c.sensitive},
                       {"purposes", why},
                       {"purposes_text", JoinText(why, sep)},
                       {"retention", RetentionText(strings, inv.retention_of_category.at(id))}});
  }

  nlohmann::json channels = nlohmann::json::array();
  for (const auto& ch : d.channels) channels.push_back({{"id", ch}, {"name", strings["channel"].value(ch, ch)}});
  std::vector<std::string> gpc;
  for (const auto& p : d.consent.gpc_denies)
    if (runs(p)) gpc.push_back(d.PurposeText(p, lang));
  std::set<std::string> never_seen;
  nlohmann::json never = nlohmann::json::array();
  for (const auto& f : d.forbidden)
    if (!f.reason.empty() && never_seen.insert(f.reason).second) never.push_back(d.Text(lang, "forbidden." + f.reason, f.reason));

  const std::string brand_query = r.brand.empty() ? "" : "&brand=" + r.brand;
  nlohmann::json languages = nlohmann::json::array();
  for (const auto& lang : Languages()) {
    languages.push_back({{"lang", lang}, {"name", lang == "ja" ? "日本語" : "English"}, {"current", lang == r.lang},
                         {"href", "?layer=" + r.layer + "&lang=" + lang + brand_query}});
  }
  nlohmann::json out = {
      {"format", "shinrai-notice/1"},
      {"version", d.consent.notice_version},
      {"layer", r.layer},
      {"lang", r.lang},
      {"languages", languages},
      {"controller", {{"name", brand ? brand->controller : d.controller.name},
                      {"contact", brand ? brand->contact : d.controller.contact}}},
      {"collect", collect},
      {"purposes", purposes},
      {"recipients", std::vector<std::string>(recipients.begin(), recipients.end())},
      {"has_recipients", !recipients.empty()},
      {"consent_choices", consent_choices},
      {"channels", channels},
      {"gpc", gpc},
      {"gpc_text", JoinText(gpc, sep)},
      {"has_gpc", !gpc.empty()},
      {"never_collected", never},
      {"other_layer_href", "?layer=" + std::string(r.layer == "short" ? "full" : "short") + "&lang=" + r.lang + brand_query}};
  if (brand) out["brand"] = {{"id", brand->id}, {"name", brand->name}};
  return out;
}

Result<std::string> RenderNoticeHtml(const nlohmann::json& content) {
  const std::string path = "notices/" + content.value("lang", "") + "/" + content.value("layer", "") + ".html";
  std::optional<std::string_view> text = WebAsset(path);
  if (!text) return NotFound("no template web/" + path);
  mu::mustache tmpl{std::string(*text)};
  if (!tmpl.is_valid()) return Internal("web/" + path + ": " + tmpl.error_message());
  mu::data model = ToMustache(content);
  // One style sheet for every notice: the page's only inline style, which
  // its Content-Security-Policy allows by hash.
  const std::string css(WebAsset("notices/notice.css").value_or(""));
  model.set("style", mu::partial([css] { return css; }));
  return tmpl.render(model);
}

}  // namespace shinrai::transparency
