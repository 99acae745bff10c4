#include "personalize/recommendation_rules.h"

#include <algorithm>

namespace shinrai::service {

std::unordered_set<std::string> RestingItems(std::vector<profile::FeedbackRecord> feedback, int cap, int64_t rest_ms,
                                             int64_t now_ms) {
  std::unordered_set<std::string> resting;
  if (cap <= 0) return resting;
  std::stable_sort(feedback.begin(), feedback.end(),
                   [](const profile::FeedbackRecord& a, const profile::FeedbackRecord& b) { return a.at_ms < b.at_ms; });
  struct State {
    int ignored = 0;
    int64_t rest_until = 0;
  };
  std::unordered_map<std::string, State> by_item;
  for (const profile::FeedbackRecord& f : feedback) {
    State& s = by_item[f.item];
    if (f.type != "impression") {
      s.ignored = 0;  // engagement: the person wants to see it
      s.rest_until = 0;
      continue;
    }
    if (f.at_ms < s.rest_until) continue;
    if (++s.ignored >= cap) {
      s.rest_until = f.at_ms + rest_ms;
      s.ignored = 0;
    }
  }
  for (const auto& [item, s] : by_item)
    if (now_ms < s.rest_until) resting.insert(item);
  return resting;
}

bool RuleFilter::Admit(const std::string& item, const ItemInfo* info) {
  if (item == ctx_.context_item) return Reject("context_item");
  if (ctx_.purchased && ctx_.purchased->count(item) && !(info && info->repurchasable)) return Reject("purchased");
  if (info && !info->in_stock) return Reject("out_of_stock");
  if (info && !info->SoldBy(ctx_.brand)) return Reject("not_sold_by_brand");
  if (info && !info->OnChannel(ctx_.channel)) return Reject("not_on_channel");
  const std::string category = info ? info->category : "";
  if (!category.empty() && ctx_.category_allowed && !ctx_.category_allowed(category)) return Reject("sensitive_category");
  if (ctx_.resting.count(item)) return Reject("frequency_cap");
  if (!category.empty() && ctx_.max_per_category > 0 && per_category_[category] >= ctx_.max_per_category)
    return Reject("diversity");
  if (!category.empty()) ++per_category_[category];
  return true;
}

}  // namespace shinrai::service
