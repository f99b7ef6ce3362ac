#include "core/async_mutex.hpp"

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace awsmp::detail {

awaitable<async_mutex::guard> async_mutex::lock() {
  {
    std::lock_guard lock(mutex_);
    if (!locked_) {
      locked_ = true;
      co_return guard(this);
    }
  }
  auto wait = asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [this](auto handler) {
        auto handler_ex = asio::get_associated_executor(handler, ex_);
        waiter w{asio::any_completion_handler<void()>(std::move(handler)),
                 asio::prefer(handler_ex, asio::execution::outstanding_work.tracked)};
        std::unique_lock lock(mutex_);
        if (locked_) {
          waiters_.push_back(std::move(w));
          return;
        }
        // Released between our first look and now: take it directly.
        locked_ = true;
        lock.unlock();
        asio::prefer(w.executor, asio::execution::blocking.never).execute(std::move(w.handler));
      },
      asio::use_awaitable);
  co_await std::move(wait);
  co_return guard(this);
}

void async_mutex::unlock() noexcept {
  std::unique_lock lock(mutex_);
  if (waiters_.empty()) {
    locked_ = false;
    return;
  }
  // Ownership passes straight to the next waiter (locked_ stays true), so nobody can
  // overtake it between now and its resumption.
  waiter next = std::move(waiters_.front());
  waiters_.pop_front();
  lock.unlock();
  try {
    asio::prefer(next.executor, asio::execution::blocking.never).execute(std::move(next.handler));
  } catch (...) {
    // Only std::bad_alloc: the waiter can never be resumed, so release the mutex for the rest.
    unlock();
  }
}

}  // namespace awsmp::detail
