// AWS "standard" retry mode, pure: which failures to retry, how long to wait, and the retry
// quota that stops an outage from turning into a retry storm. No clocks, no I/O; the random
// source is injected so that tests can pin the jitter.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>

namespace awsmp::detail {

/// How a failed attempt is treated by the retry policy.
enum class failure_kind {
  fatal,      ///< never retried: 4xx other than throttling, TLS verification, invalid input, cancellation
  transient,  ///< retried: throttling, 5xx, connection reset/refused, EOF, stale connection
  timeout,    ///< retried, at the higher quota cost of a timeout
};

/// Pure: classifies an exception thrown by one attempt (aws_error, system_error, anything else).
/// Unknown exception types are fatal. Never throws.
failure_kind classify_failure(const std::exception_ptr& failure) noexcept;

/// Settings of the standard retry mode (defaults are the AWS SDKs').
struct retry_options {
  int max_attempts = 3;                            ///< total attempts including the first; < 1 means 1
  std::chrono::milliseconds base_backoff{1'000};   ///< delay before retry n (n from 1) is random * min(max, base * 2^(n-1))
  std::chrono::milliseconds max_backoff{20'000};
  unsigned retry_quota = 500;                      ///< initial and maximum retry tokens
};

/// Quota costs of the AWS SDKs' standard mode.
inline constexpr unsigned retry_cost = 5;
inline constexpr unsigned timeout_retry_cost = 10;
inline constexpr unsigned no_retry_increment = 1;

/// Pure: full-jitter exponential backoff. `failed_attempt` is the 1-based number of the
/// attempt that just failed; `random01` is in [0, 1]. Never throws.
std::chrono::milliseconds backoff_delay(const retry_options& options, int failed_attempt,
                                        double random01) noexcept;

/// The retry quota (token bucket) shared by every call of one client. Thread-safe.
class retry_quota {
public:
  /// Starts full, with `capacity` tokens.
  explicit retry_quota(unsigned capacity) noexcept : capacity_(capacity), available_(capacity) {}
  /// Takes the cost of one retry after a failure of `kind`; returns the cost taken, or 0 when
  /// the quota cannot pay for it (then no retry may happen). Never throws.
  unsigned acquire(failure_kind kind) noexcept;
  /// Called once per successful call: refunds the cost of the retry that succeeded
  /// (`last_retry_cost`), or no_retry_increment when the first attempt succeeded (0), never
  /// beyond the capacity, as the SDKs do. Never throws.
  void on_success(unsigned last_retry_cost) noexcept;
  /// Tokens left now; never throws.
  unsigned available() const noexcept;

private:
  mutable std::mutex mutex_;
  unsigned capacity_;
  unsigned available_;
};

/// One call's retry state machine: ask it after every failed attempt what to do next.
class retry_strategy {
public:
  /// What to do after a failed attempt.
  struct decision {
    bool retry = false;
    std::chrono::milliseconds delay{0};  ///< wait this long before the next attempt
    bool quota_exhausted = false;        ///< true when a retry was refused only for lack of quota
  };

  /// `quota` and `random01` must outlive the strategy; `random01` returns values in [0, 1].
  retry_strategy(const retry_options& options, retry_quota& quota, std::function<double()> random01);

  /// Decides after attempt number `attempts_made()` failed with a failure of `kind`.
  decision on_failure(failure_kind kind);
  /// Reports that the current attempt succeeded (refunds the quota).
  void on_success() noexcept;
  /// Counts an attempt about to start; returns its 1-based number.
  int begin_attempt() noexcept { return ++attempts_; }
  /// Attempts started so far.
  int attempts_made() const noexcept { return attempts_; }
  /// Quota tokens this call has taken so far.
  unsigned cost_paid() const noexcept { return cost_paid_; }
  /// Quota tokens the latest retry took (0 before any retry).
  unsigned last_retry_cost() const noexcept { return last_cost_; }

private:
  retry_options options_;
  retry_quota& quota_;
  std::function<double()> random01_;
  int attempts_ = 0;
  unsigned cost_paid_ = 0;
  unsigned last_cost_ = 0;
};

/// A thread-safe uniform [0, 1] source seeded from std::random_device; never throws.
double default_random01() noexcept;

}  // namespace awsmp::detail
