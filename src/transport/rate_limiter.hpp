// Client-side rate limit: a token bucket (pure core, time as a parameter) and a thin async shell
// that waits on a timer. AWS throttles BatchMeterUsage per account, so a client that stays
// under the limit spends no retries on ThrottlingException.
#pragma once

#include <awsmp/common.hpp>

#include <chrono>
#include <mutex>

namespace awsmp::detail {

/// Pure token bucket: `rate` tokens per second, at most `burst` stored. Callers reserve a token
/// and are told how long to wait for it, so that waiters are served in arrival order even when
/// they wait concurrently. Not thread-safe by itself.
class token_bucket {
public:
  using clock = std::chrono::steady_clock;
  /// Starts full at `now`. Throws system_error(errc::invalid_argument) unless rate > 0 and burst >= 1.
  token_bucket(double rate, double burst, clock::time_point now);
  /// Reserves one token; returns how long the caller must wait before using it (0: now).
  clock::duration reserve(clock::time_point now) noexcept;
  /// Gives back a reserved token that will not be used (its waiter was cancelled).
  void cancel_reservation() noexcept;
  /// Tokens available at `now` (negative when reservations are queued); never throws.
  double available(clock::time_point now) noexcept;

private:
  void refill(clock::time_point now) noexcept;
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

/// Waits for a token of a token_bucket on a steady_timer. Thread-safe.
class rate_limiter {
public:
  /// `requests_per_second` > 0; burst is one second's worth (at least 1).
  /// Throws system_error(errc::invalid_argument) for a rate that is not positive and finite.
  explicit rate_limiter(double requests_per_second);
  /// Completes when the caller may send one request; cancellable (throws operation_aborted,
  /// and the reserved token is returned).
  awaitable<void> acquire();

private:
  std::mutex mutex_;
  token_bucket bucket_;
};

}  // namespace awsmp::detail
