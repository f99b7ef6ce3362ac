// AWS standard retry: backoff math, the retry quota's costs and refunds, and which failures retry.
#include "transport/retry_strategy.hpp"

#include <awsmp/error.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <vector>

using namespace awsmp;
using namespace awsmp::detail;
using ms = std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(retry_strategy_suite)

BOOST_AUTO_TEST_CASE(backoff_is_full_jitter_exponential_and_capped) {
  retry_options o;
  o.base_backoff = ms(100);
  o.max_backoff = ms(1'000);
  // random = 1 gives the ceiling: base * 2^(n-1) until the cap.
  BOOST_TEST(backoff_delay(o, 1, 1.0).count() == 100);
  BOOST_TEST(backoff_delay(o, 2, 1.0).count() == 200);
  BOOST_TEST(backoff_delay(o, 3, 1.0).count() == 400);
  BOOST_TEST(backoff_delay(o, 4, 1.0).count() == 800);
  BOOST_TEST(backoff_delay(o, 5, 1.0).count() == 1'000);
  BOOST_TEST(backoff_delay(o, 500, 1.0).count() == 1'000);  // no overflow for huge attempt numbers
  // The jitter scales the ceiling linearly and is clamped to [0, 1].
  BOOST_TEST(backoff_delay(o, 3, 0.5).count() == 200);
  BOOST_TEST(backoff_delay(o, 3, 0.0).count() == 0);
  BOOST_TEST(backoff_delay(o, 3, 7.0).count() == 400);
  BOOST_TEST(backoff_delay(o, 3, -1.0).count() == 0);
}

BOOST_AUTO_TEST_CASE(quota_costs_and_refunds_match_the_sdks) {
  retry_quota q(20);
  BOOST_TEST(q.acquire(failure_kind::transient) == 5u);
  BOOST_TEST(q.available() == 15u);
  BOOST_TEST(q.acquire(failure_kind::timeout) == 10u);
  BOOST_TEST(q.available() == 5u);
  BOOST_TEST(q.acquire(failure_kind::timeout) == 0u);  // cannot pay 10 with 5 left
  BOOST_TEST(q.available() == 5u);
  BOOST_TEST(q.acquire(failure_kind::transient) == 5u);
  BOOST_TEST(q.available() == 0u);
  BOOST_TEST(q.acquire(failure_kind::transient) == 0u);
  q.on_success(10);  // a retry after a timeout succeeded: its cost comes back
  BOOST_TEST(q.available() == 10u);
  q.on_success(0);  // a first attempt succeeded: one token
  BOOST_TEST(q.available() == 11u);
  for (int i = 0; i < 100; ++i) q.on_success(5);
  BOOST_TEST(q.available() == 20u);  // never beyond the capacity
}

BOOST_AUTO_TEST_CASE(strategy_retries_up_to_max_attempts_with_injected_jitter) {
  retry_options o;
  o.max_attempts = 3;
  o.base_backoff = ms(10);
  o.max_backoff = ms(1'000);
  retry_quota q(500);
  std::vector<double> randoms{0.5, 0.25};
  std::size_t next = 0;
  retry_strategy s(o, q, [&] { return randoms.at(next++); });
  BOOST_TEST(s.begin_attempt() == 1);
  auto d1 = s.on_failure(failure_kind::transient);
  BOOST_TEST(d1.retry);
  BOOST_TEST(d1.delay.count() == 5);  // 0.5 * 10 * 2^0
  BOOST_TEST(s.begin_attempt() == 2);
  auto d2 = s.on_failure(failure_kind::timeout);
  BOOST_TEST(d2.retry);
  BOOST_TEST(d2.delay.count() == 5);  // 0.25 * 10 * 2^1
  BOOST_TEST(q.available() == 485u);  // 5 + 10
  BOOST_TEST(s.cost_paid() == 15u);
  BOOST_TEST(s.begin_attempt() == 3);
  auto d3 = s.on_failure(failure_kind::transient);
  BOOST_TEST(!d3.retry);  // three attempts made
  BOOST_TEST(!d3.quota_exhausted);
  BOOST_TEST(q.available() == 485u);  // refusing costs nothing
  BOOST_TEST(next == 2u);
}

BOOST_AUTO_TEST_CASE(strategy_success_refunds_the_last_retry_cost) {
  retry_options o;
  o.max_attempts = 5;
  retry_quota q(500);
  retry_strategy s(o, q, [] { return 0.0; });
  s.begin_attempt();
  BOOST_TEST(s.on_failure(failure_kind::timeout).retry);
  BOOST_TEST(q.available() == 490u);
  s.begin_attempt();
  s.on_success();
  BOOST_TEST(q.available() == 500u);
}

BOOST_AUTO_TEST_CASE(strategy_never_retries_fatal_failures) {
  retry_quota q(500);
  retry_strategy s(retry_options{}, q, [] { return 0.0; });
  s.begin_attempt();
  BOOST_TEST(!s.on_failure(failure_kind::fatal).retry);
  BOOST_TEST(q.available() == 500u);
}

BOOST_AUTO_TEST_CASE(exhausted_quota_stops_retries_and_says_so) {
  retry_options o;
  o.max_attempts = 10;
  retry_quota q(12);
  retry_strategy s(o, q, [] { return 0.0; });
  s.begin_attempt();
  BOOST_TEST(s.on_failure(failure_kind::transient).retry);
  s.begin_attempt();
  BOOST_TEST(s.on_failure(failure_kind::transient).retry);
  s.begin_attempt();
  auto d = s.on_failure(failure_kind::transient);
  BOOST_TEST(!d.retry);
  BOOST_TEST(d.quota_exhausted);
  BOOST_TEST(q.available() == 2u);
}

namespace {
template <class E>
failure_kind kind_of(E e) {
  return classify_failure(std::make_exception_ptr(std::move(e)));
}
boost::system::system_error sys(boost::system::error_code ec) {
  return boost::system::system_error(ec, "test");
}
}  // namespace

BOOST_AUTO_TEST_CASE(classification_follows_the_standard_mode) {
  namespace ae = boost::asio::error;
  BOOST_TEST((kind_of(aws_error(400, "ThrottlingException", "slow down", "r1")) == failure_kind::transient));
  BOOST_TEST((kind_of(aws_error(500, "InternalServiceErrorException", "", "r1")) == failure_kind::transient));
  BOOST_TEST((kind_of(aws_error(503, "ServiceUnavailable", "", "")) == failure_kind::transient));
  BOOST_TEST((kind_of(aws_error(400, "InvalidProductCodeException", "bad", "r1")) == failure_kind::fatal));
  BOOST_TEST((kind_of(aws_error(403, "AccessDeniedException", "", "")) == failure_kind::fatal));
  BOOST_TEST((kind_of(sys(make_error_code(errc::timeout))) == failure_kind::timeout));
  BOOST_TEST((kind_of(sys(make_error_code(errc::invalid_argument))) == failure_kind::fatal));
  BOOST_TEST((kind_of(sys(make_error_code(errc::response_too_large))) == failure_kind::fatal));
  BOOST_TEST((kind_of(sys(make_error_code(errc::malformed_message))) == failure_kind::fatal));
  BOOST_TEST((kind_of(sys(ae::connection_reset)) == failure_kind::transient));
  BOOST_TEST((kind_of(sys(ae::connection_refused)) == failure_kind::transient));
  BOOST_TEST((kind_of(sys(ae::eof)) == failure_kind::transient));
  BOOST_TEST((kind_of(sys(boost::beast::http::error::end_of_stream)) == failure_kind::transient));
  BOOST_TEST((kind_of(sys(boost::beast::http::error::partial_message)) == failure_kind::transient));
  BOOST_TEST((kind_of(sys(boost::beast::http::error::bad_version)) == failure_kind::fatal));
  BOOST_TEST((kind_of(sys(ae::operation_aborted)) == failure_kind::fatal));  // cancellation ends the call
  BOOST_TEST((kind_of(sys(boost::system::error_code(0x0A000086, boost::asio::error::get_ssl_category()))) ==
              failure_kind::fatal));  // certificate verify failed
  BOOST_TEST((kind_of(std::runtime_error("?")) == failure_kind::fatal));
  BOOST_TEST((classify_failure(nullptr) == failure_kind::fatal));
}

BOOST_AUTO_TEST_SUITE_END()
