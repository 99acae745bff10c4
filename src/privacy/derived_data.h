// DerivedData: what the privacy use cases ask of everything that keeps data
// derived from people (the recommender's model and caches today; segments,
// outboxes and partners as they arrive) when the source data goes.
//
// Rights and retention depend on this interface, not on the capabilities
// that implement it; app/ hands them the implementations. So erasure reaches
// every derived copy without privacy code knowing every folder above it.
#pragma once

#include <string>
#include <vector>

namespace shinrai::service {

class DerivedData {
 public:
  virtual ~DerivedData() = default;
  // These people were erased: drop what is held about them, never take it
  // up again, and rebuild what was learned from them.
  virtual void ForgetPeople(const std::vector<std::string>& profile_ids) = 0;
  // Records of anyone went past their retention: drop what may hold them.
  // `rebuild`: events were deleted, so what was learned from them goes too.
  virtual void ForgetExpired(bool rebuild) = 0;
};

}  // namespace shinrai::service
