// Token bucket with time as a parameter: burst, steady rate, FIFO reservations, refunds.
#include "transport/rate_limiter.hpp"

#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>

using awsmp::detail::token_bucket;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(rate_limiter_suite)

BOOST_AUTO_TEST_CASE(burst_then_steady_rate) {
  const token_bucket::clock::time_point t0{};
  token_bucket b(10.0, 2.0, t0);
  BOOST_TEST(b.reserve(t0).count() == 0);
  BOOST_TEST(b.reserve(t0).count() == 0);
  // Third token at t0: the deficit of 1 token at 10/s is 100 ms.
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(b.reserve(t0)).count() == 100);
  // A fourth waiter queues behind the third: 200 ms.
  BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(b.reserve(t0)).count() == 200);
  // After 1 s the debt (-2) is repaid and the bucket refilled to its burst of 2, not more.
  BOOST_TEST(std::abs(b.available(t0 + 1s) - 2.0) < 1e-9);
}

BOOST_AUTO_TEST_CASE(refill_is_proportional_to_elapsed_time) {
  const token_bucket::clock::time_point t0{};
  token_bucket b(4.0, 4.0, t0);
  for (int i = 0; i < 4; ++i) BOOST_TEST(b.reserve(t0).count() == 0);
  BOOST_TEST(b.reserve(t0 + 250ms).count() == 0);  // exactly one token refilled
  BOOST_TEST(b.reserve(t0 + 250ms).count() > 0);
}

BOOST_AUTO_TEST_CASE(a_cancelled_reservation_is_returned) {
  const token_bucket::clock::time_point t0{};
  token_bucket b(1.0, 1.0, t0);
  BOOST_TEST(b.reserve(t0).count() == 0);
  BOOST_TEST(b.reserve(t0).count() > 0);
  b.cancel_reservation();
  BOOST_TEST(std::abs(b.available(t0)) < 1e-9);
}

BOOST_AUTO_TEST_CASE(a_clock_going_backwards_adds_nothing) {
  const token_bucket::clock::time_point t0 = token_bucket::clock::time_point{} + 10s;
  token_bucket b(1.0, 1.0, t0);
  BOOST_TEST(b.reserve(t0).count() == 0);
  BOOST_TEST(b.reserve(t0 - 5s).count() > 0);
}

BOOST_AUTO_TEST_CASE(invalid_rates_are_rejected) {
  const token_bucket::clock::time_point t0{};
  BOOST_CHECK_THROW(token_bucket(0.0, 1.0, t0), boost::system::system_error);
  BOOST_CHECK_THROW(token_bucket(-1.0, 1.0, t0), boost::system::system_error);
  BOOST_CHECK_THROW(token_bucket(std::numeric_limits<double>::infinity(), 1.0, t0),
                    boost::system::system_error);
  BOOST_CHECK_THROW(token_bucket(1.0, 0.5, t0), boost::system::system_error);
  try {
    token_bucket(0.0, 1.0, t0);
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == awsmp::errc::invalid_argument));
    BOOST_TEST(std::string(e.what()).find("max_requests_per_second") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
