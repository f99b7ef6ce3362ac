#include "core/async_mutex.hpp"

#include <boost/asio/async_result.hpp>
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
        auto w = waiter<>::make(std::move(handler), ex_);
        std::unique_lock lock(mutex_);
        if (locked_) {
          waiters_.push_back(std::move(w));
          return;
        }
        // Released between our first look and now: take it directly.
        locked_ = true;
        lock.unlock();
        std::move(w).complete();
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
  waiter<> next = std::move(waiters_.front());
  waiters_.pop_front();
  lock.unlock();
  try {
    std::move(next).complete();
  } catch (...) {
    // Only std::bad_alloc: the waiter can never be resumed, so release the mutex for the rest.
    unlock();
  }
}

}  // namespace awsmp::detail
