#include "transport/retry_strategy.hpp"

#include <algorithm>
#include <awsmp/error.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <cmath>
#include <random>

namespace awsmp::detail {
namespace {

failure_kind classify_code(const boost::system::error_code& ec) noexcept {
  namespace ae = boost::asio::error;
  if (ec == make_error_code(errc::timeout) || ec == boost::beast::error::timeout || ec == ae::timed_out)
    return failure_kind::timeout;
  if (ec.category() == error_category()) return failure_kind::fatal;  // invalid input, too large, ...
  // The connection died under us: the request is idempotent, so sending it again is safe.
  if (ec == ae::connection_reset || ec == ae::connection_refused || ec == ae::connection_aborted ||
      ec == ae::broken_pipe || ec == ae::eof || ec == ae::network_reset || ec == ae::network_down ||
      ec == ae::network_unreachable || ec == ae::host_unreachable || ec == ae::host_not_found_try_again ||
      ec == ae::try_again || ec == boost::beast::http::error::end_of_stream ||
      ec == boost::beast::http::error::partial_message || ec == boost::asio::ssl::error::stream_truncated)
    return failure_kind::transient;
  // Everything else (TLS verification, malformed responses, cancellation, unknown hosts) would
  // fail the same way again.
  return failure_kind::fatal;
}

}  // namespace

failure_kind classify_failure(const std::exception_ptr& failure) noexcept {
  if (!failure) return failure_kind::fatal;
  try {
    std::rethrow_exception(failure);
  } catch (const aws_error& e) {
    return e.retryable() ? failure_kind::transient : failure_kind::fatal;
  } catch (const boost::system::system_error& e) {
    return classify_code(e.code());
  } catch (...) {
    return failure_kind::fatal;
  }
}

std::chrono::milliseconds backoff_delay(const retry_options& options, int failed_attempt,
                                        double random01) noexcept {
  using ms = std::chrono::milliseconds;
  const double r = std::clamp(std::isnan(random01) ? 0.0 : random01, 0.0, 1.0);
  const double cap = static_cast<double>(std::max<ms::rep>(0, options.max_backoff.count()));
  // 2^62 ms is far beyond any cap; bounding the exponent keeps the double finite.
  const int exponent = std::clamp(failed_attempt - 1, 0, 62);
  const double base = static_cast<double>(std::max<ms::rep>(0, options.base_backoff.count()));
  const double ceiling = std::min(cap, base * std::ldexp(1.0, exponent));
  return ms(static_cast<ms::rep>(r * ceiling));
}

unsigned retry_quota::acquire(failure_kind kind) noexcept {
  const unsigned cost = kind == failure_kind::timeout ? timeout_retry_cost : retry_cost;
  std::lock_guard lock(mutex_);
  if (available_ < cost) return 0;
  available_ -= cost;
  return cost;
}

void retry_quota::on_success(unsigned last_retry_cost) noexcept {
  const unsigned refund = last_retry_cost == 0 ? no_retry_increment : last_retry_cost;
  std::lock_guard lock(mutex_);
  available_ = std::min(capacity_, available_ + refund);
}

unsigned retry_quota::available() const noexcept {
  std::lock_guard lock(mutex_);
  return available_;
}

retry_strategy::retry_strategy(const retry_options& options, retry_quota& quota,
                               std::function<double()> random01)
    : options_(options), quota_(quota), random01_(std::move(random01)) {}

retry_strategy::decision retry_strategy::on_failure(failure_kind kind) {
  decision d;
  if (kind == failure_kind::fatal) return d;
  if (attempts_ >= std::max(1, options_.max_attempts)) return d;
  const unsigned cost = quota_.acquire(kind);
  if (cost == 0) {
    d.quota_exhausted = true;
    return d;
  }
  cost_paid_ += cost;
  last_cost_ = cost;
  d.retry = true;
  d.delay = backoff_delay(options_, attempts_, random01_ ? random01_() : default_random01());
  return d;
}

void retry_strategy::on_success() noexcept {
  quota_.on_success(last_cost_);
}

double default_random01() noexcept {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace awsmp::detail
