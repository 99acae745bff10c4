#include "personalize/catalog.h"

#include <algorithm>
#include <mutex>

#include "profile/keys.h"

namespace shinrai::service {

using nlohmann::json;

bool ItemInfo::SoldBy(std::string_view brand) const {
  return brands.empty() || brand == "*" || std::find(brands.begin(), brands.end(), brand) != brands.end();
}

bool ItemInfo::OnChannel(std::string_view channel) const {
  return channels.empty() || channel.empty() || std::find(channels.begin(), channels.end(), channel) != channels.end();
}

json ItemToJson(const ItemInfo& i) {
  json j = {{"id", i.id},           {"name", i.name},
            {"category", i.category}, {"in_stock", i.in_stock},
            {"repurchasable", i.repurchasable}, {"channels", i.channels}};
  if (!i.brands.empty()) j["brands"] = i.brands;
  return j;
}

namespace {

Result<ItemInfo> ItemFromJson(const json& j, const std::string& where) {
  if (!j.is_object()) return InvalidArgument(where + ": expected an object");
  ItemInfo item;
  for (const auto& [k, v] : j.items()) {
    const std::string field = where + "." + k;
    if (k == "id" || k == "name" || k == "category") {
      if (!v.is_string()) return InvalidArgument(field + ": expected a string");
      (k == "id" ? item.id : k == "name" ? item.name : item.category) = v.get<std::string>();
    } else if (k == "in_stock" || k == "repurchasable") {
      if (!v.is_boolean()) return InvalidArgument(field + ": expected true or false");
      (k == "in_stock" ? item.in_stock : item.repurchasable) = v.get<bool>();
    } else if (k == "channels" || k == "brands") {
      const std::string what = k == "channels" ? "channel names" : "brand ids";
      if (!v.is_array()) return InvalidArgument(field + ": expected a list of " + what);
      for (const auto& c : v) {
        if (!c.is_string()) return InvalidArgument(field + ": expected a list of " + what);
        (k == "channels" ? item.channels : item.brands).push_back(c.get<std::string>());
      }
    } else {
      return InvalidArgument(field + ": unknown field (id, name, category, in_stock, repurchasable, channels, brands)");
    }
  }
  if (item.id.empty() || item.id.size() > 200) return InvalidArgument(where + ".id: required, at most 200 characters");
  return item;
}

}  // namespace

Result<std::vector<ItemInfo>> ParseCatalogItems(std::string_view body) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return InvalidArgument("body: expected a JSON object {\"items\": [...]}");
  auto it = doc.find("items");
  if (it == doc.end() || !it->is_array() || it->empty())
    return InvalidArgument("items: expected a non-empty list of items");
  if (it->size() > 10'000) return InvalidArgument("items: at most 10000 items per request");
  std::vector<ItemInfo> out;
  for (size_t n = 0; n < it->size(); ++n) {
    ASSIGN_OR_RETURN(ItemInfo item, ItemFromJson((*it)[n], "items[" + std::to_string(n) + "]"));
    out.push_back(std::move(item));
  }
  return out;
}

Status Catalog::Load(store::Store& store) {
  store::ScanOptions so;
  so.prefix = std::string(profile::kItemPrefix);
  std::unordered_map<std::string, std::shared_ptr<const ItemInfo>> loaded;
  Status bad;
  RETURN_IF_ERROR(store.Scan(so, [&](std::string_view key, std::string_view value) {
    json j = json::parse(value, nullptr, false);
    auto item = ItemFromJson(j, std::string(key));
    if (!item.ok()) {
      bad = Internal("catalogue record " + std::string(key) + " is damaged: " + item.status().message());
      return false;
    }
    // Named first: in `a[k] = f(move(x))` the right side runs first (C++17), which would key it by a moved-from id.
    std::string id = item->id;
    loaded[std::move(id)] = std::make_shared<const ItemInfo>(std::move(*item));
    return true;
  }));
  RETURN_IF_ERROR(bad);
  std::unique_lock lock(mu_);
  items_ = std::move(loaded);
  return Status::Ok();
}

Status Catalog::Upsert(store::Store& store, std::vector<ItemInfo> items) {
  store::WriteBatch wb;
  for (const auto& i : items) wb.Put(std::string(profile::kItemPrefix) + i.id, ItemToJson(i).dump());
  RETURN_IF_ERROR(store.Write(wb, true));
  std::unique_lock lock(mu_);
  for (auto& i : items) {
    std::string id = i.id;
    items_[id] = std::make_shared<const ItemInfo>(std::move(i));
  }
  return Status::Ok();
}

std::shared_ptr<const ItemInfo> Catalog::Find(const std::string& id) const {
  std::shared_lock lock(mu_);
  auto it = items_.find(id);
  return it == items_.end() ? nullptr : it->second;
}

size_t Catalog::size() const {
  std::shared_lock lock(mu_);
  return items_.size();
}

}  // namespace shinrai::service
