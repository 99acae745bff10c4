#include "recs/eval/blend.h"

#include <algorithm>
#include <memory>

#include "recs/top_k.h"

namespace shinrai::recs {

MemberScores::MemberScores(std::vector<ScoreFn> members, const Csr& test, int32_t items, size_t budget_floats)
    : members_(std::move(members)), items_(items) {
  std::vector<int32_t> users;
  for (int32_t u = 0; u < test.rows; ++u)
    if (!test.Row(u).empty()) users.push_back(u);
  const size_t live = static_cast<size_t>(std::count_if(members_.begin(), members_.end(), [](const ScoreFn& f) { return f != nullptr; }));
  if (users.size() * static_cast<size_t>(items) * live > budget_floats) return;
  row_of_user_.assign(static_cast<size_t>(test.rows), -1);
  for (size_t r = 0; r < users.size(); ++r) row_of_user_[users[r]] = static_cast<int32_t>(r);
  kept_.resize(members_.size());
  for (size_t m = 0; m < members_.size(); ++m) {
    if (!members_[m]) continue;
    kept_[m].resize(users.size() * static_cast<size_t>(items));
    for (size_t r = 0; r < users.size(); ++r) {
      std::span<float> row(kept_[m].data() + r * static_cast<size_t>(items), static_cast<size_t>(items));
      members_[m](users[r], row);
      Standardize(row);
    }
  }
}

ScoreFn MemberScores::Blend(std::vector<float> weights) const {
  return [this, weights = std::move(weights)](int32_t u, std::span<float> out) {
    std::fill(out.begin(), out.end(), 0.0f);
    const int32_t row = row_of_user_.empty() ? -1 : row_of_user_[u];
    std::vector<float> buf;
    for (size_t m = 0; m < members_.size(); ++m) {
      if (weights[m] == 0 || !members_[m]) continue;
      const float* s;
      if (row >= 0) {
        s = kept_[m].data() + static_cast<size_t>(row) * static_cast<size_t>(items_);
      } else {
        buf.resize(static_cast<size_t>(items_));
        members_[m](u, buf);
        Standardize(buf);
        s = buf.data();
      }
      for (int32_t i = 0; i < items_; ++i) out[i] += weights[m] * s[i];
    }
  };
}

std::vector<float> SearchWeights(size_t members, const std::function<double(const std::vector<float>&)>& evaluate,
                                 int* tried) {
  static constexpr float kLadder[] = {0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  std::vector<float> best(members, 0.0f);
  double best_ndcg = -1;
  for (size_t m = 0; m < members; ++m) {
    std::vector<float> w(members, 0.0f);
    w[m] = 1.0f;
    ++*tried;
    if (double v = evaluate(w); v > best_ndcg) best_ndcg = v, best = w;
  }
  for (int round = 0; round < 3; ++round) {
    bool changed = false;
    for (size_t m = 0; m < members; ++m) {
      for (float x : kLadder) {
        if (x == best[m]) continue;
        std::vector<float> w = best;
        w[m] = x;
        if (std::all_of(w.begin(), w.end(), [](float v) { return v == 0; })) continue;
        ++*tried;
        if (double v = evaluate(w); v > best_ndcg + 1e-6) best_ndcg = v, best = std::move(w), changed = true;
      }
    }
    if (!changed) break;
  }
  return best;
}

}  // namespace shinrai::recs
