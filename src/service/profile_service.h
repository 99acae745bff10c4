// ProfileService: reading a person's unified profile through an API key.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <nlohmann/json.hpp>

#include "profile/profile_reader.h"
#include "schema/config.h"
#include "service/access.h"

namespace shinrai::service {

class ProfileService {
 public:
  ProfileService(const schema::Config* config, store::Store* store)
      : config_(config), reader_(store, &config->declaration) {}

  // The profile as JSON: identities, traits, per-channel summary, recent
  // events and merges. `lookup`: see profile::ProfileReader::Find.
  Result<nlohmann::json> Get(const Principal& who, std::string_view lookup);

 private:
  const schema::Config* const config_;
  profile::ProfileReader reader_;
};

}  // namespace shinrai::service
