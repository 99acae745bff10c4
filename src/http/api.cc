#include "http/api.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/utf8.h"
#include "http/encoding.h"

namespace shinrai::http {

namespace bhttp = boost::beast::http;

namespace {

Response WithCors(Response r) {
  // Collection is called from browsers on the brand's own sites.
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  return r;
}

// 200 with the JSON, or the error the service gave.
Response JsonOrError(const Result<nlohmann::json>& r) {
  return r.ok() ? JsonResponse(200, DumpJson(*r)) : ErrorResponse(r.status());
}

Response Preflight() {
  Response r;
  r.status = 204;
  r.headers = {{"Access-Control-Allow-Origin", "*"},
               {"Access-Control-Allow-Methods", "POST, GET, OPTIONS"},
               {"Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Encoding"},
               {"Access-Control-Max-Age", "86400"}};
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

Response MethodNotAllowed(std::string message) { return ErrorResponse(Status(Code::kMethodNotAllowed, std::move(message))); }

}  // namespace

service::Credentials CredentialsOf(const Request& req) {
  service::Credentials c;
  auto it = req.find(bhttp::field::authorization);
  if (it == req.end()) return c;
  std::string_view v(it->value().data(), it->value().size());
  if (v.size() > 6 && (v.substr(0, 6) == "Basic " || v.substr(0, 6) == "basic ")) {
    if (auto decoded = Base64Decode(v.substr(6))) c.basic_user = decoded->substr(0, decoded->find(':'));
  } else if (v.size() > 7 && (v.substr(0, 7) == "Bearer " || v.substr(0, 7) == "bearer ")) {
    c.bearer_token = std::string(v.substr(7));
  }
  return c;
}

Result<service::Principal> Api::Authenticate(const Request& req) const {
  return d_.access->Authenticate(CredentialsOf(req));
}

void Api::Handle(Request& req, Respond respond) {
  std::string_view target(req.target().data(), req.target().size());
  const std::string_view path = target.substr(0, target.find('?'));
  const auto method = req.method();

  if (path == "/healthz") return respond(JsonResponse(200, R"({"status":"ok"})"));
  if (path == "/readyz") {
    Status h = d_.writer->health();
    if (!h.ok()) return respond(ErrorResponse(Unavailable("storage failed: " + h.message())));
    return respond(JsonResponse(200, R"({"status":"ready"})"));
  }

  static const std::pair<std::string_view, std::optional<profile::CallType>> kCollect[] = {
      {"/v1/identify", profile::CallType::kIdentify}, {"/v1/track", profile::CallType::kTrack},
      {"/v1/page", profile::CallType::kPage},         {"/v1/screen", profile::CallType::kScreen},
      {"/v1/group", profile::CallType::kGroup},       {"/v1/alias", profile::CallType::kAlias},
      {"/v1/batch", std::nullopt},                    {"/v1/import", std::nullopt}};
  for (const auto& [p, type] : kCollect) {
    if (path != p) continue;
    if (method == bhttp::verb::options) return respond(Preflight());
    if (method != bhttp::verb::post)
      return respond(ErrorResponse(Status(Code::kMethodNotAllowed, std::string(p) + " takes POST")));
    return Collect(req, type, std::move(respond));
  }

  constexpr std::string_view kProfiles = "/v1/profiles/";
  if (path.rfind(kProfiles, 0) == 0 && path.size() > kProfiles.size()) {
    if (method != bhttp::verb::get) return respond(ErrorResponse(Status(Code::kMethodNotAllowed, "profiles are read with GET")));
    auto id = DecodeText(path.substr(kProfiles.size()), "the profile id");
    if (!id.ok()) return respond(ErrorResponse(id.status()));
    return GetProfile(req, *id, std::move(respond));
  }
  constexpr std::string_view kConsent = "/v1/consent/";
  if (path.rfind(kConsent, 0) == 0 && path.size() > kConsent.size()) {
    return Consent(req, path.substr(kConsent.size()), std::move(respond));
  }
  if (path == "/v1/stats/collection") {
    if (method != bhttp::verb::get) return respond(ErrorResponse(Status(Code::kMethodNotAllowed, "stats are read with GET")));
    return GetStats(req, std::move(respond));
  }
  const std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
  if (Recommendations(req, path, query, respond)) return;
  if (Rights(req, path, query, respond)) return;
  respond(ErrorResponse(NotFound("no endpoint " + std::string(req.method_string()) + " " + std::string(path))));
}

bool Api::Recommendations(Request& req, std::string_view path, std::string_view query, Respond& respond) {
  const auto method = req.method();
  auto with_principal = [&](bhttp::verb allowed, const char* how, auto call) {
    if (method == bhttp::verb::options && allowed == bhttp::verb::post) return respond(Preflight());
    if (method != allowed) return respond(MethodNotAllowed(std::string(path) + " " + how));
    auto who = Authenticate(req);
    if (!who.ok()) return respond(WithCors(ErrorResponse(who.status())));
    respond(WithCors(JsonOrError(call(*who))));
  };
  constexpr std::string_view kRecs = "/v1/recommendations/";
  constexpr std::string_view kItems = "/v1/items/";
  constexpr std::string_view kSimilar = "/similar";
  if (path.rfind(kRecs, 0) == 0 && path.size() > kRecs.size()) {
    auto id = DecodeText(path.substr(kRecs.size()), "the subject");
    if (!id.ok()) {
      respond(ErrorResponse(id.status()));
      return true;
    }
    with_principal(bhttp::verb::get, "is read with GET", [&](const service::Principal& who) -> Result<nlohmann::json> {
      service::RecommendRequest r;
      ASSIGN_OR_RETURN(r.n, IntParam(query, "n", r.n));
      ASSIGN_OR_RETURN(r.context_item, QueryParamOr(query, "context_item", ""));
      ASSIGN_OR_RETURN(r.channel, QueryParamOr(query, "channel", r.channel));
      return d_.recs->Recommend(who, *id, r);
    });
    return true;
  }
  if (path.rfind(kItems, 0) == 0 && path.size() > kItems.size() + kSimilar.size() &&
      path.substr(path.size() - kSimilar.size()) == kSimilar) {
    auto item = DecodeText(path.substr(kItems.size(), path.size() - kItems.size() - kSimilar.size()), "the item id");
    if (!item.ok()) {
      respond(ErrorResponse(item.status()));
      return true;
    }
    with_principal(bhttp::verb::get, "is read with GET", [&](const service::Principal& who) -> Result<nlohmann::json> {
      ASSIGN_OR_RETURN(int n, IntParam(query, "n", 10));
      return d_.recs->Similar(who, *item, n);
    });
    return true;
  }
  if (path == "/v1/items") {
    with_principal(bhttp::verb::post, "takes POST", [&](const service::Principal& who) {
      return d_.recs->UpsertCatalog(who, req.body());
    });
    return true;
  }
  if (path == "/v1/feedback") {
    // Answered once the records are durable, without holding an I/O thread meanwhile.
    if (method == bhttp::verb::options) {
      respond(Preflight());
      return true;
    }
    if (method != bhttp::verb::post) {
      respond(MethodNotAllowed(std::string(path) + " takes POST"));
      return true;
    }
    auto who = Authenticate(req);
    if (!who.ok()) {
      respond(WithCors(ErrorResponse(who.status())));
      return true;
    }
    d_.recs->Feedback(*who, req.body(), [respond](Result<nlohmann::json> r) { respond(WithCors(JsonOrError(r))); });
    return true;
  }
  if (path == "/v1/models/train") {
    with_principal(bhttp::verb::post, "takes POST", [&](const service::Principal& who) { return d_.recs->TrainNow(who); });
    return true;
  }
  if (path == "/v1/stats/recommendations") {
    with_principal(bhttp::verb::get, "is read with GET", [&](const service::Principal& who) { return d_.recs->Stats(who); });
    return true;
  }
  return false;
}

bool Api::Rights(Request& req, std::string_view path, std::string_view query, Respond& respond) {
  if (path == "/v1/audit/report") {
    if (req.method() != bhttp::verb::get) {
      respond(MethodNotAllowed("the audit report is read with GET"));
      return true;
    }
    auto who = Authenticate(req);
    if (!who.ok()) {
      respond(ErrorResponse(who.status()));
      return true;
    }
    auto format = QueryParamOr(query, "format", "json");
    if (!format.ok()) {
      respond(ErrorResponse(format.status()));
      return true;
    }
    if (*format != "json" && *format != "html") {
      respond(ErrorResponse(InvalidArgument("format: expected json or html, got '" + *format + "'")));
      return true;
    }
    auto report = service::BuildPrivacyReport(*who, *d_.report);
    if (report.ok() && *format == "html") {
      Response r;
      r.content_type = "text/html; charset=utf-8";
      r.body = service::RenderPrivacyReportHtml(*report);
      respond(std::move(r));
      return true;
    }
    respond(JsonOrError(report));
    return true;
  }
  constexpr std::string_view kRequests = "/v1/rights/requests";
  if (path.rfind(kRequests, 0) != 0) return false;
  const auto method = req.method();
  if (path == kRequests) {
    if (method != bhttp::verb::post) {
      respond(MethodNotAllowed(std::string(kRequests) + " takes POST (one request per demand)"));
      return true;
    }
    auto who = Authenticate(req);
    if (!who.ok()) {
      respond(ErrorResponse(who.status()));
      return true;
    }
    auto r = d_.rights->Create(*who, req.body());
    if (!r.ok()) {
      respond(ErrorResponse(r.status()));
      return true;
    }
    respond(JsonResponse(201, DumpJson(*r)));
    return true;
  }
  if (path.size() <= kRequests.size() + 1 || path[kRequests.size()] != '/') return false;
  auto id = DecodeText(path.substr(kRequests.size() + 1), "the request id");
  if (!id.ok()) {
    respond(ErrorResponse(id.status()));
    return true;
  }
  if (method != bhttp::verb::get) {
    respond(MethodNotAllowed("a rights request is read with GET"));
    return true;
  }
  auto who = Authenticate(req);
  if (!who.ok()) {
    respond(ErrorResponse(who.status()));
    return true;
  }
  auto format_param = QueryParamOr(query, "format", "json");
  if (!format_param.ok()) {
    respond(ErrorResponse(format_param.status()));
    return true;
  }
  const std::string format = std::move(*format_param);
  if (format == "html") {
    auto html = d_.rights->GetHtml(*who, *id);
    if (!html.ok()) {
      respond(ErrorResponse(html.status()));
      return true;
    }
    Response r;
    r.status = 200;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::move(*html);
    respond(std::move(r));
    return true;
  }
  if (format != "json") {
    respond(ErrorResponse(InvalidArgument("format: expected json or html, got '" + format + "'")));
    return true;
  }
  respond(JsonOrError(d_.rights->Get(*who, *id)));
  return true;
}

void Api::Collect(Request& req, std::optional<profile::CallType> type, Respond respond) {
  std::string body = std::move(req.body());
  auto enc = req.find(bhttp::field::content_encoding);
  if (enc != req.end()) {
    std::string_view e(enc->value().data(), enc->value().size());
    if (e == "gzip" || e == "deflate") {
      auto inflated = Gunzip(body, d_.config->server.max_body_bytes);
      if (!inflated.ok()) return respond(WithCors(ErrorResponse(inflated.status())));
      body = std::move(*inflated);
    } else if (e != "identity") {
      const std::string named = IsValidUtf8(e) && e.size() <= 64 ? "'" + std::string(e) + "' " : "";
      return respond(WithCors(ErrorResponse(
          Status(Code::kUnsupported, "Content-Encoding " + named + "is not supported (gzip is)"))));
    }
  }
  // Content-Type is not checked: SDKs send JSON as application/json,
  // text/plain (browser beacons) or, gzip-compressed, as form data (axios).

  // Global Privacy Control: browsers send Sec-GPC: 1 when the person opted out of sale and sharing.
  auto gpc_header = req.find("Sec-GPC");
  const bool gpc = gpc_header != req.end() && gpc_header->value() == "1";
  d_.collect->Collect(CredentialsOf(req), type, body, gpc, [respond = std::move(respond)](Result<service::CollectReport> r) {
    if (!r.ok()) return respond(WithCors(ErrorResponse(r.status())));
    respond(WithCors(JsonResponse(200, DumpJson(service::CollectReportToJson(*r)))));
  });
}

void Api::GetProfile(Request& req, std::string_view id, Respond respond) {
  auto who = Authenticate(req);
  if (!who.ok()) return respond(ErrorResponse(who.status()));
  std::string_view target(req.target().data(), req.target().size());
  const size_t q = target.find('?');
  const std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  auto reason = QueryParamOr(query, "reason", "");
  if (!reason.ok()) return respond(ErrorResponse(reason.status()));
  auto note = QueryParamOr(query, "note", "");
  if (!note.ok()) return respond(ErrorResponse(note.status()));
  respond(JsonOrError(d_.profiles->Get(*who, id, *reason, *note)));
}

void Api::GetStats(Request& req, Respond respond) {
  auto who = Authenticate(req);
  if (!who.ok()) return respond(ErrorResponse(who.status()));
  auto counters = d_.collect->Counters(*who);
  if (!counters.ok()) return respond(ErrorResponse(counters.status()));
  respond(JsonResponse(200, DumpJson(nlohmann::json{{"counters", *counters}})));
}

void Api::Consent(Request& req, std::string_view rest, Respond respond) {
  constexpr std::string_view kHistory = "/history";
  const bool history = rest.size() > kHistory.size() && rest.substr(rest.size() - kHistory.size()) == kHistory;
  if (history) rest.remove_suffix(kHistory.size());
  auto id = DecodeText(rest, "the subject");
  if (!id.ok()) return respond(ErrorResponse(id.status()));
  if (id->empty() || id->find('/') != std::string::npos)
    return respond(ErrorResponse(InvalidArgument("expected /v1/consent/{id} or /v1/consent/{id}/history")));
  const auto method = req.method();
  if (method != bhttp::verb::get && !(method == bhttp::verb::put && !history))
    return respond(ErrorResponse(Status(Code::kMethodNotAllowed, history ? "consent history is read with GET"
                                                                          : "consent is read with GET and changed with PUT")));
  auto who = Authenticate(req);
  if (!who.ok()) return respond(ErrorResponse(who.status()));
  if (method == bhttp::verb::put) {
    return d_.consent->Change(*who, *id, req.body(), [respond = std::move(respond)](Result<nlohmann::json> r) {
      respond(JsonOrError(r));
    });
  }
  respond(JsonOrError(history ? d_.consent->History(*who, *id) : d_.consent->State(*who, *id)));
}

}  // namespace shinrai::http
