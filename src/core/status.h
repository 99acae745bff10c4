// Status and Result<T>: the one error model of Shinrai.
//
// Every fallible function at a module boundary returns Status or Result<T>;
// exceptions from libraries are caught in the adapter that calls them.
// Codes are few and map 1:1 to HTTP statuses (see docs/errors.md), and each
// message says what is wrong in words a user can act on.
//
// Thread-safety: values; safe to copy and move between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace shinrai {

enum class Code {
  kOk,
  kInvalidArgument,    // 400: the request names something malformed
  kUnauthenticated,    // 401: no or unknown credentials
  kPermissionDenied,   // 403: credentials lack the role or scope
  kNotFound,           // 404
  kMethodNotAllowed,   // 405
  kConflict,           // 409: would break an invariant (e.g. an identity limit)
  kPayloadTooLarge,    // 413
  kUnsupported,        // 415: unsupported media type or encoding
  kUnprocessable,      // 422: well-formed but rejected by the declaration (strict mode)
  kResourceExhausted,  // 429
  kInternal,           // 500: a bug or a failed dependency
  kUnavailable,        // 503: not ready, or shutting down
};

// Stable, lower-case name of a code, as it appears in JSON errors.
std::string_view CodeName(Code code);
// The HTTP status a code maps to.
int HttpStatusOf(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status Conflict(std::string m) { return {Code::kConflict, std::move(m)}; }
inline Status Unprocessable(std::string m) { return {Code::kUnprocessable, std::move(m)}; }

// A value or the Status explaining why there is none. Never holds an ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) v_ = Status(Code::kInternal, "Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace shinrai

#define SHINRAI_CONCAT_INNER(a, b) a##b
#define SHINRAI_CONCAT(a, b) SHINRAI_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::shinrai::Status _st = (expr);            \
    if (!_st.ok()) return _st;                 \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SHINRAI_CONCAT(_result_, __LINE__), lhs, expr)
