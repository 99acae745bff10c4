// FeedbackRecord: one impression, click or conversion of a recommended item,
// kept under the person (fb/, profile/keys.h), like events and profiles with
// a typed codec of its own. Stored as JSON, which the access export shows as is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace shinrai::profile {

struct FeedbackRecord {
  std::string type;            // impression | click | conversion
  std::string item;
  int64_t at_ms = 0;
  std::string group;           // personalized | holdout: the uplift statistics
  std::string recommendation;  // the recommendation's nonce, "" when the back end named the person
};

std::string EncodeFeedback(const FeedbackRecord& r);
// Internal naming the problem when the bytes are not a feedback record.
Result<FeedbackRecord> DecodeFeedback(std::string_view bytes);

}  // namespace shinrai::profile
