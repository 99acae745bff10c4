#include "http/api.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/logging.h"
#include "core/metrics.h"
#include "core/utf8.h"
#include "http/encoding.h"
#include "http/html_headers.h"
#include "transparency/console_overview.h"
#include "transparency/notice.h"
#include "transparency/web_assets.h"

namespace shinrai::http {

namespace bhttp = boost::beast::http;
using nlohmann::json;

namespace {

// A transparent 1x1 GIF: what a tracking pixel in an e-mail answers.
Response Gif() {
  static const unsigned char kGif[] = {0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00,
                                       0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00,
                                       0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02,
                                       0x44, 0x01, 0x00, 0x3b};
  Response r;
  r.content_type = "image/gif";
  r.body.assign(reinterpret_cast<const char*>(kGif), sizeof kGif);
  r.headers = {{"Cache-Control", "no-store"}};  // every open is a request
  return r;
}

std::string_view HeaderOf(const Request& req, bhttp::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string_view() : std::string_view(it->value().data(), it->value().size());
}

// 200 with the JSON, or the error the service gave.
Response JsonOrError(const Result<json>& r, int status = 200) {
  return r.ok() ? JsonResponse(status, DumpJson(*r)) : ErrorResponse(r.status());
}

Response Html(std::string body) {
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.headers = HtmlPageHeaders(body);
  r.body = std::move(body);
  return r;
}

// The privacy center's link token, sent as `Authorization: Bearer pc1...`
// (read as every credential is).
std::string LinkToken(const Request& req) { return CredentialsOf(req).bearer_token; }

// A file of one of Shinrai's own pages ("privacy-center", "console"), by
// name; 404 for any other.
Response AppFile(std::string_view app, std::string_view name) {
  static const std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},   {".json", "application/json; charset=utf-8"}};
  if (name.empty()) name = "index.html";
  std::optional<std::string_view> body = transparency::WebAsset(std::string(app) + "/" + std::string(name));
  for (const auto& [ext, type] : kTypes) {
    if (!body || name.size() < ext.size() || name.substr(name.size() - ext.size()) != ext) continue;
    Response r;
    r.content_type = std::string(type);
    r.headers = AppFileHeaders();
    r.body = std::string(*body);
    return r;
  }
  return ErrorResponse(NotFound("no such file in /" + std::string(app) + "/"));
}

Response Redirect(std::string location) {
  Response r;
  r.status = 308;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

// Everything this layer echoes or hands on is text: a percent-decoded value
// that is not UTF-8 is refused here, naming what it was.
Result<std::string> DecodeText(std::string_view encoded, std::string_view what) {
  auto decoded = PercentDecode(encoded);
  if (!decoded) return InvalidArgument(std::string(what) + " is not correctly percent-encoded");
  if (!IsValidUtf8(*decoded)) return InvalidArgument(std::string(what) + " is not valid UTF-8 text");
  return *decoded;
}

// The value of `name` in a query string, percent-decoded; nullopt when absent.
Result<std::optional<std::string>> QueryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string value(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    std::replace(value.begin(), value.end(), '+', ' ');
    ASSIGN_OR_RETURN(std::string decoded, DecodeText(value, name));
    return std::optional<std::string>(std::move(decoded));
  }
  return std::optional<std::string>();
}

Result<std::string> QueryParamOr(std::string_view query, std::string_view name, std::string fallback) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, QueryParam(query, name));
  return v ? std::move(*v) : std::move(fallback);
}

Result<int> IntParam(std::string_view query, std::string_view name, int fallback) {
  ASSIGN_OR_RETURN(std::optional<std::string> v, QueryParam(query, name));
  if (!v) return fallback;
  int out = 0;
  auto r = std::from_chars(v->data(), v->data() + v->size(), out);
  if (r.ec != std::errc() || r.ptr != v->data() + v->size())
    return InvalidArgument(std::string(name) + ": expected a whole number, got '" + *v + "'");
  return out;
}

// json or html; anything else is named back.
Result<bool> WantsHtml(std::string_view query) {
  ASSIGN_OR_RETURN(std::string format, QueryParamOr(query, "format", "json"));
  if (format != "json" && format != "html")
    return InvalidArgument("format: expected json or html, got '" + format + "'");
  return format == "html";
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// The path's parameters when it matches `pattern` ("{name}" matches one
// non-empty segment), else nullopt. Parameters stay encoded here.
std::optional<std::vector<std::pair<std::string_view, std::string_view>>> Match(std::string_view pattern,
                                                                               std::string_view path) {
  const auto want = Segments(pattern), got = Segments(path);
  if (want.size() != got.size()) return std::nullopt;
  std::vector<std::pair<std::string_view, std::string_view>> params;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() > 2 && want[i].front() == '{' && want[i].back() == '}') {
      if (got[i].empty()) return std::nullopt;
      params.emplace_back(want[i].substr(1, want[i].size() - 2), got[i]);
    } else if (want[i] != got[i]) {
      return std::nullopt;
    }
  }
  return params;
}

void CountAnswer(const std::string& route, const std::string& method, int status,
                 std::chrono::steady_clock::duration took) {
  auto& m = metrics::Default();
  m.counter("shinrai_http_requests_total", "HTTP answers by route pattern, method and status",
            {{"route", route}, {"method", method}, {"status", std::to_string(status)}})
      .Inc();
  static const std::vector<double> kBuckets = metrics::LatencyBuckets();
  m.histogram("shinrai_http_request_duration_seconds", "Time from a request's dispatch to its answer, by route pattern",
              kBuckets, {{"route", route}})
      .Observe(std::chrono::duration<double>(took).count());
  if (status == 429) m.counter("shinrai_http_rate_limited_total", "Requests refused over a key's rate limit").Inc();
  if (status == 503) m.counter("shinrai_http_unavailable_total", "Requests answered 503 (storage down, overload)").Inc();
}

Response MetricsExposition() {
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics::Default().Render();
  return r;
}

Status ForeignOrigin(std::string_view origin) {
  const std::string named = IsValidUtf8(origin) && origin.size() <= 200 ? " '" + std::string(origin) + "'" : "";
  return PermissionDenied("pages from the origin" + named +
                          " may not call Shinrai: add it to server.allowed_origins in the configuration");
}

std::string MethodsText(const std::vector<bhttp::verb>& methods) {
  std::string out;
  for (size_t i = 0; i < methods.size(); ++i) {
    if (i) out += i + 1 == methods.size() ? " or " : ", ";
    out += std::string(bhttp::to_string(methods[i]));
  }
  return out;
}

}  // namespace

// One request on its way through a route: what the dispatcher resolved.
struct Api::Call {
  Request& req;
  std::vector<std::string> params;  // percent-decoded, UTF-8, in the pattern's order
  std::string_view query;
  service::Principal who;
  std::string cors_origin;  // the page's origin, allowed: its answers say it may read them
  Respond respond;
  bool personal = false;  // answers an API key: may carry people's data, never cached

  void Reply(Response r) const {
    if (personal && std::none_of(r.headers.begin(), r.headers.end(), [](const auto& h) { return h.first == "Cache-Control"; }))
      r.headers.emplace_back("Cache-Control", "no-store");
    if (std::none_of(r.headers.begin(), r.headers.end(), [](const auto& h) { return h.first == "X-Content-Type-Options"; }))
      r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (!cors_origin.empty()) CorsPolicy::Allow(r, cors_origin);
    respond(std::move(r));
  }
  void Json(const Result<json>& r, int status = 200) const { Reply(JsonOrError(r, status)); }
  // Answers a failed step; true when it failed.
  bool Failed(const Status& s) const {
    if (s.ok()) return false;
    Reply(ErrorResponse(s));
    return true;
  }
};

struct Api::Route {
  bhttp::verb method;
  std::string_view pattern;  // "/v1/profiles/{the profile id}"
  bool authenticate;         // false: public, or the service authenticates (collection reads the body's writeKey)
  bool browser;              // called from web pages: preflight answered, CORS headers on every answer
  void (*handle)(Api& api, const Call& call);
  // Answers a person's own data without an API key (their privacy-center
  // link): never cached, like every API key's answer.
  bool personal = false;
};

const std::vector<Api::Route>& Api::Routes() {
  using V = bhttp::verb;
  static const std::vector<Route> kRoutes = {
      {V::get, "/healthz", false, false, [](Api&, const Call& c) { c.Reply(JsonResponse(200, R"({"status":"ok"})")); }},
      {V::get, "/readyz", false, false, [](Api& a, const Call& c) { a.Ready(c); }},
      {V::get, "/metrics", true, false, [](Api&, const Call& c) {
         if (!c.Failed(service::Access::Authorize(c.who, service::Operation::kReadMetrics))) c.Reply(MetricsExposition());
       }},
      {V::post, "/v1/identify", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kIdentify); }},
      {V::post, "/v1/track", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kTrack); }},
      {V::post, "/v1/page", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kPage); }},
      {V::post, "/v1/screen", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kScreen); }},
      {V::post, "/v1/group", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kGroup); }},
      {V::post, "/v1/alias", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kAlias); }},
      {V::post, "/v1/batch", false, true, [](Api& a, const Call& c) { a.Collect(c, std::nullopt); }},
      // The short paths of Segment's browser SDK (analytics.js 2.0).
      {V::post, "/v1/i", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kIdentify); }},
      {V::post, "/v1/t", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kTrack); }},
      {V::post, "/v1/p", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kPage); }},
      {V::post, "/v1/s", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kScreen); }},
      {V::post, "/v1/g", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kGroup); }},
      {V::post, "/v1/a", false, true, [](Api& a, const Call& c) { a.Collect(c, profile::CallType::kAlias); }},
      {V::post, "/v1/b", false, true, [](Api& a, const Call& c) { a.Collect(c, std::nullopt); }},
      // RudderStack's browser SDK on page hide: navigator.sendBeacon, the write key in the query.
      {V::post, "/beacon/v1/batch", false, true, [](Api& a, const Call& c) { a.Collect(c, std::nullopt); }},
      // Segment's SDK reports its own call counts here; nothing in it is about anyone, and nothing is kept.
      {V::post, "/v1/m", false, true, [](Api&, const Call& c) { c.Reply(JsonResponse(200, R"({"success":true})")); }},
      // E-mail opens and clicks: Segment's tracking pixel.
      {V::get, "/v1/pixel/{the call type}", false, false, [](Api& a, const Call& c) { a.Pixel(c); }},
      {V::post, "/v1/import", false, true, [](Api& a, const Call& c) { a.Collect(c, std::nullopt); }},
      {V::get, "/v1/profiles/{the profile id}", true, false, [](Api& a, const Call& c) { a.GetProfile(c); }},
      {V::get, "/v1/consent/{the subject}", true, false, [](Api& a, const Call& c) {
         auto brand = QueryParamOr(c.query, "brand", "");
         if (!c.Failed(brand.status())) c.Json(a.d_.consent->State(c.who, c.params[0], *brand));
       }},
      {V::put, "/v1/consent/{the subject}", true, false, [](Api& a, const Call& c) { a.ChangeConsent(c); }},
      {V::get, "/v1/consent/{the subject}/history", true, false,
       [](Api& a, const Call& c) {
         auto brand = QueryParamOr(c.query, "brand", "");
         if (!c.Failed(brand.status())) c.Json(a.d_.consent->History(c.who, c.params[0], *brand));
       }},
      {V::get, "/v1/stats/collection", true, false, [](Api& a, const Call& c) { a.GetStats(c); }},
      {V::get, "/v1/recommendations/{the subject}", true, true, [](Api& a, const Call& c) { a.Recommend(c); }},
      {V::get, "/v1/items/{the item id}/similar", true, true, [](Api& a, const Call& c) {
         auto n = IntParam(c.query, "n", 10);
         if (!c.Failed(n.status())) c.Json(a.d_.recs->Similar(c.who, c.params[0], *n));
       }},
      {V::post, "/v1/items", true, true,
       [](Api& a, const Call& c) { c.Json(a.d_.recs->UpsertCatalog(c.who, c.req.body())); }},
      {V::post, "/v1/feedback", true, true, [](Api& a, const Call& c) {
         // Answered once the records are durable, without holding an I/O thread meanwhile.
         a.d_.recs->Feedback(c.who, c.req.body(), [c](Result<json> r) { c.Json(r); });
       }},
      {V::post, "/v1/models/train", true, true, [](Api& a, const Call& c) { c.Json(a.d_.recs->TrainNow(c.who)); }},
      {V::get, "/v1/stats/recommendations", true, true, [](Api& a, const Call& c) { c.Json(a.d_.recs->Stats(c.who)); }},
      {V::get, "/v1/audit/report", true, false, [](Api& a, const Call& c) { a.AuditReport(c); }},
      {V::post, "/v1/rights/requests", true, false,
       [](Api& a, const Call& c) { c.Json(a.d_.rights->Create(c.who, c.req.body()), 201); }},
      {V::get, "/v1/rights/requests/{the request id}", true, false, [](Api& a, const Call& c) { a.GetRightsRequest(c); }},
  };
  static const std::vector<Route> kAll = [] {
    std::vector<Route> all = kRoutes;
    for (Route& r : TransparencyRoutes()) all.push_back(std::move(r));
    return all;
  }();
  return kAll;
}

// What people and operators see: the notices, the privacy center, "why am I
// seeing this?" and the operator console, pages and API alike.
std::vector<Api::Route> Api::TransparencyRoutes() {
  using V = bhttp::verb;
  return {
      // The privacy notice: public, as a notice must be.
      {V::get, "/v1/privacy/notice", false, false, [](Api& a, const Call& c) { a.Notice(c); }},
      // The customer's privacy center: links from the brand's back end, then
      // the person's own calls, authenticated by their link.
      {V::post, "/v1/privacy-center/links", true, false,
       [](Api& a, const Call& c) { c.Json(a.d_.privacy_center->CreateLink(c.who, c.req.body())); }},
      {V::get, "/v1/privacy-center/me", false, false, [](Api& a, const Call& c) { a.PrivacyCenterMe(c); }, true},
      {V::get, "/privacy-center/", false, false, [](Api&, const Call& c) { c.Reply(AppFile("privacy-center", "")); }},
      // Typed without its slash: the page's own address (the link's fragment follows a redirect).
      {V::get, "/privacy-center", false, false, [](Api&, const Call& c) { c.Reply(Redirect("/privacy-center/")); }},
      {V::get, "/privacy-center/{the file}", false, false,
       [](Api&, const Call& c) { c.Reply(AppFile("privacy-center", c.params[0])); }},
      // The operator console: the page is public, its figures need a key.
      {V::get, "/console/", false, false, [](Api&, const Call& c) { c.Reply(AppFile("console", "")); }},
      {V::get, "/console", false, false, [](Api&, const Call& c) { c.Reply(Redirect("/console/")); }},
      {V::get, "/console/{the file}", false, false, [](Api&, const Call& c) { c.Reply(AppFile("console", c.params[0])); }},
      {V::get, "/console/vendor/{the file}", false, false,
       [](Api&, const Call& c) { c.Reply(AppFile("console", "vendor/" + c.params[0])); }},
      {V::get, "/v1/console/overview", true, false, [](Api& a, const Call& c) {
         auto days = IntParam(c.query, "days", 30);
         if (!c.Failed(days.status())) c.Json(service::ConsoleOverview(c.who, {*a.d_.report, a.d_.recs}, *days));
       }},
      {V::put, "/v1/privacy-center/me/consent", false, false, [](Api& a, const Call& c) { a.PrivacyCenterConsent(c); },
       true},
      {V::put, "/v1/privacy-center/me/quiet-hours", false, false,
       [](Api& a, const Call& c) {
         a.d_.privacy_center->SetQuietHours(LinkToken(c.req), c.req.body(), [c](Result<json> r) { c.Json(r); });
       },
       true},
      {V::get, "/v1/privacy-center/me/data", false, false, [](Api& a, const Call& c) {
         auto lang = QueryParamOr(c.query, "lang", "en");
         if (!c.Failed(lang.status())) c.Json(a.d_.privacy_center->Data(LinkToken(c.req), *lang));
       },
       true},
      {V::get, "/v1/privacy-center/me/export", false, false,
       [](Api& a, const Call& c) { c.Json(a.d_.privacy_center->Export(LinkToken(c.req))); }, true},
      {V::post, "/v1/privacy-center/me/erasure", false, false,
       [](Api& a, const Call& c) { c.Json(a.d_.privacy_center->Erase(LinkToken(c.req), c.req.body())); }, true},
      // "Why am I seeing this?", from the shop's page or ours: the
      // recommendation_id the page was given is the credential.
      {V::post, "/v1/explanations", false, true,
       [](Api& a, const Call& c) { c.Json(a.d_.privacy_center->Why(c.req.body())); }, true},
      {V::post, "/v1/explanations/turn-off", false, true,
       [](Api& a, const Call& c) { a.d_.privacy_center->TurnOff(c.req.body(), [c](Result<json> r) { c.Json(r); }); },
       true},
  };
}

std::vector<Api::RouteName> Api::RouteTable() {
  std::vector<RouteName> names;
  for (const Route& r : Routes()) names.push_back({std::string(bhttp::to_string(r.method)), std::string(r.pattern)});
  return names;
}

void Api::HandleMetricsOnly(const Request& req, Respond respond) {
  const std::string_view target(req.target().data(), req.target().size());
  if (target.substr(0, target.find('?')) != "/metrics")
    return respond(ErrorResponse(NotFound("this listener answers GET /metrics only")));
  if (req.method() != bhttp::verb::get) {
    Response r = ErrorResponse(Status(Code::kMethodNotAllowed, "/metrics takes GET"));
    r.headers.emplace_back("Allow", "GET");
    return respond(std::move(r));
  }
  Response r = MetricsExposition();
  r.headers.emplace_back("Cache-Control", "no-store");
  respond(std::move(r));
}

// Every route goes through here once: the path picks the route, then the
// method is checked, the parameters decoded and the caller authenticated, in
// that order, so no handler repeats any of it.
void Api::Handle(Request& req, Respond respond) {
  // Every answer is counted by route pattern (never the path: it may name a
  // person), method and status, with its latency, for /metrics.
  auto route_label = std::make_shared<std::string>("unmatched");
  auto key_label = std::make_shared<std::string>();  // the caller's key id, once authenticated
  respond = [inner = std::move(respond), route_label, key_label, method = std::string(bhttp::to_string(req.method())),
             began = std::chrono::steady_clock::now(), access_log = d_.config->server.access_log](Response r) mutable {
    const auto took = std::chrono::steady_clock::now() - began;
    CountAnswer(*route_label, method, r.status, took);
    if (access_log)
      logging::Access(method, *route_label, r.status, std::chrono::duration<double, std::milli>(took).count(), *key_label);
    if (r.status >= 500) logging::ServerError(method, *route_label, r.status, r.body, *key_label);
    inner(std::move(r));
  };
  std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
  const auto method = req.method();

  const std::string_view origin = HeaderOf(req, bhttp::field::origin);
  const bool origin_allowed = !origin.empty() && cors_.Allows(origin);
  // Shinrai's own pages call it from its own origin (cors.h says which).
  const bool same_origin = !origin.empty() && cors_.IsOwnPage(origin, HeaderOf(req, bhttp::field::host));
  std::vector<bhttp::verb> allowed;
  bool browser = false;
  for (const Route& route : Routes()) {
    auto params = Match(route.pattern, path);
    if (!params) continue;
    *route_label = std::string(route.pattern);
    browser = browser || route.browser;
    if (route.method != method) {
      allowed.push_back(route.method);
      continue;
    }
    // Pages of other sites are refused here too: a beacon or a no-cors
    // request reaches the server whatever CORS says.
    if (route.browser && !origin.empty() && !origin_allowed && !same_origin)
      return respond(ErrorResponse(ForeignOrigin(origin)));
    Call call{req, {}, query, {}, route.browser && origin_allowed ? std::string(origin) : std::string(),
              std::move(respond),
              route.authenticate || route.personal};
    for (const auto& [name, encoded] : *params) {
      auto decoded = DecodeText(encoded, name);
      if (call.Failed(decoded.status())) return;
      call.params.push_back(std::move(*decoded));
    }
    if (route.authenticate) {
      auto who = d_.access->Authenticate(CredentialsOf(req));
      if (call.Failed(who.status())) return;
      call.who = std::move(*who);
      *key_label = call.who.key_id;
    }
    return route.handle(*this, call);
  }
  if (allowed.empty())
    return respond(ErrorResponse(NotFound("no endpoint " + std::string(req.method_string()) + " " + std::string(path))));
  if (method == bhttp::verb::options && browser && !origin.empty()) {
    if (!origin_allowed) return respond(ErrorResponse(ForeignOrigin(origin)));
    return respond(CorsPolicy::Preflight(origin));
  }
  Response refused = ErrorResponse(
      Status(Code::kMethodNotAllowed, std::string(path) + " takes " + MethodsText(allowed)));
  refused.headers.emplace_back("Allow", MethodsText(allowed));
  if (browser && origin_allowed) CorsPolicy::Allow(refused, origin);
  respond(std::move(refused));
}

void Api::Ready(const Call& c) {
  Status h = d_.ready();
  if (!h.ok()) return c.Reply(ErrorResponse(Unavailable("storage failed: " + h.message())));
  c.Reply(JsonResponse(200, R"({"status":"ready"})"));
}

void Api::Collect(const Call& c, std::optional<profile::CallType> type) {
  std::string body = std::move(c.req.body());
  auto enc = c.req.find(bhttp::field::content_encoding);
  if (enc != c.req.end()) {
    std::string_view e(enc->value().data(), enc->value().size());
    if (e == "gzip" || e == "deflate") {
      auto inflated = Gunzip(body, d_.config->server.max_body_bytes);
      if (c.Failed(inflated.status())) return;
      body = std::move(*inflated);
    } else if (e != "identity") {
      const std::string named = IsValidUtf8(e) && e.size() <= 64 ? "'" + std::string(e) + "' " : "";
      c.Failed(Status(Code::kUnsupported, "Content-Encoding " + named + "is not supported (gzip is)"));
      return;
    }
  }
  // Content-Type is not checked: SDKs send JSON as application/json,
  // text/plain (browser beacons) or, gzip-compressed, as form data (axios).

  // Global Privacy Control: browsers send Sec-GPC: 1 when the person opted out of sale and sharing.
  auto gpc_header = c.req.find("Sec-GPC");
  const bool gpc = gpc_header != c.req.end() && gpc_header->value() == "1";
  service::Credentials credentials = CredentialsOf(c.req);
  if (credentials.basic_user.empty() && credentials.bearer_token.empty()) {
    // Beacons cannot set headers: RudderStack puts the write key in the query.
    auto key = QueryParam(c.query, "writeKey");
    if (c.Failed(key.status())) return;
    if (*key) credentials.body_write_key = std::move(**key);
  }
  d_.collect->Collect(std::move(credentials), type, body, gpc, [c](Result<service::CollectReport> r) {
    if (c.Failed(r.status())) return;
    c.Reply(JsonResponse(200, DumpJson(service::CollectReportToJson(*r))));
  });
}

void Api::Pixel(const Call& c) {
  using profile::CallType;
  // Opens and clicks only: mail scanners and forwarded e-mails fire pixels,
  // so a pixel never links identities or states anything about a person.
  static const std::map<std::string, CallType, std::less<>> kTypes = {{"track", CallType::kTrack},
                                                                      {"page", CallType::kPage}};
  auto type = kTypes.find(c.params[0]);
  if (type == kTypes.end()) {
    const std::string named = c.params[0].size() <= 64 ? " '" + c.params[0] + "'" : "";
    return c.Reply(ErrorResponse(NotFound("no pixel" + named + ": /v1/pixel/track or /v1/pixel/page")));
  }
  auto data = QueryParam(c.query, "data");
  if (c.Failed(data.status())) return;
  if (!*data) return c.Reply(ErrorResponse(InvalidArgument("data: missing (the call as base64 JSON, with its writeKey)")));
  std::string encoded = std::move(**data);
  std::replace(encoded.begin(), encoded.end(), ' ', '+');  // an unescaped '+' arrives as a space
  auto json = Base64Decode(encoded);
  if (!json) return c.Reply(ErrorResponse(InvalidArgument("data: not base64")));
  d_.collect->CollectPixel(CredentialsOf(c.req), type->second, *json, [c](Result<service::CollectReport> r) {
    if (c.Failed(r.status())) return;
    c.Reply(Gif());
  });
}

void Api::GetProfile(const Call& c) {
  auto reason = QueryParamOr(c.query, "reason", "");
  if (c.Failed(reason.status())) return;
  auto note = QueryParamOr(c.query, "note", "");
  if (c.Failed(note.status())) return;
  auto brand = QueryParamOr(c.query, "brand", "");
  if (c.Failed(brand.status())) return;
  c.Json(d_.profiles->Get(c.who, c.params[0], *reason, *note, *brand));
}

void Api::GetStats(const Call& c) {
  auto counters = d_.collect->Counters(c.who);
  if (c.Failed(counters.status())) return;
  c.Reply(JsonResponse(200, DumpJson(json{{"counters", *counters}})));
}

void Api::ChangeConsent(const Call& c) {
  d_.consent->Change(c.who, c.params[0], c.req.body(), [c](Result<json> r) { c.Json(r); });
}

void Api::Recommend(const Call& c) {
  service::RecommendRequest r;
  auto n = IntParam(c.query, "n", r.n);
  if (c.Failed(n.status())) return;
  r.n = *n;
  auto context = QueryParamOr(c.query, "context_item", "");
  if (c.Failed(context.status())) return;
  r.context_item = std::move(*context);
  auto channel = QueryParamOr(c.query, "channel", r.channel);
  if (c.Failed(channel.status())) return;
  r.channel = std::move(*channel);
  auto brand = QueryParamOr(c.query, "brand", "");
  if (c.Failed(brand.status())) return;
  r.brand = std::move(*brand);
  c.Json(d_.recs->Recommend(c.who, c.params[0], r));
}

void Api::AuditReport(const Call& c) {
  auto html = WantsHtml(c.query);
  if (c.Failed(html.status())) return;
  auto report = service::BuildPrivacyReport(c.who, *d_.report);
  if (report.ok() && *html) return c.Reply(Html(service::RenderPrivacyReportHtml(*report)));
  c.Json(report);
}

void Api::Notice(const Call& c) {
  transparency::NoticeRequest r;
  for (auto [name, into] : {std::pair{"layer", &r.layer}, std::pair{"lang", &r.lang}, std::pair{"brand", &r.brand}}) {
    auto v = QueryParamOr(c.query, name, *into);
    if (c.Failed(v.status())) return;
    *into = std::move(*v);
  }
  auto content = transparency::NoticeContent(d_.config->declaration, r);
  if (c.Failed(content.status())) return;
  auto accept = c.req.find(bhttp::field::accept);
  if (accept != c.req.end() &&
      std::string_view(accept->value().data(), accept->value().size()).find("application/json") != std::string_view::npos)
    return c.Json(std::move(content));
  auto page = transparency::RenderNoticeHtml(*content);
  if (c.Failed(page.status())) return;
  c.Reply(Html(std::move(*page)));
}


void Api::PrivacyCenterMe(const Call& c) {
  auto lang = QueryParamOr(c.query, "lang", "en");
  if (c.Failed(lang.status())) return;
  auto gpc = c.req.find("Sec-GPC");
  const bool honour = gpc != c.req.end() && std::string_view(gpc->value().data(), gpc->value().size()) == "1";
  c.Json(d_.privacy_center->Me(LinkToken(c.req), *lang, honour));
}

void Api::PrivacyCenterConsent(const Call& c) {
  d_.privacy_center->ChangeConsent(LinkToken(c.req), c.req.body(), [c](Result<json> r) { c.Json(r); });
}

void Api::GetRightsRequest(const Call& c) {
  auto html = WantsHtml(c.query);
  if (c.Failed(html.status())) return;
  if (!*html) return c.Json(d_.rights->Get(c.who, c.params[0]));
  auto page = d_.rights->GetHtml(c.who, c.params[0]);
  if (c.Failed(page.status())) return;
  c.Reply(Html(std::move(*page)));
}

service::Credentials CredentialsOf(const Request& req) {
  service::Credentials c;
  auto it = req.find(bhttp::field::authorization);
  if (it == req.end()) return c;
  std::string_view v(it->value().data(), it->value().size());
  if (v.empty()) return c;  // an empty header is no credentials, not bad ones
  // The scheme is case-insensitive (RFC 9110, 11.1).
  const auto scheme = [v](std::string_view name) {
    if (v.size() <= name.size() + 1 || v[name.size()] != ' ') return false;  // and something after it
    for (size_t i = 0; i < name.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(v[i])) != name[i]) return false;
    }
    return true;
  };
  if (scheme("basic")) {
    auto decoded = Base64Decode(v.substr(6));
    if (decoded && IsValidUtf8(*decoded)) c.basic_user = decoded->substr(0, decoded->find(':'));
    else c.malformed = "the Authorization header is not valid Basic credentials (base64 of 'key:')";
  } else if (scheme("bearer")) {
    c.bearer_token = std::string(v.substr(7));
  } else {
    c.malformed = "the Authorization header is neither Basic nor Bearer";
  }
  return c;
}

}  // namespace shinrai::http
