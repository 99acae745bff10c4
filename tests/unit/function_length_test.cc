// No function in src/ runs over 100 lines (issue 15): a long function tends to
// decide many things at once, and one that grows past the limit should be split
// where it changes subject rather than allowed to keep growing.
//
// A line scan, not a parser: the code is clang-formatted, so a definition at
// namespace scope starts at column 0 and its body closes on a line that starts
// with '}'. Member functions defined inside a class body are indented and not
// counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace shinrai {
namespace {

constexpr int kMaxFunctionLines = 100;

// The change in brace depth on one line, ignoring braces inside string and
// character literals and after a // comment (JSON text in literals is common).
int BraceDelta(const std::string& line) {
  int delta = 0;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote) {
      if (c == '\\') ++i;
      else if (c == quote) quote = 0;
    } else if (c == '/' && i + 1 < line.size() && line[i + 1] == '/') {
      break;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '{') {
      ++delta;
    } else if (c == '}') {
      --delta;
    }
  }
  return delta;
}

bool EndsWithSemicolon(const std::string& line) {
  const auto last = line.find_last_not_of(" \t\r");
  return last != std::string::npos && line[last] == ';';
}

bool StartsDefinition(const std::string& line) {
  return !line.empty() && std::isalpha(static_cast<unsigned char>(line[0])) &&
         line.find('(') != std::string::npos && !EndsWithSemicolon(line);
}

struct LongFunction {
  int first_line;  // 1-based
  int lines;
  std::string signature;
};

std::vector<LongFunction> LongFunctionsIn(const std::vector<std::string>& lines) {
  std::vector<LongFunction> found;
  size_t i = 0;
  while (i < lines.size()) {
    if (!StartsDefinition(lines[i])) {
      ++i;
      continue;
    }
    // The body ends at the first line starting with '}', or earlier where the
    // braces balance (a one-line body, or a constructor's "{}"). A signature
    // that reaches ';' before any '{' was a declaration.
    int depth = 0;
    bool opened = false;
    bool declaration = false;
    size_t end = i;
    for (; end < lines.size(); ++end) {
      const std::string& line = lines[end];
      if (end > i && !line.empty() && line[0] == '}') break;
      depth += BraceDelta(line);
      opened = opened || line.find('{') != std::string::npos;
      if (!opened && EndsWithSemicolon(line)) {
        declaration = true;
        break;
      }
      if (opened && depth <= 0) break;
    }
    const int length = static_cast<int>(end - i) + 1;
    if (!declaration && length > kMaxFunctionLines)
      found.push_back({static_cast<int>(i) + 1, length, lines[i]});
    i = end + 1;
  }
  return found;
}

TEST(FunctionLength, NoFunctionInSrcRunsOverTheLimit) {
  const std::filesystem::path src = std::filesystem::path(SHINRAI_SOURCE_DIR) / "src";
  std::vector<std::string> offenders;
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(src)) {
    if (entry.path().extension() != ".cc") continue;
    ++files;
    std::ifstream in(entry.path());
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    for (const auto& f : LongFunctionsIn(lines)) {
      offenders.push_back(entry.path().lexically_relative(src).string() + ":" + std::to_string(f.first_line) + ": " +
                          std::to_string(f.lines) + " lines: " + f.signature);
    }
  }
  ASSERT_GT(files, 0) << "no .cc files under " << src;
  std::sort(offenders.begin(), offenders.end());
  std::string report;
  for (const auto& o : offenders) report += "\n  " + o;
  EXPECT_TRUE(offenders.empty()) << offenders.size() << " functions over " << kMaxFunctionLines
                                 << " lines; split them where they change subject:" << report;
}

// The scan itself: what it counts and what it leaves alone.
TEST(FunctionLength, TheScanCountsFromSignatureToClosingBrace) {
  std::vector<std::string> body(kMaxFunctionLines - 2, "  x();");
  std::vector<std::string> at_limit = {"int F(int a) {"};
  at_limit.insert(at_limit.end(), body.begin(), body.end());
  at_limit.push_back("}");
  EXPECT_TRUE(LongFunctionsIn(at_limit).empty());

  std::vector<std::string> over = {"Result<int> G(int a,", "               int b) {"};
  over.insert(over.end(), body.begin(), body.end());
  over.push_back("}");
  const auto found = LongFunctionsIn(over);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].first_line, 1);
  EXPECT_EQ(found[0].lines, kMaxFunctionLines + 1);
}

TEST(FunctionLength, OneLinersDeclarationsAndBracesInLiteralsEndWhereTheyShould) {
  std::vector<std::string> lines = {
      "bool Short() { return true; }",
      "Result<int> Declared(int a,",
      "                     int b);",
      "Widget::Widget(int a, int b)",
      "    : a_(a), b_(b) {}",
      "std::string Json() { return \"{\"; }",
  };
  // A long function after them must still be found whole, not merged with them.
  lines.push_back("void Long() {");
  for (int i = 0; i < kMaxFunctionLines; ++i) lines.push_back("  y();");
  lines.push_back("}");
  const auto found = LongFunctionsIn(lines);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].signature, "void Long() {");
  EXPECT_EQ(found[0].lines, kMaxFunctionLines + 2);
}

}  // namespace
}  // namespace shinrai
