// The operator console's figures (GET /v1/console/overview): consent
// coverage per purpose and channel day by day, collection volume per channel
// and the minimization drops by reason, rights requests against their
// deadlines, the audit chain's state, and recommendation quality (offline
// metrics, click-through and the holdout uplift). Each section is answered
// only to the roles that may read it; the others are named as hidden, so
// one page serves every operator role.
//
// Cost: it reads every person's consent records and every stored event once
// per call (a few milliseconds on the demo shop). A store of millions would
// want the daily figures kept as they happen; the answer's shape would stay.
//
// Thread-safety: a pure function of the store, the log and the services.
#pragma once

#include <nlohmann/json.hpp>

#include "access/access.h"
#include "personalize/recommendation_service.h"
#include "transparency/privacy_report.h"

namespace shinrai::service {

struct ConsoleDeps {
  PrivacyReportDeps report;
  const RecommendationService* recs;
};

// `days`: how many days back the series reach, 1 to 366, today included.
Result<nlohmann::json> ConsoleOverview(const Principal& who, const ConsoleDeps& deps, int days);

}  // namespace shinrai::service
