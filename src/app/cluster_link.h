// ClusterLink: this node's services joined to the other nodes on a shared
// PostgreSQL database (store/cluster.h). It tells the others what they must
// drop from memory (an erasure's people, expired records) and acts on what
// they tell it: a new model, a changed catalogue, people erased elsewhere.
// Without a cluster (the embedded store) it does nothing.
//
// Thread-safety: notices arrive on the cluster's thread; the services it
// calls are safe for concurrent use.
#pragma once

#include <string_view>

#include "crypto/key_vault.h"
#include "personalize/recommendation_service.h"
#include "privacy/derived_data.h"
#include "store/cluster.h"

namespace shinrai::app {

class ClusterLink : public service::DerivedData {
 public:
  ClusterLink(store::Cluster* cluster, service::RecommendationService* recs, crypto::KeyVault* vault)
      : cluster_(cluster), recs_(recs), vault_(vault) {}

  // DerivedData, for the other nodes: this node's own derived data hears it directly.
  void ForgetPeople(const std::vector<std::string>& profile_ids) override;
  void ForgetExpired(bool rebuild) override;

  // Starts hearing the other nodes. REQUIRES: the services loaded.
  void Listen();
  // What a notice from another node asks of this one (public for tests).
  void OnNotice(std::string_view topic, std::string_view payload, bool from_here);

 private:
  store::Cluster* const cluster_;
  service::RecommendationService* const recs_;
  crypto::KeyVault* const vault_;
};

}  // namespace shinrai::app
