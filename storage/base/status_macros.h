#pragma once

// Error plumbing for every module. abseil 20220623 ships no public RETURN_IF_ERROR macros, so
// these are ours. MQ_CHECK is for broken invariants (programmer errors, failed fsyncs) and stays
// on in release builds: continuing after such a failure could corrupt data.

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MQ_INTERNAL_CONCAT_INNER(a, b) a##b
#define MQ_INTERNAL_CONCAT(a, b) MQ_INTERNAL_CONCAT_INNER(a, b)

// Returns the status of `expr` from the enclosing function if it is not OK.
#define MQ_RETURN_IF_ERROR(expr)                   \
  do {                                             \
    ::absl::Status mq_status_ = (expr);            \
    if (!mq_status_.ok()) return mq_status_;       \
  } while (0)

// `MQ_ASSIGN_OR_RETURN(auto x, Foo());` declares/assigns x from a StatusOr, or returns its error.
#define MQ_ASSIGN_OR_RETURN(lhs, expr) \
  MQ_INTERNAL_ASSIGN_OR_RETURN(MQ_INTERNAL_CONCAT(mq_statusor_, __LINE__), lhs, expr)
#define MQ_INTERNAL_ASSIGN_OR_RETURN(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

namespace mq::internal {
[[noreturn]] inline void CheckFailed(const char* file, int line, const char* what,
                                     const char* detail) {
  std::fprintf(stderr, "MQ_CHECK failed at %s:%d: %s%s%s\n", file, line, what,
               detail[0] ? ": " : "", detail);
  std::fflush(stderr);
  std::abort();
}
}  // namespace mq::internal

#define MQ_CHECK(cond)                                                   \
  do {                                                                   \
    if (!(cond)) ::mq::internal::CheckFailed(__FILE__, __LINE__, #cond, ""); \
  } while (0)

#define MQ_CHECK_MSG(cond, msg)                                             \
  do {                                                                      \
    if (!(cond)) ::mq::internal::CheckFailed(__FILE__, __LINE__, #cond, msg); \
  } while (0)

// Aborts when `expr` (an absl::Status) is not OK; prints the status.
#define MQ_CHECK_OK(expr)                                                        \
  do {                                                                           \
    ::absl::Status mq_check_status_ = (expr);                                    \
    if (!mq_check_status_.ok())                                                  \
      ::mq::internal::CheckFailed(__FILE__, __LINE__, #expr,                     \
                                  mq_check_status_.ToString().c_str());          \
  } while (0)
