// The rules that keep recommendations from being creepy, as pure functions
// over what the service read: purchases, impressions, the catalogue and the
// consent decisions. They run after scoring, in this order: not the context
// item, not bought (unless re-purchasable), in stock, sold by the brand
// served, offered on the channel,
// sensitive categories only with explicit consent, not resting after too many
// ignored impressions, and at most `max_per_category` per category.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "profile/feedback.h"
#include "personalize/catalog.h"

namespace shinrai::service {


// Items resting at `now_ms`: `cap` impressions without a click or conversion
// put an item to rest for `rest_ms` after the cap-th one; the count restarts then.
std::unordered_set<std::string> RestingItems(std::vector<profile::FeedbackRecord> feedback, int cap, int64_t rest_ms,
                                             int64_t now_ms);

struct RuleContext {
  std::string context_item;
  std::string channel;
  std::string brand = "*";  // the brand served: only what it sells
  const std::unordered_set<std::string>* purchased = nullptr;  // outlives the filter
  std::unordered_set<std::string> resting;
  int max_per_category = 3;
  // item category -> whether the policy allows using it (sensitive categories)
  std::function<bool(const std::string& item_category)> category_allowed;
};

class RuleFilter {
 public:
  explicit RuleFilter(const RuleContext& ctx) : ctx_(ctx) {}
  // True when the item may be shown next; counts why it may not otherwise.
  // `info`: the item's catalogue entry, null when the catalogue lacks it.
  bool Admit(const std::string& item, const ItemInfo* info);
  const std::map<std::string, int>& excluded() const { return excluded_; }

 private:
  bool Reject(const char* why) {
    ++excluded_[why];
    return false;
  }
  const RuleContext& ctx_;
  std::unordered_map<std::string, int> per_category_;
  std::map<std::string, int> excluded_;
};

}  // namespace shinrai::service
