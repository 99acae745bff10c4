#include "core/progress.h"
#include "demo/demo_shop.h"

#include <future>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "core/time_format.h"

namespace shinrai::demo {

namespace {

using nlohmann::json;

constexpr const char* kFirstNames[] = {"Aiko",  "Ben",   "Chloe", "Dev",   "Elena", "Farid", "Grace", "Hiro",
                                       "Ines",  "Jonas", "Kemi",  "Liam",  "Maya",  "Noah",  "Olga",  "Priya",
                                       "Quinn", "Rosa",  "Sven",  "Tara",  "Umar",  "Vera",  "Wei",   "Yusuf"};
constexpr const char* kLastNames[] = {"Tanaka", "Okafor", "Martin", "Patel", "Rossi",  "Haddad", "Nguyen", "Schmidt",
                                      "Silva",  "Kowalski", "Byrne", "Sato",  "Moreau", "Larsen", "Costa",  "Ahmed"};
constexpr const char* kCities[] = {"London", "Manchester", "Leeds", "Bristol", "Glasgow", "Cardiff", "Belfast"};
struct CategoryInfo {
  const char* name;
  const char* items[6];
  double price;
  bool consumable;
};
constexpr CategoryInfo kCategories[] = {
    {"coffee", {"Espresso Beans", "Filter Roast", "Decaf Blend", "Single Origin", "Cold Brew Pack", "Cafetiere"}, 12, true},
    {"tea", {"Sencha", "Earl Grey", "Rooibos", "Matcha Tin", "Chai Mix", "Teapot"}, 9, true},
    {"kitchen", {"Chef Knife", "Cast Iron Pan", "Cutting Board", "Mixing Bowls", "Spice Rack", "Kettle"}, 45, false},
    {"garden", {"Trowel", "Seed Kit", "Watering Can", "Planter", "Pruners", "Compost Bin"}, 25, false},
    {"books", {"Cookbook", "Field Guide", "Novel", "Atlas", "Poetry", "Travel Guide"}, 15, false},
    {"wellness", {"Yoga Mat", "Foam Roller", "Herbal Balm", "Bath Salts", "Water Bottle", "Sleep Mask"}, 20, true},
};

struct Product {
  std::string id, name, category;
  double price;
};

class Generator {
 public:
  Generator(const DemoOptions& o) : o_(o), rng_(o.seed) {
    for (int i = 0; i < o.products; ++i) {
      const CategoryInfo& c = kCategories[i % std::size(kCategories)];
      Product p;
      p.category = c.name;
      p.id = "sku-" + std::to_string(1000 + i);
      p.name = std::string(c.items[(i / std::size(kCategories)) % 6]) + " " + std::to_string(i / 36 + 1);
      p.price = std::round(c.price * (0.6 + Uniform() * 0.9) * 100) / 100;
      products_.push_back(p);
    }
  }

  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string Id(const char* prefix) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%s-%016llx", prefix, static_cast<unsigned long long>(rng_()));
    return buf;
  }
  // Customers prefer one or two categories: a signal recommendations can learn.
  const Product& ProductFor(int taste) {
    if (Uniform() < 0.7) {
      const int cat = taste % static_cast<int>(std::size(kCategories));
      for (;;) {
        const Product& p = products_[Pick(static_cast<int>(products_.size()))];
        if (p.category == kCategories[cat].name) return p;
      }
    }
    return products_[Pick(static_cast<int>(products_.size()))];
  }

  json Base(const char* type, const std::string& channel, int64_t at, const std::string& library) {
    json m = {{"type", type}, {"messageId", Id("demo")}, {"timestamp", FormatIso8601Millis(at)}};
    m["context"] = {{"channel", channel}, {"library", {{"name", library}, {"version", "1.0.0"}}}, {"locale", "en-GB"}};
    if (channel == "web") {
      m["context"]["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0";
      m["context"]["ip"] = "203.0.113." + std::to_string(Pick(250) + 1);  // forbidden: shows the drop
    }
    return m;
  }

  json ProductProps(const Product& p) {
    return {{"product_id", p.id}, {"name", p.name}, {"category", p.category}, {"price", p.price}, {"currency", "GBP"}};
  }

  std::vector<std::string> Run(DemoSummary* summary) {
    std::vector<std::string> batches;
    const int64_t day = 86400000;
    for (int c = 0; c < o_.customers + o_.anonymous_visitors; ++c) {
      const bool known = c < o_.customers;
      const int taste = Pick(1000);
      const std::string anon = Id("anon");
      const std::string app_anon = Id("device");
      const std::string user_id = "cust-" + std::to_string(10000 + c);
      const std::string first = kFirstNames[Pick(std::size(kFirstNames))];
      const std::string last = kLastNames[Pick(std::size(kLastNames))];
      std::string email = first + "." + last + "." + std::to_string(c) + "@example.com";
      for (auto& ch : email) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      json batch = json::array();
      int64_t t = o_.now_ms - static_cast<int64_t>((20 + Pick(70)) * day);
      const int sessions = 1 + Pick(known ? 6 : 2);
      bool identified = false;
      // What this visitor answers in the cookie banner (web) and the app's
      // consent screen: the choices differ, as real people's do.
      const bool likes_personalization = Uniform() < 0.65;
      const bool accepts_ads = Uniform() < 0.35;
      const bool wants_newsletter = Uniform() < 0.4;
      std::set<std::string> asked;
      bool allowed_on_web = false;
      for (int s = 0; s < sessions; ++s) {
        const bool in_app = known && Uniform() < 0.3;
        const std::string channel = in_app ? "app" : "web";
        const std::string lib = in_app ? "analytics-react-native" : "analytics.js";
        const std::string session_anon = in_app ? app_anon : anon;
        auto with_ids = [&](json m) {
          m["anonymousId"] = session_anon;
          if (identified) m["userId"] = user_id;
          return m;
        };
        json page = with_ids(Base(in_app ? "screen" : "page", channel, t, lib));
        page["name"] = "Home";
        if (asked.insert(channel).second) {
          const bool allows = likes_personalization && (channel == "web" || Uniform() < 0.8);
          if (channel == "web") allowed_on_web = allows;
          page["context"]["consent"] = {{"categoryPreferences",
                                         {{"Personalization", allows},
                                          {"Advertising", accepts_ads},
                                          {"Analytics", true},
                                          {"Marketing", wants_newsletter}}}};
        }
        if (!in_app) page["properties"] = {{"path", "/"}, {"title", "Shinrai Demo Shop"}, {"url", "https://shop.example/"}};
        batch.push_back(page);
        const int views = 1 + Pick(5);
        const Product* last_viewed = nullptr;
        for (int v = 0; v < views; ++v) {
          t += 20000 + Pick(120000);
          const Product& p = ProductFor(taste);
          last_viewed = &p;
          json ev = with_ids(Base("track", channel, t, lib));
          ev["event"] = "Product Viewed";
          ev["properties"] = ProductProps(p);
          batch.push_back(ev);
        }
        if (known && !identified && (s > 0 || Uniform() < 0.5)) {
          t += 30000;
          json id = Base("identify", channel, t, lib);
          id["anonymousId"] = session_anon;
          id["userId"] = user_id;
          id["traits"] = {{"email", email},
                          {"first_name", first},
                          {"last_name", last},
                          {"phone", "07700 900" + std::to_string(100 + c % 900)},
                          {"city", kCities[Pick(std::size(kCities))]},
                          {"country", "GB"},
                          {"loyalty_tier", c % 5 == 0 ? "gold" : "standard"}};
          batch.push_back(id);
          identified = true;
          if (summary->sample_user_id.empty() && sessions >= 4 && likes_personalization) {
            summary->sample_user_id = user_id;
            summary->sample_email = email;
          }
          if (summary->sample_declined_user_id.empty() && sessions >= 4 && !likes_personalization)
            summary->sample_declined_user_id = user_id;
        }
        if (identified && last_viewed && Uniform() < 0.55) {
          t += 60000;
          json add = with_ids(Base("track", channel, t, lib));
          add["event"] = "Product Added";
          add["properties"] = ProductProps(*last_viewed);
          add["properties"]["quantity"] = 1;
          batch.push_back(add);
          if (Uniform() < 0.7) {
            t += 120000;
            json order = with_ids(Base("track", channel, t, lib));
            order["event"] = "Order Completed";
            order["properties"] = {{"order_id", Id("ord")},
                                   {"total", last_viewed->price},
                                   {"currency", "GBP"},
                                   {"products", json::array({{{"product_id", last_viewed->id},
                                                              {"category", last_viewed->category},
                                                              {"price", last_viewed->price},
                                                              {"quantity", 1}}})}};
            batch.push_back(order);
          }
        }
        t += static_cast<int64_t>((1 + Pick(10)) * day);
        if (t > o_.now_ms - 60000) t = o_.now_ms - 60000 - Pick(3600000);
      }
      if (identified && Uniform() < 0.25) {
        // A purchase at the till, linked by the loyalty card's user id.
        const Product& p = ProductFor(taste);
        json order = Base("track", "store", t + 3600000, "shinrai-pos");
        order["userId"] = user_id;
        order["event"] = "Order Completed";
        order["properties"] = {{"order_id", Id("pos")}, {"total", p.price}, {"currency", "GBP"},
                               {"products", json::array({{{"product_id", p.id}, {"category", p.category},
                                                          {"price", p.price}, {"quantity", 1}}})}};
        batch.push_back(order);
      }
      if (identified && Uniform() < 0.1) {
        json call = Base("track", "call_center", t + 7200000, "shinrai-agent-desk");
        call["userId"] = user_id;
        call["event"] = "Support Contacted";
        call["properties"] = {{"topic", Uniform() < 0.5 ? "delivery" : "returns"}};
        batch.push_back(call);
      }
      if (identified) shoppers_.push_back({user_id, email, allowed_on_web});
      summary->events += static_cast<int>(batch.size());
      if (known) ++summary->customers;
      batches.push_back(json{{"batch", std::move(batch)}}.dump());
    }
    summary->products = static_cast<int>(products_.size());
    json items = json::array();
    for (size_t i = 0; i < products_.size(); ++i) {
      const Product& p = products_[i];
      const CategoryInfo& c = kCategories[i % std::size(kCategories)];
      // A few items sold out, and the in-store exclusives not offered online.
      json item = {{"id", p.id}, {"name", p.name}, {"category", p.category}, {"repurchasable", c.consumable},
                   {"in_stock", i % 17 != 5}};
      if (i % 23 == 7) item["channels"] = {"store"};
      if (!o_.second_brand.empty()) item["brands"] = {o_.first_brand};
      items.push_back(std::move(item));
    }
    summary->catalog_json = json{{"items", std::move(items)}}.dump();
    return batches;
  }

  // The second brand (Home: kitchen and garden goods): every third of the
  // shop's known customers shops there too, with choices of their own (every
  // other one allows Home to personalize, whatever they told the shop), and
  // some people shop at Home only. Its own random stream, so the shop's data
  // are the same with or without it. REQUIRES: Run() first.
  std::vector<std::string> RunSecondBrand(DemoSummary* summary) {
    rng_.seed(o_.seed + 1);
    std::vector<Product> range;
    for (int i = 0; i < 40; ++i) {
      const CategoryInfo& c = kCategories[i % 2 == 0 ? 2 : 3];  // kitchen, garden
      range.push_back({"sku-" + std::to_string(5000 + i), std::string("Home ") + c.items[(i / 2) % 6] + " " +
                       std::to_string(i / 12 + 1), c.name, std::round(c.price * (0.8 + Uniform()) * 100) / 100});
    }
    std::vector<Shopper> people;
    for (size_t k = 0; k < shoppers_.size(); k += 3) people.push_back(shoppers_[k]);
    for (int k = 0; k < o_.customers / 6; ++k) {
      const std::string id = "cust-" + std::to_string(30000 + k);
      people.push_back({id, "home." + std::to_string(k) + "@example.com", false});
    }
    const int64_t day = 86400000;
    std::vector<std::string> batches;
    for (size_t k = 0; k < people.size(); ++k) {
      const Shopper& who = people[k];
      const bool likes_here = k % 2 == 0;
      json batch = json::array();
      int64_t t = o_.now_ms - static_cast<int64_t>((5 + Pick(40)) * day);
      const std::string anon = Id("anon");
      json page = Base("page", "web", t, "analytics.js");
      page["anonymousId"] = anon;
      page["userId"] = who.user_id;
      page["name"] = "Home";
      page["properties"] = {{"path", "/"}, {"title", "Shinrai Home"}, {"url", "https://home.example/"}};
      page["context"]["consent"] = {{"categoryPreferences",
                                     {{"Personalization", likes_here}, {"Analytics", true}, {"Marketing", false}}}};
      batch.push_back(page);
      json id = Base("identify", "web", t + 1000, "analytics.js");
      id["anonymousId"] = anon;
      id["userId"] = who.user_id;
      id["traits"] = {{"email", who.email}};
      batch.push_back(id);
      const int views = 3 + Pick(5);
      for (int v = 0; v < views; ++v) {
        t += 20000 + Pick(120000);
        json ev = Base("track", "web", t, "analytics.js");
        ev["userId"] = who.user_id;
        ev["event"] = "Product Viewed";
        ev["properties"] = ProductProps(range[Pick(static_cast<int>(range.size()))]);
        batch.push_back(ev);
      }
      if (summary->sample_shared_user_id.empty() && who.allowed_on_web && !likes_here)
        summary->sample_shared_user_id = who.user_id;
      if (summary->sample_second_brand_only_user_id.empty() && who.user_id.rfind("cust-3", 0) == 0)
        summary->sample_second_brand_only_user_id = who.user_id;
      summary->second_brand_events += static_cast<int>(batch.size());
      batches.push_back(json{{"batch", std::move(batch)}}.dump());
    }
    json items = json::parse(summary->catalog_json);
    for (const Product& p : range) {
      items["items"].push_back({{"id", p.id}, {"name", p.name}, {"category", p.category}, {"repurchasable", false},
                                {"brands", {o_.second_brand}}});
    }
    summary->products += static_cast<int>(range.size());
    summary->catalog_json = items.dump();
    return batches;
  }

 private:
  struct Shopper {
    std::string user_id, email;
    bool allowed_on_web = false;  // the shop to personalize, in its web shop
  };
  DemoOptions o_;
  std::mt19937_64 rng_;
  std::vector<Product> products_;
  std::vector<Shopper> shoppers_;  // the shop's identified customers, in order
};

}  // namespace

std::vector<std::string> GenerateDemoBatches(const DemoOptions& options, DemoSummary* summary,
                                             std::vector<std::string>* second_brand_batches) {
  Generator g(options);
  std::vector<std::string> batches = g.Run(summary);
  if (!options.second_brand.empty() && second_brand_batches) *second_brand_batches = g.RunSecondBrand(summary);
  return batches;
}

namespace {

Status Send(service::CollectService& collect, const std::string& write_key, const std::vector<std::string>& batches,
            const std::string& phase) {
  Progress progress(phase, static_cast<int64_t>(batches.size()));  // outlives every callback: all are awaited below
  std::vector<std::future<Status>> pending;
  for (const auto& body : batches) {
    auto promise = std::make_shared<std::promise<Status>>();
    pending.push_back(promise->get_future());
    service::Credentials c;
    c.basic_user = write_key;
    collect.Collect(c, std::nullopt, body, /*gpc=*/false, [promise, &progress](Result<service::CollectReport> r) {
      progress.Advance();
      promise->set_value(r.ok() ? Status::Ok() : r.status());
    });
  }
  // Every batch is awaited, even after one failed: their callbacks use `progress`.
  Status first = Status::Ok();
  for (auto& f : pending) {
    Status st = f.get();
    if (first.ok()) first = st;
  }
  return first;
}

}  // namespace

Result<DemoSummary> LoadDemoShop(service::CollectService& collect, const std::string& write_key,
                                 const DemoOptions& options, const std::string& second_brand_write_key) {
  DemoSummary summary;
  std::vector<std::string> second;
  std::vector<std::string> batches = GenerateDemoBatches(options, &summary, &second);
  RETURN_IF_ERROR(Send(collect, write_key, batches, "demo shop: batches of events stored"));
  // After the shop's: Home's shoppers are the shop's customers already known.
  if (!second.empty())
    RETURN_IF_ERROR(Send(collect, second_brand_write_key, second, "demo shop: the second brand's batches stored"));
  return summary;
}

}  // namespace shinrai::demo
