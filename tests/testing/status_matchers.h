// gtest helpers for Status and Result<T> (abseil's idea): tests check the
// specific error they expect, never just "not ok".
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/status.h"

namespace shinrai::testing {

inline const Status& GetStatus(const Status& s) { return s; }
template <typename T>
const Status& GetStatus(const Result<T>& r) { return r.status(); }

MATCHER_P(StatusIs, code, "has code " + std::string(::shinrai::CodeName(code))) {
  const ::shinrai::Status& st = ::shinrai::testing::GetStatus(arg);
  *result_listener << "status is " << st.ToString();
  return st.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const ::shinrai::Status& st = ::shinrai::testing::GetStatus(arg);
  *result_listener << "status is " << st.ToString();
  return st.code() == code && ::testing::Matches(message_matcher)(st.message());
}

}  // namespace shinrai::testing

#define EXPECT_OK(expr) EXPECT_TRUE(::shinrai::testing::GetStatus(expr).ok()) << ::shinrai::testing::GetStatus(expr).ToString()
#define ASSERT_OK(expr) ASSERT_TRUE(::shinrai::testing::GetStatus(expr).ok()) << ::shinrai::testing::GetStatus(expr).ToString()
