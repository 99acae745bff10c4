#include "app/cluster_link.h"

#include <spdlog/spdlog.h>

namespace shinrai::app {

namespace {

// Profile ids per notice, well under PostgreSQL's 8000-byte payload.
constexpr size_t kIdsPerNotice = 100;

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    out.emplace_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

}  // namespace

void ClusterLink::ForgetPeople(const std::vector<std::string>& profile_ids) {
  if (!cluster_) return;
  for (size_t i = 0; i < profile_ids.size(); i += kIdsPerNotice) {
    std::string ids;
    for (size_t j = i; j < std::min(profile_ids.size(), i + kIdsPerNotice); ++j)
      ids += (ids.empty() ? "" : "\n") + profile_ids[j];
    // Their records are already gone from the database; a node that misses
    // this holds them in memory only until its listener reconnects (resync).
    if (Status st = cluster_->Notify("forget", ids); !st.ok())
      spdlog::warn("erasure notice to the other nodes: {}", st.message());
  }
}

void ClusterLink::ForgetExpired(bool rebuild) {
  if (!cluster_) return;
  if (Status st = cluster_->Notify("expired", rebuild ? "rebuild" : ""); !st.ok())
    spdlog::warn("retention notice to the other nodes: {}", st.message());
}

void ClusterLink::Listen() {
  if (!cluster_) return;
  cluster_->Listen([this](std::string_view topic, std::string_view payload, bool from_here) {
    OnNotice(topic, payload, from_here);
  });
}

void ClusterLink::OnNotice(std::string_view topic, std::string_view payload, bool from_here) {
  if (from_here) return;  // this node acted on it when it sent it
  Status st;
  if (topic == "forget") {
    if (vault_) vault_->DropCached();
    recs_->ForgetPeople(SplitLines(payload));
  } else if (topic == "expired") {
    recs_->ForgetExpired(payload == "rebuild");
  } else if (topic == "model") {
    st = recs_->AdoptPublishedModel();
  } else if (topic == "catalog") {
    // The catalogue only: feedback totals are read again under the write
    // lease alone, where no staged increment can be lost to the reload.
    st = recs_->ReloadCatalog();
  } else if (topic == "resync") {
    // Notices were missed while the listener was away: act as if each came.
    if (vault_) vault_->DropCached();
    recs_->ForgetEveryone();
    st = recs_->ReloadCatalog();
    if (st.ok()) st = recs_->AdoptPublishedModel();
  }
  if (!st.ok()) spdlog::warn("acting on the other nodes' '{}' notice: {}", topic, st.message());
}

}  // namespace shinrai::app
