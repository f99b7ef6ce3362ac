#include <awsmp/caching_credentials_provider.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/test/unit_test.hpp>
#include <thread>

#include "core/throw.hpp"
#include "fake_provider.hpp"
#include "support/manual_clock.hpp"
#include "test_util.hpp"

using namespace awsmp;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year;
using namespace std::chrono_literals;

namespace {

using awsmp::test::manual_clock;

caching_credentials_options options_with(const manual_clock& clock, seconds margin = 300s) {
  caching_credentials_options o;
  o.clock = clock.function();
  o.refresh_margin = margin;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_caching_provider)

BOOST_AUTO_TEST_CASE(static_credentials_are_fetched_once) {
  boost::asio::io_context ctx;
  manual_clock clock;
  test::fake_provider inner([](int n) { return test::make_credentials("K" + std::to_string(n)); });
  caching_credentials_provider cache(ctx.get_executor(), inner, options_with(clock));
  for (int i = 0; i < 5; ++i) {
    BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
    clock.advance(hours{24 * 365});
  }
  BOOST_TEST(inner.calls() == 1);
  BOOST_TEST(cache.refreshes() == 1u);
}

BOOST_AUTO_TEST_CASE(refreshes_margin_before_expiration) {
  boost::asio::io_context ctx;
  manual_clock clock;
  const auto start = clock.now();
  test::fake_provider inner(
      [&](int n) { return test::make_credentials("K" + std::to_string(n), clock.now() + 60min); });
  caching_credentials_provider cache(ctx.get_executor(), inner, options_with(clock, 300s));
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
  clock.set(start + 54min + 59s);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
  BOOST_TEST(inner.calls() == 1);
  clock.set(start + 55min);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K2");
  BOOST_TEST(inner.calls() == 2);
  // The new credentials expire at 115 min: next refresh at 110 min.
  clock.set(start + 109min);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K2");
  clock.set(start + 110min);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K3");
}

BOOST_AUTO_TEST_CASE(configurable_margin_and_short_lived_credentials) {
  boost::asio::io_context ctx;
  manual_clock clock;
  const auto start = clock.now();
  // Credentials that live 2 minutes, inside a 5 minute margin: used for half their life.
  test::fake_provider inner(
      [&](int n) { return test::make_credentials("K" + std::to_string(n), clock.now() + 2min); });
  caching_credentials_provider cache(ctx.get_executor(), inner, options_with(clock, 300s));
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
  clock.set(start + 59s);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
  clock.set(start + 60s);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K2");

  // With a 30 s margin, the same credentials last until 90 s.
  manual_clock clock2;
  const auto start2 = clock2.now();
  test::fake_provider inner2(
      [&](int n) { return test::make_credentials("K" + std::to_string(n), clock2.now() + 2min); });
  caching_credentials_provider cache2(ctx.get_executor(), inner2, options_with(clock2, 30s));
  BOOST_TEST(test::run_sync(ctx, cache2.get()).access_key_id == "K1");
  clock2.set(start2 + 89s);
  BOOST_TEST(test::run_sync(ctx, cache2.get()).access_key_id == "K1");
  clock2.set(start2 + 90s);
  BOOST_TEST(test::run_sync(ctx, cache2.get()).access_key_id == "K2");
}

BOOST_AUTO_TEST_CASE(concurrent_callers_share_one_refresh) {
  boost::asio::io_context ctx;
  manual_clock clock;
  test::fake_provider inner(
      [&](int n) { return test::make_credentials("K" + std::to_string(n), clock.now() + 1h); }, 20ms);
  caching_credentials_provider cache(ctx.get_executor(), inner, options_with(clock));
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i)
    boost::asio::co_spawn(ctx, cache.get(), [&](std::exception_ptr e, credentials c) {
      BOOST_TEST(!e);
      keys.push_back(c.access_key_id);
    });
  ctx.run();
  BOOST_TEST(inner.calls() == 1);
  BOOST_REQUIRE_EQUAL(keys.size(), 50u);
  for (const auto& k : keys) BOOST_TEST(k == "K1");

  // Once due, a second burst again triggers exactly one call.
  clock.advance(56min);
  keys.clear();
  for (int i = 0; i < 20; ++i)
    boost::asio::co_spawn(ctx, cache.get(), [&](std::exception_ptr e, credentials c) {
      BOOST_TEST(!e);
      keys.push_back(c.access_key_id);
    });
  ctx.restart();
  ctx.run();
  BOOST_TEST(inner.calls() == 2);
  for (const auto& k : keys) BOOST_TEST(k == "K2");
}

BOOST_AUTO_TEST_CASE(concurrent_callers_from_several_threads) {
  boost::asio::io_context ctx;
  test::fake_provider inner(
      [](int n) { return test::make_credentials("K" + std::to_string(n), time_point::max()); }, 10ms);
  caching_credentials_provider cache(ctx.get_executor(), inner);
  std::atomic<int> ok{0};
  for (int i = 0; i < 200; ++i)
    boost::asio::co_spawn(ctx, cache.get(), [&](std::exception_ptr e, credentials c) {
      if (!e && c.access_key_id == "K1") ++ok;
    });
  std::thread t1([&] { ctx.run(); });
  std::thread t2([&] { ctx.run(); });
  t1.join();
  t2.join();
  BOOST_TEST(ok.load() == 200);
  BOOST_TEST(inner.calls() == 1);
}

BOOST_AUTO_TEST_CASE(a_failed_refresh_reaches_every_waiter_and_is_retried_later) {
  boost::asio::io_context ctx;
  manual_clock clock;
  test::fake_provider inner(
      [&](int n) -> credentials {
        if (n == 1) detail::throw_error(errc::timeout, "source slow");
        return test::make_credentials("K" + std::to_string(n), clock.now() + 1h);
      },
      10ms);
  caching_credentials_provider cache(ctx.get_executor(), inner, options_with(clock));
  int failures = 0;
  for (int i = 0; i < 10; ++i)
    boost::asio::co_spawn(ctx, cache.get(), [&](std::exception_ptr e, credentials) {
      try {
        if (e) std::rethrow_exception(e);
      } catch (const boost::system::system_error& se) {
        if (se.code() == errc::timeout) ++failures;
      }
    });
  ctx.run();
  BOOST_TEST(failures == 10);
  BOOST_TEST(inner.calls() == 1);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K2");
  BOOST_TEST(inner.calls() == 2);
}

BOOST_AUTO_TEST_CASE(cached_credentials_survive_a_failed_refresh_until_they_expire) {
  boost::asio::io_context ctx;
  manual_clock clock;
  const auto start = clock.now();
  bool failing = false;
  test::fake_provider inner([&](int n) -> credentials {
    if (failing) detail::throw_error(errc::service_error, "endpoint down");
    return credentials{"K" + std::to_string(n), "SECRETVALUE-" + std::to_string(n), "TOKENVALUE",
                       start + 60min};
  });
  caching_credentials_provider cache(ctx.get_executor(), inner, options_with(clock));
  test::log_capture logs;
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
  failing = true;
  clock.set(start + 56min);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");  // still valid: served, failure logged
  BOOST_TEST(inner.calls() == 2);
  BOOST_TEST(logs.all().find("refresh failed") != std::string::npos);
  test::check_no_secret(logs.all(), {"SECRETVALUE", "TOKENVALUE"});
  clock.set(start + 56min + 5s);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");  // pause: no new attempt yet
  BOOST_TEST(inner.calls() == 2);
  clock.set(start + 56min + 10s);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
  BOOST_TEST(inner.calls() == 3);
  clock.set(start + 60min);
  const auto e = test::error_of([&] { (void)test::run_sync(ctx, cache.get()); });
  BOOST_TEST(e.code() == errc::service_error);
  BOOST_TEST(inner.calls() == 4);
}

BOOST_AUTO_TEST_CASE(cancelling_the_caller_that_leads_a_refresh_does_not_fail_the_others) {
  using namespace boost::asio::experimental::awaitable_operators;
  boost::asio::io_context ctx;
  test::fake_provider inner([](int n) { return test::make_credentials("K" + std::to_string(n)); }, 30ms);
  caching_credentials_provider cache(ctx.get_executor(), inner);
  bool leader_done = false;
  boost::asio::co_spawn(
      ctx,
      [&]() -> awaitable<void> {
        boost::asio::steady_timer t(ctx, 5ms);
        // The timer wins: the get() that leads the refresh is cancelled.
        (void)co_await (cache.get() || t.async_wait(boost::asio::use_awaitable));
        leader_done = true;
      },
      boost::asio::detached);
  std::vector<std::string> keys;
  int errors = 0;
  boost::asio::co_spawn(
      ctx,
      [&]() -> awaitable<void> {
        boost::asio::steady_timer t(ctx, 1ms);
        co_await t.async_wait(boost::asio::use_awaitable);  // arrive while the refresh is in flight
        for (int i = 0; i < 10; ++i)
          boost::asio::co_spawn(ctx, cache.get(), [&](std::exception_ptr e, credentials c) {
            if (e)
              ++errors;
            else
              keys.push_back(c.access_key_id);
          });
      },
      boost::asio::detached);
  ctx.run();
  BOOST_TEST(leader_done);
  BOOST_TEST(errors == 0);
  BOOST_TEST(keys.size() == 10u);
  BOOST_TEST(inner.calls() <= 2);
  BOOST_TEST_MESSAGE("underlying calls with a cancelled leader: " << inner.calls());
}

BOOST_AUTO_TEST_CASE(invalidate_forces_a_refresh) {
  boost::asio::io_context ctx;
  test::fake_provider inner([](int n) { return test::make_credentials("K" + std::to_string(n)); });
  caching_credentials_provider cache(ctx.get_executor(), inner);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K1");
  bool done = false;
  boost::asio::co_spawn(ctx, cache.invalidate(), [&](std::exception_ptr e) { done = !e; });
  ctx.restart();
  ctx.run();
  BOOST_TEST(done);
  BOOST_TEST(test::run_sync(ctx, cache.get()).access_key_id == "K2");
}

BOOST_AUTO_TEST_CASE(owning_constructor_rejects_null) {
  boost::asio::io_context ctx;
  const auto e = test::error_of(
      [&] { caching_credentials_provider c(ctx.get_executor(), std::unique_ptr<credentials_provider>{}); });
  BOOST_TEST(e.code() == errc::invalid_argument);
  caching_credentials_provider owning(
      ctx.get_executor(), std::make_unique<static_credentials_provider>(test::make_credentials("OWNED")));
  BOOST_TEST(test::run_sync(ctx, owning.get()).access_key_id == "OWNED");
}

BOOST_AUTO_TEST_SUITE_END()
