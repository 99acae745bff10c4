// src/README.md is the map a newcomer reads first (issue 15): it names every
// source file under src/, so a new file cannot land without a line there.
// And every room stays small enough to read: a folder that grows past the
// bar is split by capability before more lands in it.
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

TEST(SourceMap, NoFolderHoldsMoreThan12SourceFilesOr2000Lines) {
  constexpr int kMaxSources = 12;
  constexpr int kMaxLines = 2000;
  const std::filesystem::path src = std::filesystem::path(SHINRAI_SOURCE_DIR) / "src";
  std::string over;
  for (const auto& dir : std::filesystem::recursive_directory_iterator(src)) {
    if (!dir.is_directory()) continue;
    int sources = 0;
    int lines = 0;
    for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
      const auto ext = file.path().extension();
      if (ext != ".cc" && ext != ".h") continue;
      sources += ext == ".cc";
      std::ifstream in(file.path());
      std::string line;
      while (std::getline(in, line)) ++lines;
    }
    if (sources > kMaxSources || lines > kMaxLines)
      over += "  " + dir.path().lexically_relative(src).string() + ": " + std::to_string(sources) + " .cc files, " +
              std::to_string(lines) + " lines\n";
  }
  EXPECT_TRUE(over.empty()) << "split these folders by capability (at most " << kMaxSources << " .cc files and "
                            << kMaxLines << " lines each):\n"
                            << over;
}

}  // namespace
}  // namespace shinrai
