// Api: the HTTP surface of Shinrai. Maps requests to service calls and
// service Results to HTTP responses; holds no domain logic.
//
// Every route, its roles, bodies and errors: docs/openapi.yaml (a test keeps
// it and the table of routes in api.cc the same; `shinrai routes` prints it).
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

  // The metrics listener's whole surface: GET /metrics, without a key (it
  // binds loopback only; server.metrics_listen).
  static void HandleMetricsOnly(const Request& req, Respond respond);

  struct RouteName {
    std::string method;
    std::string pattern;  // "/v1/profiles/{the profile id}"
  };
  // What Handle() answers, in the table's order.
  static std::vector<RouteName> RouteTable();

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
