// Api: the HTTP surface of Shinrai. Maps requests to service calls and
// service Results to HTTP responses; holds no domain logic.
//
// Endpoints (docs/api.md):
//   POST /v1/{identify,track,page,screen,group,alias,batch}   write key (Basic) or admin
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

#include "http/server.h"
#include "service/access.h"
#include "service/collect_service.h"
#include "service/consent_service.h"
#include "service/profile_service.h"
#include "service/recommendation_service.h"
#include "service/privacy_report.h"
#include "service/rights_service.h"
#include "store/staged_writer.h"

namespace shinrai::http {

struct ApiDeps {
  const schema::Config* config;
  const service::Access* access;
  service::CollectService* collect;
  service::ProfileService* profiles;
  service::ConsentService* consent;
  store::StagedWriter* writer;  // for readiness
  service::RecommendationService* recs;
  service::RightsService* rights;
  const service::PrivacyReportDeps* report;
};

class Api {
 public:
  explicit Api(ApiDeps deps) : d_(deps) {}
  void Handle(Request& req, Respond respond);

 private:
  void Collect(Request& req, std::optional<profile::CallType> type, Respond respond);
  void GetProfile(Request& req, std::string_view id, Respond respond);
  void GetStats(Request& req, Respond respond);
  void Consent(Request& req, std::string_view rest, Respond respond);
  // /v1/recommendations, /v1/items, /v1/feedback, /v1/models, /v1/stats/recommendations
  bool Recommendations(Request& req, std::string_view path, std::string_view query, Respond& respond);
  // /v1/rights/requests
  bool Rights(Request& req, std::string_view path, std::string_view query, Respond& respond);
  Result<service::Principal> Authenticate(const Request& req) const;

  ApiDeps d_;
};

// Credentials from the Authorization header (Basic user name or Bearer token).
service::Credentials CredentialsOf(const Request& req);

}  // namespace shinrai::http
