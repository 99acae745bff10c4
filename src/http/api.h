// Api: the HTTP surface of Shinrai. Maps requests to service calls and
// service Results to HTTP responses; holds no domain logic.
//
// Endpoints (docs/api.md):
//   POST /v1/{identify,track,page,screen,group,alias,batch}   write key (Basic, body or ?writeKey=) or admin
//   POST /v1/{i,t,p,s,g,a,b}, /beacon/v1/batch                 the same (browser SDKs' paths)
//   GET  /v1/pixel/{track,page,...}?data=<base64 JSON>          the same; answers a 1x1 GIF
//   GET  /v1/profiles/{id}                                     admin
//   GET  /v1/consent/{id}, GET /v1/consent/{id}/history        admin, privacy_officer, service
//   PUT  /v1/consent/{id}                                      admin, privacy_officer, service
//   GET  /v1/stats/collection                                  admin, privacy_officer
//   GET  /v1/recommendations/{id}?n=&context_item=&channel=    admin, service
//   GET  /v1/items/{item}/similar?n=                           any API key
//   POST /v1/items (catalogue upsert), POST /v1/models/train   admin, service
//   POST /v1/feedback                                          write key, admin, service
//   GET  /v1/stats/recommendations                             admin, analyst
//   POST /v1/rights/requests, GET /v1/rights/requests/{id}[?format=html]   admin, privacy_officer
//   GET  /v1/audit/report[?format=html]                        admin, privacy_officer
//   GET  /healthz   GET /readyz                                no key
//
// Thread-safety: Handle() is called concurrently from the I/O threads.
#pragma once

#include <functional>

#include "http/cors.h"
#include "http/server.h"
#include "access/access.h"
#include "collect/collect_service.h"
#include "privacy/consent_service.h"
#include "orchestration/profile_service.h"
#include "personalize/recommendation_service.h"
#include "transparency/privacy_report.h"
#include "transparency/privacy_center_service.h"
#include "privacy/rights_service.h"

namespace shinrai::http {

struct ApiDeps {
  const schema::Config* config;
  const service::Access* access;
  service::CollectService* collect;
  service::ProfileService* profiles;
  service::ConsentService* consent;
  // Readiness: ok while storage takes writes (the writer's health).
  std::function<Status()> ready;
  service::RecommendationService* recs;
  service::RightsService* rights;
  const service::PrivacyReportDeps* report;
  service::PrivacyCenterService* privacy_center;
};

class Api {
 public:
  explicit Api(ApiDeps deps)
      : d_(deps), cors_(deps.config->server.allowed_origins, deps.config->server.public_url) {}
  void Handle(Request& req, Respond respond);

 private:
  struct Call;
  struct Route;
  // The one table of routes: method, path pattern, whether the caller is
  // authenticated here, whether browsers call it (CORS), and the handler.
  static const std::vector<Route>& Routes();
  static std::vector<Route> TransparencyRoutes();

  void Ready(const Call& c);
  void Collect(const Call& c, std::optional<profile::CallType> type);
  void Pixel(const Call& c);
  void Notice(const Call& c);
  void PrivacyCenterMe(const Call& c);
  void PrivacyCenterConsent(const Call& c);
  void GetProfile(const Call& c);
  void GetStats(const Call& c);
  void ChangeConsent(const Call& c);
  void Recommend(const Call& c);
  void AuditReport(const Call& c);
  void GetRightsRequest(const Call& c);

  ApiDeps d_;
  const CorsPolicy cors_;
};

// Credentials from the Authorization header (Basic user name or Bearer token).
service::Credentials CredentialsOf(const Request& req);

}  // namespace shinrai::http
