// Internal: the one way awsmp parks a suspended operation until another one wakes it (the
// async mutex, single-flight reads, connection-pool slots). A waiter holds the type-erased
// completion handler with work tracked on its executor, and always resumes it through that
// executor, never inline, so that a waker holding a lock never runs foreign code under it.
#pragma once

#include <awsmp/common.hpp>
#include <boost/asio/any_completion_executor.hpp>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <utility>

namespace awsmp::detail {

/// A suspended operation that completes with Args...; move-only.
template <class... Args>
class waiter {
 public:
  /// Wraps `handler`; its associated executor (else `fallback`) keeps work until complete().
  template <class Handler, class Executor>
  static waiter make(Handler&& handler, const Executor& fallback) {
    auto ex = asio::get_associated_executor(handler, fallback);
    return waiter(asio::any_completion_handler<void(Args...)>(std::forward<Handler>(handler)),
                  asio::prefer(ex, asio::execution::outstanding_work.tracked));
  }

  /// Resumes the operation with `args` on its own executor; throws only std::bad_alloc
  /// (then the operation can never be resumed).
  void complete(Args... args) && {
    auto ex = asio::prefer(std::move(executor_), asio::execution::blocking.never);
    ex.execute(
        [h = std::move(handler_), ... a = std::move(args)]() mutable { std::move(h)(std::move(a)...); });
  }

 private:
  waiter(asio::any_completion_handler<void(Args...)> handler, asio::any_completion_executor executor)
      : handler_(std::move(handler)), executor_(std::move(executor)) {}

  asio::any_completion_handler<void(Args...)> handler_;
  asio::any_completion_executor executor_;
};

}  // namespace awsmp::detail
