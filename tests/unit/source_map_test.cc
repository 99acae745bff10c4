// src/README.md is the map a newcomer reads first (issue 15): it names every
// source file under src/, so a new file cannot land without a line there.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace shinrai {
namespace {

TEST(SourceMap, SrcReadmeNamesEverySourceFile) {
  const std::filesystem::path src = std::filesystem::path(SHINRAI_SOURCE_DIR) / "src";
  std::ifstream in(src / "README.md");
  ASSERT_TRUE(in) << "src/README.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  const std::string map = text.str();
  std::string missing;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(src)) {
    const auto ext = entry.path().extension();
    if (ext != ".cc" && ext != ".h") continue;
    const std::string relative = entry.path().lexically_relative(src).string();
    if (map.find(relative) == std::string::npos) missing += "  " + relative + "\n";
  }
  EXPECT_TRUE(missing.empty()) << "src/README.md does not name:\n" << missing;
}

}  // namespace
}  // namespace shinrai
