// Internal: a mutex that coroutines hold across co_await without blocking a thread.
// A strand does not do this: a coroutine on a strand gives the strand up at every co_await,
// so read-modify-write sequences that await a store need this instead.
#pragma once

#include <awsmp/common.hpp>
#include <deque>
#include <mutex>
#include <utility>

#include "core/waiter.hpp"

namespace awsmp::detail {

/// FIFO async mutex; safe to use from any thread. Waiters resume on their own executors.
class async_mutex {
 public:
  /// Unlocks on destruction (or hands the mutex to the next waiter).
  class guard {
   public:
    guard() = default;
    explicit guard(async_mutex* m) noexcept : m_(m) {}
    guard(guard&& other) noexcept : m_(std::exchange(other.m_, nullptr)) {}
    guard& operator=(guard&& other) noexcept {
      if (this != &other) {
        release();
        m_ = std::exchange(other.m_, nullptr);
      }
      return *this;
    }
    ~guard() { release(); }
    /// Unlocks now; never throws.
    void release() noexcept {
      if (m_) std::exchange(m_, nullptr)->unlock();
    }

   private:
    async_mutex* m_ = nullptr;
  };

  /// The executor that resumes waiters whose handler has none of its own.
  explicit async_mutex(asio::any_io_executor ex) : ex_(std::move(ex)) {}

  /// Suspends until the mutex is ours; throws only std::bad_alloc.
  awaitable<guard> lock();

 private:
  void unlock() noexcept;

  asio::any_io_executor ex_;
  std::mutex mutex_;
  bool locked_ = false;
  std::deque<waiter<>> waiters_;
};

}  // namespace awsmp::detail
