// PrivacyCenterService: the customer's own privacy center, reached through a
// signed, expiring link (privacy_center_link.h) that the brand's back end
// asks for. With the link, and nothing else, the person reads the short
// notice and their choices per purpose and channel at that brand, and
// changes them; every change is a consent record with source
// "privacy_center" and the notice version it was shown.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "access/access.h"
#include "crypto/secret_key.h"
#include "personalize/recommendation_service.h"
#include "privacy/consent_service.h"
#include "privacy/rights_service.h"
#include "profile/profile_reader.h"
#include "transparency/privacy_center_link.h"
#include "usecase/deps.h"

namespace shinrai::service {

class PrivacyCenterService {
 public:
  using Done = std::function<void(Result<nlohmann::json>)>;
  static constexpr int64_t kDefaultTtlSeconds = 900;
  static constexpr int64_t kMaxTtlSeconds = 7 * 86400;

  PrivacyCenterService(const UseCaseDeps& deps, ConsentService& consent, RightsService& rights,
                       const RecommendationService& recs, const crypto::SecretKey& key)
      : d_(deps),
        consent_(consent),
        rights_(rights),
        recs_(recs),
        key_(key),
        reader_(&deps.store, &deps.config.declaration) {}

  // POST /v1/privacy-center/links: {"subject", "ttl_seconds"} -> {"url",
  // "expires_at"}. The subject is one of the key's brand's customers.
  Result<nlohmann::json> CreateLink(const Principal& who, std::string_view body);
  // GET /v1/privacy-center/me: the short notice and the person's choices.
  // `gpc`: the browser sent Global Privacy Control (Sec-GPC: 1). It is
  // honoured, as a denial of consent.gpc_denies at the link's brand, unless
  // the person's own latest choice here, made while it was shown to them,
  // says otherwise; the answer says which purposes it turned off.
  Result<nlohmann::json> Me(std::string_view token, std::string_view lang, bool gpc = false);
  // PUT /v1/privacy-center/me/consent: {"changes": [{"purpose", "channel", "status"}]}.
  void ChangeConsent(std::string_view token, std::string_view body, Done done);
  // PUT /v1/privacy-center/me/quiet-hours: {"quiet_hours": {"from": "21:00",
  // "to": "08:00", "time_zone": "Asia/Tokyo"}} or {"quiet_hours": null}: when
  // the link's brand may not send the person messages (consent/quiet_hours.h).
  void SetQuietHours(std::string_view token, std::string_view body, Done done);
  // GET /v1/privacy-center/me/data: the data report (transparency/data_report.h).
  Result<nlohmann::json> Data(std::string_view token, std::string_view lang);
  // GET /v1/privacy-center/me/export: everything held, as the access export
  // (filed as an access request, so it is counted and audited like one).
  Result<nlohmann::json> Export(std::string_view token);
  // POST /v1/privacy-center/me/erasure: {"confirm": true}. Erasure at the
  // link's brand (or the whole group's, for a group link).
  Result<nlohmann::json> Erase(std::string_view token, std::string_view body);

  // "Why am I seeing this?" (why_this.cc), for whoever holds a
  // recommendation_id: the page it was shown on. The token says why each
  // item was placed when it was shown; nothing is looked up but the items'
  // names and whether the person still allows the purpose.
  // POST /v1/explanations: {"recommendation_id", "item"?, "lang"?}: each item
  // (or the one named) in plain words, the data it used, and the switch.
  Result<nlohmann::json> Why(std::string_view body);
  // POST /v1/explanations/turn-off: {"recommendation_id"}: the one-click
  // switch. Withdraws the recommendations purpose on the channel and at the
  // brand the recommendation was shown, recorded with source "privacy_center".
  void TurnOff(std::string_view body, Done done);

 private:
  // How the center appears in the audit log and to the consent service: the
  // person, acting through the link, at the link's brand.
  static constexpr const char* kThroughLink = "privacy center (the person, through their link)";
  static Principal Center(const std::string& brand, const std::string& through = kThroughLink);
  // Records the denials GPC asks for; answers the purposes it covers.
  Result<std::vector<std::string>> HonourGpc(const transparency::PrivacyCenterLink& link);

  const UseCaseDeps& d_;
  // The person the link names (the survivor, after a merge); NotFound
  // "nothing is held about you any more" after their erasure.
  Result<profile::Profile> HeldPerson(const transparency::PrivacyCenterLink& link);
  Status StillHeld(const transparency::PrivacyCenterLink& link) { return HeldPerson(link).status(); }
  // Records the person's own choice made here: source privacy_center, at
  // `brand`, citing the notice shown.
  void RecordChoice(const std::string& profile_id, const std::string& brand, nlohmann::json changes, Done done,
                    const std::string& through = kThroughLink);
  // Rights requests filed for the person, by the center.
  Result<nlohmann::json> File(const transparency::PrivacyCenterLink& link, const std::string& type);

  ConsentService& consent_;
  RightsService& rights_;
  const RecommendationService& recs_;
  const crypto::SecretKey key_;
  profile::ProfileReader reader_;
};

}  // namespace shinrai::service
