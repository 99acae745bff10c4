// Catalog: the items recommendations may name, with what the rules need
// (category for diversity and sensitivity, stock, channels, re-purchasable).
// Kept in memory (read on every request), written through to `it/<id>`.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace shinrai::service {

struct ItemInfo {
  std::string id;
  std::string name;
  std::string category;
  bool in_stock = true;
  bool repurchasable = false;          // consumables may be recommended again after purchase
  std::vector<std::string> channels;   // empty: every channel
  std::vector<std::string> brands;     // the group's brands that sell it; empty: every brand

  bool OnChannel(std::string_view channel) const;
  // Whether `brand` ("*": the group) may recommend it.
  bool SoldBy(std::string_view brand) const;
};

// Parses {"items": [{"id", "name", "category", "in_stock", "repurchasable", "channels", "brands"}]};
// every mistake names the item's position and field.
Result<std::vector<ItemInfo>> ParseCatalogItems(std::string_view body);
nlohmann::json ItemToJson(const ItemInfo& item);

class Catalog {
 public:
  Status Load(store::Store& store);
  // Stores the items (one synced write), then makes them visible.
  Status Upsert(store::Store& store, std::vector<ItemInfo> items);
  // nullptr for unknown items: they are served without catalogue rules.
  std::shared_ptr<const ItemInfo> Find(const std::string& id) const;
  size_t size() const;

 private:
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const ItemInfo>> items_;  // GUARDED_BY(mu_)
};

}  // namespace shinrai::service
