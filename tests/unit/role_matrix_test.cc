// Every role × every operation: Access::Authorize allows exactly the cells of
// the table below and refuses every other one with PermissionDenied naming the
// role.
//
// The expected table is written out here, from the README's HTTP API table
// ("who may call"), independently of the switch in service/access.cc, so that
// changing either one cell there or one here fails the test. A new Operation
// or Role without a row or column here fails it too (the static_asserts and
// the "nothing beyond the last enumerator" tests below).
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>

#include "access/access.h"

namespace shinrai::service {
namespace {

// The columns, in the order of the Role enumerators.
constexpr std::array kRoles = {Role::kWriteKey, Role::kAdmin, Role::kPrivacyOfficer,
                               Role::kAgent,    Role::kAnalyst, Role::kService};
constexpr int kRoleCount = static_cast<int>(Role::kService) + 1;
static_assert(kRoles.size() == kRoleCount, "a new Role needs a column in kTable");

struct Row {
  Operation op;
  const char* name;                      // for failure messages
  std::array<bool, kRoleCount> allowed;  // by Role, in kRoles order
};

constexpr bool Y = true, n = false;

// clang-format off
constexpr std::array kTable = {
  // columns: write_key, admin, privacy_officer, agent, analyst, service (kRoles)
  Row{Operation::kCollect,       "kCollect",       {Y, Y, n, n, n, n}},  // POST /v1/track, /v1/batch, ...
  Row{Operation::kReadProfile,   "kReadProfile",   {n, Y, n, Y, n, n}},  // GET /v1/profiles/{id} (agent: with a reason)
  Row{Operation::kReadStats,     "kReadStats",     {n, Y, Y, n, n, n}},  // GET /v1/stats/collection
  Row{Operation::kReadConsent,   "kReadConsent",   {n, Y, Y, n, n, Y}},  // GET /v1/consent/{id}[/history]
  Row{Operation::kWriteConsent,  "kWriteConsent",  {n, Y, Y, n, n, Y}},  // PUT /v1/consent/{id}
  Row{Operation::kRecommend,     "kRecommend",     {n, Y, n, n, n, Y}},  // GET /v1/recommendations/{id}
  Row{Operation::kReadSimilar,   "kReadSimilar",   {n, Y, Y, Y, Y, Y}},  // GET /v1/items/{item}/similar: any API key
  Row{Operation::kSendFeedback,  "kSendFeedback",  {Y, Y, n, n, n, Y}},  // POST /v1/feedback
  Row{Operation::kWriteCatalog,  "kWriteCatalog",  {n, Y, n, n, n, Y}},  // POST /v1/items
  Row{Operation::kReadRecsStats, "kReadRecsStats", {n, Y, n, n, Y, n}},  // GET /v1/stats/recommendations
  Row{Operation::kReadMetrics,   "kReadMetrics",   {n, Y, n, n, Y, n}},  // GET /metrics
  Row{Operation::kTrain,         "kTrain",         {n, Y, n, n, n, Y}},  // POST /v1/models/train
  Row{Operation::kRightsRequest, "kRightsRequest", {n, Y, Y, n, n, n}},  // POST/GET /v1/rights/requests
  Row{Operation::kReadAudit,     "kReadAudit",     {n, Y, Y, n, n, n}},  // GET /v1/audit/report
  Row{Operation::kIssuePrivacyCenterLink, "kIssuePrivacyCenterLink", {n, Y, n, n, n, Y}},  // POST /v1/privacy-center/links
  Row{Operation::kListKeys,      "kListKeys",      {n, Y, n, n, n, n}},  // `shinrai keys list`: admin only
};
// clang-format on

constexpr int kOperationCount = static_cast<int>(Operation::kListKeys) + 1;
static_assert(kTable.size() == kOperationCount, "every Operation needs exactly one row in kTable");

constexpr bool RowsFollowTheEnumeratorOrder() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].op) != i) return false;
  }
  return true;
}
static_assert(RowsFollowTheEnumeratorOrder(), "kTable's rows must be in Operation order, one per enumerator");

Principal As(Role r) {
  Principal p;
  p.role = r;
  p.key_name = "matrix-" + std::string(RoleName(r));
  p.key_id = "0123456789abcdef";
  return p;
}

TEST(RoleMatrix, AuthorizeAllowsExactlyTheTable) {
  for (int o = 0; o < kOperationCount; ++o) {
    const Row& row = kTable[o];
    for (int r = 0; r < kRoleCount; ++r) {
      const Role role = kRoles[r];
      const std::string cell = std::string(row.name) + " as '" + std::string(RoleName(role)) + "'";
      const Status st = Access::Authorize(As(role), row.op);
      if (row.allowed[r]) {
        EXPECT_TRUE(st.ok()) << cell << ": expected allowed, got " << st.ToString();
      } else if (st.ok()) {
        ADD_FAILURE() << cell << ": expected refused, got allowed";
      } else {
        EXPECT_EQ(st.code(), Code::kPermissionDenied) << cell << ": " << st.ToString();
        EXPECT_NE(st.message().find("a key with role '" + std::string(RoleName(role)) + "' may not "),
                  std::string::npos)
            << cell << ": the refusal names the role: " << st.message();
      }
    }
  }
}

TEST(RoleMatrix, RefusalsNameTheOperation) {
  // Each operation is refused with its own wording, so a caller learns what
  // was refused, not only by whom; the key's name is not part of it.
  std::set<std::string> messages;
  for (const Row& row : kTable) {
    const Status st = Access::Authorize(As(Role::kWriteKey), row.op);
    if (row.allowed[0]) continue;
    ASSERT_EQ(st.code(), Code::kPermissionDenied);
    EXPECT_EQ(st.message().find("matrix-"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("this operation"), std::string::npos)
        << "an operation without a name in access.cc: " << st.message();
    messages.insert(st.message());
  }
  const Status st = Access::Authorize(As(Role::kAnalyst), Operation::kListKeys);
  ASSERT_EQ(st.code(), Code::kPermissionDenied);
  EXPECT_EQ(st.message(), "a key with role 'analyst' may not list API keys");
  EXPECT_EQ(messages.size(), 14u) << "one distinct refusal per operation the write key may not do";
}

TEST(RoleMatrix, RoleNamesAreTheConfigurationNames) {
  const std::array<std::string, kRoleCount> names = {"write_key", "admin", "privacy_officer",
                                                     "agent",     "analyst", "service"};
  for (int r = 0; r < kRoleCount; ++r) EXPECT_EQ(RoleName(kRoles[r]), names[r]);
}

// Nothing beyond the last enumerators: a value appended after kListKeys (or
// after kService) would otherwise escape the table above unnoticed. Access
// knows such values only by its fall-backs ("this operation", "write_key"),
// and refuses every role for an unknown operation.
TEST(RoleMatrix, NoOperationBeyondTheTable) {
  const auto beyond = static_cast<Operation>(kOperationCount);
  for (Role role : kRoles) {
    const Status st = Access::Authorize(As(role), beyond);
    EXPECT_EQ(st.code(), Code::kPermissionDenied) << RoleName(role) << ": " << st.ToString();
    EXPECT_NE(st.message().find("may not this operation"), std::string::npos)
        << "Operation has an enumerator after kListKeys: give it a row in kTable (and move kOperationCount) — "
        << st.message();
  }
}

TEST(RoleMatrix, NoRoleBeyondTheTable) {
  EXPECT_EQ(RoleName(static_cast<Role>(kRoleCount)), "write_key")
      << "Role has an enumerator after kService: give it a column in kTable";
}

}  // namespace
}  // namespace shinrai::service
