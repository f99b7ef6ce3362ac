#include "transport/rate_limiter.hpp"

#include <algorithm>
#include <awsmp/error.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <cmath>

#include "core/throw.hpp"

namespace awsmp::detail {

token_bucket::token_bucket(double rate, double burst, clock::time_point now)
    : rate_(rate), burst_(burst), tokens_(burst), last_(now) {
  if (!(rate > 0) || !std::isfinite(rate))
    throw_invalid_argument("max_requests_per_second", "must be positive and finite");
  if (!(burst >= 1) || !std::isfinite(burst)) throw_invalid_argument("burst", "must be at least 1");
}

void token_bucket::refill(clock::time_point now) noexcept {
  if (now <= last_) return;  // a clock that did not advance adds nothing
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

token_bucket::clock::duration token_bucket::reserve(clock::time_point now) noexcept {
  refill(now);
  tokens_ -= 1.0;
  if (tokens_ >= 0) return clock::duration::zero();
  // The deficit is paid back at `rate` tokens per second; round up so we never wake early.
  const double seconds = -tokens_ / rate_;
  return std::chrono::ceil<clock::duration>(std::chrono::duration<double>(seconds));
}

void token_bucket::cancel_reservation() noexcept {
  tokens_ = std::min(burst_, tokens_ + 1.0);
}

double token_bucket::available(clock::time_point now) noexcept {
  refill(now);
  return tokens_;
}

namespace {
double burst_for(double rate) {
  return std::isfinite(rate) ? std::max(1.0, rate) : 1.0;
}
}  // namespace

rate_limiter::rate_limiter(double requests_per_second)
    : bucket_(requests_per_second, burst_for(requests_per_second), token_bucket::clock::now()) {}

awaitable<void> rate_limiter::acquire() {
  token_bucket::clock::duration wait;
  {
    std::lock_guard lock(mutex_);
    wait = bucket_.reserve(token_bucket::clock::now());
  }
  if (wait <= token_bucket::clock::duration::zero()) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(wait);
  auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    std::lock_guard lock(mutex_);
    bucket_.cancel_reservation();
    throw boost::system::system_error(ec, "rate limiter wait");
  }
}

}  // namespace awsmp::detail
