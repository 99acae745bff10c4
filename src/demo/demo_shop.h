// DemoShop: a realistic, generated web shop for the demo and for tests that
// must not depend on the public datasets: a catalogue, customers who browse
// anonymously, log in, buy on the web, in the app, in store and by phone.
//
// Everything goes through CollectService with the demo write key, so the
// demo data obeys the declaration like any other data. Deterministic for a
// given seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "collect/collect_service.h"

namespace shinrai::demo {

struct DemoOptions {
  int customers = 300;         // Default: 300 known customers
  int anonymous_visitors = 150;  // who never log in
  int products = 120;
  uint64_t seed = 7;
  int64_t now_ms = 0;          // REQUIRES: set; the history ends here
  // The two-brand demo: the shop is `first_brand`; `second_brand` (empty:
  // none) sells kitchen and garden goods to part of the same customers.
  std::string first_brand;
  std::string second_brand;
};

struct DemoSummary {
  int events = 0;
  int customers = 0;
  int products = 0;
  std::string sample_user_id;  // a customer with a rich history who allowed personalization (the README's walk-through)
  std::string sample_email;
  std::string sample_declined_user_id;  // one who declined it: what they see instead
  int second_brand_events = 0;
  std::string sample_shared_user_id;  // shops at both brands: allowed the shop to personalize, not the second brand
  std::string sample_second_brand_only_user_id;  // a customer of the second brand only
  std::string catalog_json;    // {"items": [...]} for POST /v1/items
};

// One Segment-spec batch body per visitor, in the order they should be sent;
// with a second brand, its visitors' batches go to `second_brand_batches`.
std::vector<std::string> GenerateDemoBatches(const DemoOptions& options, DemoSummary* summary,
                                             std::vector<std::string>* second_brand_batches = nullptr);

// Sends the batches through `collect` with `write_key` (the second brand's
// with `second_brand_write_key`) and waits for them.
Result<DemoSummary> LoadDemoShop(service::CollectService& collect, const std::string& write_key,
                                 const DemoOptions& options, const std::string& second_brand_write_key = "");

}  // namespace shinrai::demo
