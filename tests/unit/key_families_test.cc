// The table of key families is the one owner of every key prefix (issue 15):
// prefixes are distinct and none shadows another, the encrypting store seals
// exactly the families the table calls personal, and no source file outside
// the table spells a prefix itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "app/data_dir.h"
#include "store/key_families.h"

namespace shinrai {
namespace {

TEST(KeyFamilies, PrefixesAreDistinctAndNoneShadowsAnother) {
  for (const auto& a : store::kKeyFamilies) {
    for (const auto& b : store::kKeyFamilies) {
      if (&a == &b) continue;
      EXPECT_NE(b.prefix.substr(0, a.prefix.size()), a.prefix) << a.name << " shadows " << b.name;
    }
    EXPECT_EQ(a.prefix.back(), '/') << a.name;
  }
}

TEST(KeyFamilies, TheEncryptingStoreSealsEveryPersonalFamilyOfTheTable) {
  const crypto::RecordScheme scheme = app::PersonalDataScheme();
  std::set<std::string> protected_prefixes;
  for (const auto* list : {&scheme.subject_families, &scheme.pseudonymized_families, &scheme.service_families})
    protected_prefixes.insert(list->begin(), list->end());
  for (const auto& f : store::kKeyFamilies) {
    const bool personal = f.protection == store::Protection::kSealedBySubject ||
                          f.protection == store::Protection::kPseudonymized ||
                          f.protection == store::Protection::kSealedByService;
    EXPECT_EQ(protected_prefixes.count(std::string(f.prefix)) > 0, personal) << f.name;
  }
}

TEST(KeyFamilies, NoSourceFileSpellsAPrefixOutsideTheTable) {
  // A string literal that starts with a family prefix: "pr/", "ev/abc"...
  std::string alternatives;
  for (const auto& f : store::kKeyFamilies) alternatives += (alternatives.empty() ? "" : "|") + std::string(f.prefix);
  const std::regex literal("\"(" + alternatives + ")");
  std::vector<std::string> offenders;
  const std::filesystem::path src = std::filesystem::path(SHINRAI_SOURCE_DIR) / "src";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(src)) {
    const auto ext = entry.path().extension();
    if (ext != ".cc" && ext != ".h") continue;
    if (entry.path().filename() == "key_families.h") continue;
    std::ifstream in(entry.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      const auto comment = line.find("//");
      const std::string code = comment == std::string::npos ? line : line.substr(0, comment);
      if (std::regex_search(code, literal))
        offenders.push_back(entry.path().lexically_relative(src).string() + ":" + std::to_string(n) + ": " + line);
    }
  }
  EXPECT_TRUE(offenders.empty()) << "spell key prefixes through store/key_families.h and their owners:\n"
                                 << [&] {
                                      std::string all;
                                      for (const auto& o : offenders) all += o + "\n";
                                      return all;
                                    }();
}

}  // namespace
}  // namespace shinrai
