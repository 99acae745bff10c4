// The audit chain: any altered, removed, reordered or cut-off entry is found
// and named; several writers keep one chain.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "audit/file_audit_log.h"
#include "testing/collect_fixture.h"

namespace shinrai {
namespace {

using testing::TempDir;

std::vector<std::string> Lines(const std::string& dir) {
  std::ifstream in(dir + "/audit.jsonl");
  std::vector<std::string> out;
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

void WriteLines(const std::string& dir, const std::vector<std::string>& lines) {
  std::ofstream out(dir + "/audit.jsonl", std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

void Fill(const std::string& dir, int n) {
  FakeEnv env;
  auto log = audit::FileAuditLog::Open(dir, &env);
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE((*log)->Append({"profile.read", {"key" + std::to_string(i % 2), "agent key", "agent"},
                                "person-" + std::to_string(i), {"traits"}, "customer called", {}})
                    .ok());
  }
  ASSERT_TRUE((*log)->Flush().ok());
}

audit::VerifyReport Check(const std::string& dir) {
  auto r = audit::Verify(dir);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : audit::VerifyReport{};
}

TEST(AuditLog, AnIntactChainVerifies) {
  TempDir dir;
  Fill(dir.path(), 6);
  audit::VerifyReport r = Check(dir.path());
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 6);
  EXPECT_EQ(r.head_hash.size(), 64u);
}

TEST(AuditLog, AnAlteredEntryIsNamed) {
  TempDir dir;
  Fill(dir.path(), 6);
  auto lines = Lines(dir.path());
  const size_t at = lines[3].find("person-3");
  lines[3].replace(at, 8, "person-9");
  WriteLines(dir.path(), lines);
  audit::VerifyReport r = Check(dir.path());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 4);
  EXPECT_NE(r.problem.find("altered"), std::string::npos) << r.problem;
}

TEST(AuditLog, ARemovedEntryIsNamed) {
  TempDir dir;
  Fill(dir.path(), 6);
  auto lines = Lines(dir.path());
  lines.erase(lines.begin() + 2);
  WriteLines(dir.path(), lines);
  audit::VerifyReport r = Check(dir.path());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3);
}

TEST(AuditLog, SwappedEntriesAreNamed) {
  TempDir dir;
  Fill(dir.path(), 6);
  auto lines = Lines(dir.path());
  std::swap(lines[1], lines[4]);
  WriteLines(dir.path(), lines);
  audit::VerifyReport r = Check(dir.path());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 2);
}

TEST(AuditLog, EntriesCutOffTheEndAreFoundThroughTheHead) {
  TempDir dir;
  Fill(dir.path(), 6);
  auto lines = Lines(dir.path());
  lines.pop_back();
  WriteLines(dir.path(), lines);
  audit::VerifyReport r = Check(dir.path());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("missing"), std::string::npos) << r.problem;
}

TEST(AuditLog, ARecomputedEntryStillBreaksTheNextLink) {
  // Someone edits entry 2 and fixes its own hash; entry 3 still points at the old one.
  TempDir dir;
  Fill(dir.path(), 4);
  auto lines = Lines(dir.path());
  nlohmann::json j = nlohmann::json::parse(lines[1]);
  j["reason"] = "nothing to see";
  j.erase("hash");
  j["hash"] = audit::EntryHash(j["prev"], j);
  lines[1] = j.dump();
  WriteLines(dir.path(), lines);
  audit::VerifyReport r = Check(dir.path());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.bad_line, 3);
}

TEST(AuditLog, TwoWritersKeepOneChain) {
  // The server and a `shinrai keys` command append to the same log.
  TempDir dir;
  FakeEnv env;
  auto a = audit::FileAuditLog::Open(dir.path(), &env);
  auto b = audit::FileAuditLog::Open(dir.path(), &env);
  ASSERT_TRUE(a.ok() && b.ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE((i % 3 ? *a : *b)->Append({"consent.change", {"k", "n", "service"}, "p", {}, "", {}}).ok());
  }
  ASSERT_TRUE((*a)->Flush().ok());
  ASSERT_TRUE((*b)->Flush().ok());
  audit::VerifyReport r = Check(dir.path());
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 10);
}

TEST(AuditLog, SegmentsKeepOneChainAndARemovedSegmentIsNamed) {
  TempDir dir;
  FakeEnv env;
  {
    auto log = audit::FileAuditLog::Open(dir.path(), &env, /*segment_bytes=*/1500);
    auto other = audit::FileAuditLog::Open(dir.path(), &env, 1500);  // a second writer follows the rotations
    ASSERT_TRUE(log.ok() && other.ok());
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE((i % 5 ? *log : *other)->Append({"profile.read", {"k", "n", "agent"}, "p" + std::to_string(i), {}, "", {}}).ok());
    }
    ASSERT_TRUE((*log)->Flush().ok());
    ASSERT_TRUE((*other)->Flush().ok());
  }
  std::vector<std::string> segments;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = e.path().filename().string();
    if (name != "audit.jsonl" && name.ends_with(".jsonl")) segments.push_back(e.path().string());
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 3u) << "the log was rotated into segments";
  audit::VerifyReport r = Check(dir.path());
  EXPECT_TRUE(r.ok) << r.problem;
  EXPECT_EQ(r.entries, 40);
  auto entries = audit::ReadEntries(dir.path());
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 40u);
  EXPECT_EQ((*entries)[39]["subject"], "p39");

  std::filesystem::remove(segments[1]);
  r = Check(dir.path());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problem.find("removed"), std::string::npos) << r.problem;
}

}  // namespace
}  // namespace shinrai
