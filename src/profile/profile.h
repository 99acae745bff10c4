// Profile: the unified record of one person (or one not-yet-known visitor).
//
// A profile that was merged into another stays as a tombstone pointing at
// its survivor (`merged_into`), and the survivor lists it in `absorbed`: the
// absorbed profile's events stay under its own key and are read with the
// survivor's, so a merge rewrites a few records, not a whole history.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace shinrai::profile {

struct ChannelSummary {
  int64_t events = 0;
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
};

struct Profile {
  std::string id;
  std::string user_id;  // at most one per profile
  std::vector<std::string> anonymous_ids;
  std::vector<std::string> emails;
  std::vector<std::string> phones;
  std::vector<std::string> groups;
  nlohmann::json traits = nlohmann::json::object();
  std::map<std::string, ChannelSummary> channels;
  std::vector<std::string> absorbed;  // ids of profiles merged into this one
  std::vector<std::string> brands;    // the group's brands that collected from this person
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string merged_into;  // set on a tombstone only

  // Records one event on `channel` at `at_ms`.
  void Touch(const std::string& channel, int64_t at_ms);
  // Records that `brand` collected from the person ("*", no brands: nothing).
  void AddBrand(const std::string& brand);
  // Whether the person is a customer of `brand` ("*": the group's, always).
  bool CustomerOf(std::string_view brand) const;
  // The ids whose records make up this person: its own, then those merged
  // into it (events, merges and consent stay under the id they came with).
  std::vector<std::string> SourceIds() const;
};

std::string EncodeProfile(const Profile& p);
Result<Profile> DecodeProfile(std::string_view bytes);

}  // namespace shinrai::profile
