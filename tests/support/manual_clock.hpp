// A wall clock the test sets by hand, usable wherever awsmp takes a clock_function.
#pragma once

#include <awsmp/common.hpp>
#include <chrono>
#include <memory>
#include <mutex>

namespace awsmp::test {

/// A settable, thread-safe clock. Copies share one time, and function() stays valid after the
/// manual_clock itself is gone (the tracker or store under test may outlive it).
class manual_clock {
 public:
  /// 2026-11-25T10:00:00Z unless told otherwise: a fixed date, so tests never depend on today.
  explicit manual_clock(time_point start = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} +
                                           std::chrono::hours(10))
      : state_(std::make_shared<state>(start)) {}

  /// The current time.
  time_point now() const {
    std::lock_guard lock(state_->mutex);
    return state_->now;
  }
  /// Moves the clock by `d` (negative moves it back, as an NTP step would).
  template <class Rep, class Period>
  void advance(std::chrono::duration<Rep, Period> d) {
    std::lock_guard lock(state_->mutex);
    state_->now += std::chrono::duration_cast<time_point::duration>(d);
  }
  /// Sets the clock to `t`.
  void set(time_point t) {
    std::lock_guard lock(state_->mutex);
    state_->now = t;
  }
  /// The clock as awsmp::clock_function.
  clock_function function() const {
    return [s = state_] {
      std::lock_guard lock(s->mutex);
      return s->now;
    };
  }
  /// Same as function(), so a manual_clock converts where a clock_function is expected.
  operator clock_function() const { return function(); }

 private:
  struct state {
    explicit state(time_point t) : now(t) {}
    std::mutex mutex;
    time_point now;
  };
  std::shared_ptr<state> state_;
};

}  // namespace awsmp::test
