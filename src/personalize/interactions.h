// Which events are recommender signal, and what they say: the declared
// `recommendations.interactions` turn one stored event into (item, weight)
// pairs, purchases marked so the "never re-recommend what was bought" rule
// can see them.
#pragma once

#include <string>
#include <vector>

#include "profile/event.h"
#include "schema/config.h"

namespace shinrai::service {

struct Interaction {
  std::string item;
  float weight = 1.0f;
  bool purchase = false;
  int64_t at_ms = 0;
  std::string category;  // the event's declared data category
  std::string channel;
  std::string brand;     // the brand that collected it
};

// Appends the event's interactions (none when it is not declared as one).
void ExtractInteractions(const schema::Config& config, const profile::Event& event, std::vector<Interaction>* out);

}  // namespace shinrai::service
