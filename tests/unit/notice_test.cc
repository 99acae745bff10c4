// Issue 18, item 1: notices generated from the declaration, in English and
// Japanese, short and full, per brand, versioned by a hash of what they say.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "schema/config.h"
#include "testing/collect_fixture.h"
#include "testing/status_matchers.h"
#include "transparency/notice.h"

namespace shinrai {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::StatusIs;

std::string ExampleText() {
  std::ifstream in(testing::ExampleConfigPath());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

schema::Config Parse(const std::string& yaml) {
  auto cfg = schema::ParseConfig(yaml, "notice.yaml");
  if (!cfg.ok()) throw std::runtime_error(cfg.status().ToString());
  return std::move(*cfg);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("the example has no '" + from + "'");
  return text.replace(at, from.size(), to);
}

TEST(Notice, TheVersionChangesWithWhatTheNoticeSaysAndOnlyThen) {
  const std::string example = ExampleText();
  const std::string version = Parse(example).declaration.consent.notice_version;
  EXPECT_EQ(version.rfind("2026-01+", 0), 0u) << version;
  EXPECT_EQ(version.size(), std::string("2026-01+").size() + 12);
  // A longer retention, a new recipient, another legal basis: another notice.
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"recipients: [Example Mail Inc (e-mail delivery processor)]",
            "recipients: [Example Mail Inc (e-mail delivery processor), Another Processor]"},
           {"  analytics:\n    legal_basis: legitimate_interest", "  analytics:\n    legal_basis: consent"},
           {"retention: 7y", "retention: 8y"}}) {
    EXPECT_NE(Parse(Replace(example, from, to)).declaration.consent.notice_version, version) << to;
  }
  // Server settings are not what a notice tells people.
  EXPECT_EQ(Parse(Replace(example, "max_batch_events: 2000", "max_batch_events: 100")).declaration.consent.notice_version,
            version);
}

TEST(Notice, ShortAndFullInEnglishAndJapaneseFromTheDeclaration) {
  const schema::Config c = testing::ExampleConfig();
  const schema::Declaration& d = c.declaration;
  auto en = transparency::NoticeContent(d, {"short", "en", ""});
  ASSERT_OK(en);
  EXPECT_EQ((*en)["version"], d.consent.notice_version);
  EXPECT_EQ((*en)["controller"]["name"], d.controller.name);
  auto html = transparency::RenderNoticeHtml(*en);
  ASSERT_OK(html);
  EXPECT_THAT(*html, HasSubstr("<html lang=\"en\">"));
  EXPECT_THAT(*html, HasSubstr("What we collect"));
  EXPECT_THAT(*html, HasSubstr(d.purposes.at("personalization").description.substr(0, 30)));
  EXPECT_THAT(*html, HasSubstr("Example Ads Ltd (advertising partner)")) << "who receives it";
  EXPECT_THAT(*html, HasSubstr("up to 7 years")) << "for how long";
  EXPECT_THAT(*html, HasSubstr(d.consent.notice_version));
  EXPECT_THAT(*html, Not(HasSubstr("{{"))) << "every placeholder is filled";

  auto ja = transparency::NoticeContent(d, {"full", "ja", ""});
  ASSERT_OK(ja);
  auto ja_html = transparency::RenderNoticeHtml(*ja);
  ASSERT_OK(ja_html);
  EXPECT_THAT(*ja_html, HasSubstr("<html lang=\"ja\">"));
  EXPECT_THAT(*ja_html, HasSubstr("利用目的と法的根拠"));
  EXPECT_THAT(*ja_html, HasSubstr("お客様の同意")) << "legal bases in Japanese";
  EXPECT_THAT(*ja_html, HasSubstr("最長7年間"));
  EXPECT_THAT(*ja_html, HasSubstr(d.Text("ja", "purposes.personalization", ""))) << "the declaration's translation";
  EXPECT_THAT(*ja_html, HasSubstr("税務当局（求めがあった場合）"));
  EXPECT_THAT(*ja_html, Not(HasSubstr(d.purposes.at("personalization").description)));
  EXPECT_THAT(*ja_html, Not(HasSubstr("{{")));

  // What people read is escaped: a declaration cannot inject markup.
  schema::Config hostile = testing::ExampleConfig();
  hostile.declaration.purposes.at("service").description = "<script>alert(1)</script>";
  auto escaped = transparency::RenderNoticeHtml(*transparency::NoticeContent(hostile.declaration, {"full", "en", ""}));
  ASSERT_OK(escaped);
  EXPECT_THAT(*escaped, Not(HasSubstr("<script>")));
  EXPECT_THAT(*escaped, HasSubstr("&lt;script&gt;"));
}

TEST(Notice, EachBrandsNoticeNamesItsControllerAndOnlyThePurposesItRuns) {
  const std::string example = testing::ExampleConfigPath();
  auto two = schema::LoadConfig(example.substr(0, example.rfind('/') + 1) + "two-brands.yaml");
  ASSERT_OK(two);
  auto home = transparency::NoticeContent(two->declaration, {"short", "en", "home"});
  ASSERT_OK(home);
  EXPECT_EQ((*home)["controller"]["name"], "Shinrai Home Ltd");
  for (const auto& p : (*home)["purposes"]) EXPECT_NE(p["id"], "advertising") << "Home does not run advertising";
  auto shop = transparency::NoticeContent(two->declaration, {"short", "en", ""});
  ASSERT_OK(shop);
  EXPECT_EQ((*shop)["brand"]["id"], "shop") << "the default brand's";
  bool advertising = false;
  for (const auto& p : (*shop)["purposes"]) advertising |= p["id"] == "advertising";
  EXPECT_TRUE(advertising);
}

TEST(Notice, ATranslationMustTranslateSomethingDeclared) {
  const auto error = [](const std::string& extra) {
    auto r = schema::ParseConfig("channels: [web]\npurposes: {service: contract}\n" + extra, "t.yaml");
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  EXPECT_THAT(error("translations: {ja: {purposes: {loyalty: ポイント}}}\n"),
              HasSubstr("translations.ja.purposes.loyalty: translates nothing declared"));
  EXPECT_THAT(error("translations: {japanese: {}}\n"), HasSubstr("two-letter language code"));
  EXPECT_THAT(error("translations: {ja: {brands: {}}}\n"), HasSubstr("brands"));
}

TEST(Notice, AnUnknownLayerLanguageOrBrandIsNamed) {
  const schema::Declaration& d = testing::ExampleConfig().declaration;
  EXPECT_THAT(transparency::NoticeContent(d, {"medium", "en", ""}), StatusIs(Code::kInvalidArgument, HasSubstr("layer")));
  EXPECT_THAT(transparency::NoticeContent(d, {"short", "fr", ""}),
              StatusIs(Code::kInvalidArgument, HasSubstr("lang: expected one of en, ja")));
  EXPECT_THAT(transparency::NoticeContent(d, {"short", "en", "home"}),
              StatusIs(Code::kInvalidArgument, HasSubstr("no brands are declared")));
}

TEST(Notice, AConsentRecordCitesTheVersionShown) {
  testing::CollectFixture f(testing::ExampleConfig());
  const service::Principal admin{service::Role::kAdmin, "admin", "a"};
  ASSERT_OK(f.ChangeConsent(admin, "nora", R"({"changes":[{"purpose":"email_marketing","status":"granted"}]})"));
  auto state = f.services().consent.History(admin, "nora");
  ASSERT_OK(state);
  EXPECT_EQ((*state)["records"][0]["notice_version"], f.config().declaration.consent.notice_version);
  ASSERT_OK(f.Track(R"({"userId":"nora","event":"Product Viewed","context":{"consent":{"categoryPreferences":{"Analytics":true}}}})"));
  auto after = f.services().consent.History(admin, "nora");
  EXPECT_EQ((*after)["records"].back()["notice_version"], f.config().declaration.consent.notice_version)
      << "signals sent with events cite it too";
}

}  // namespace
}  // namespace shinrai
