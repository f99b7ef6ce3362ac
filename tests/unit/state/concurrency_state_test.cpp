// The state layer with its io_context run by two threads and many coroutines at once.
// CI also builds this folder under ThreadSanitizer, so every case is small and bounded.
#include <atomic>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/subscription_manager.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/async_mutex.hpp"
#include "state_test_support.hpp"

using namespace awsmp;
using namespace std::chrono_literals;

namespace {

constexpr int threads = 2;

// Spawns `count` coroutines made by `make(i)` and runs the io_context on two threads until
// all are done; returns how many ended with an exception.
template <class Make>
int run_many(asio::io_context& ctx, int count, Make make) {
  std::atomic<int> failures{0};
  for (int i = 0; i < count; ++i)
    asio::co_spawn(ctx, make(i), [&failures](std::exception_ptr e) {
      if (e) ++failures;
    });
  ctx.restart();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&ctx] { ctx.run(); });
  for (auto& t : pool) t.join();
  return failures.load();
}

// An entitlement store whose get takes a little time, so that misses overlap.
class slow_store final : public entitlement_store {
 public:
  slow_store(entitlement_store& inner, asio::any_io_executor ex) : inner_(inner), ex_(std::move(ex)) {}
  std::atomic<int> gets{0};
  using entitlement_store::erase;
  using entitlement_store::get;
  using entitlement_store::list;
  awaitable<void> put(entitlement e) override { return inner_.put(std::move(e)); }
  awaitable<std::optional<entitlement>> get(billed_customer c, std::string d) override {
    ++gets;
    auto row = co_await inner_.get(std::move(c), std::move(d));
    asio::steady_timer t(ex_, 2ms);
    co_await t.async_wait(asio::use_awaitable);
    co_return row;
  }
  awaitable<std::vector<entitlement>> list(billed_customer c) override { return inner_.list(std::move(c)); }
  awaitable<void> erase(billed_customer c, std::string d) override {
    return inner_.erase(std::move(c), std::move(d));
  }

 private:
  entitlement_store& inner_;
  asio::any_io_executor ex_;
};

template <class Backend>
void hammer_stores(Backend& b, asio::io_context& ctx) {
  constexpr int workers = 40, rounds = 10;
  const int failures = run_many(ctx, workers, [&](int w) -> awaitable<void> {
    // Each worker owns one customer and also reads everyone else's.
    const std::string mine = "cust-" + std::to_string(w);
    for (int r = 0; r < rounds; ++r) {
      entitlement e{mine, "prod", "dim-" + std::to_string(r % 3), r, never_expires};
      co_await b.entitlements().put(e);
      auto got = co_await b.entitlements().get(mine, e.dimension);
      if (!got || got->value != r) throw std::runtime_error("lost my own write");
      co_await b.entitlements().get("cust-" + std::to_string((w + 1) % workers), "dim-0");
      subscription s;
      s.customer_identifier = mine;
      s.status = r % 2 ? subscription_status::active : subscription_status::pending;
      co_await b.subscriptions().put(s);
      co_await b.subscriptions().list(subscription_status::active);
    }
    co_await b.entitlements().erase(mine, "dim-2");
  });
  BOOST_TEST(failures == 0);
  for (int w = 0; w < workers; ++w) {
    const std::string mine = "cust-" + std::to_string(w);
    auto rows = awsmp::test::run_sync(ctx, b.entitlements().list(mine));
    BOOST_REQUIRE_EQUAL(rows.size(), 2u);
    BOOST_TEST(rows[0].value == 9);  // dim-0, last written in round 9
    BOOST_TEST(rows[1].value == 7);  // dim-1, round 7
  }
  BOOST_TEST(awsmp::test::run_sync(ctx, b.subscriptions().list(subscription_status::active)).size() ==
             static_cast<std::size_t>(workers));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(concurrency_state)

BOOST_AUTO_TEST_CASE(memory_stores_from_two_threads) {
  asio::io_context ctx;
  awsmp::test::memory_backend b(ctx);
  hammer_stores(b, ctx);
}

BOOST_AUTO_TEST_CASE(sqlite_store_from_two_threads) {
  asio::io_context ctx;
  awsmp::test::temp_dir dir;
  auto o = awsmp::test::sqlite_options(dir.path() / "s.db");
  o.synchronous = sqlite_synchronous::normal;  // the point here is threading, not fsync
  sqlite_store store(ctx.get_executor(), o);
  struct {
    sqlite_store& s;
    entitlement_store& entitlements() { return s.entitlements(); }
    subscription_store& subscriptions() { return s.subscriptions(); }
  } b{store};
  hammer_stores(b, ctx);
}

BOOST_AUTO_TEST_CASE(single_flight_holds_across_threads) {
  asio::io_context ctx;
  memory_entitlement_store backing(ctx.get_executor());
  slow_store store(backing, ctx.get_executor());
  entitlement_checker checker(ctx.get_executor(), store, 1h);
  awsmp::test::run_sync(ctx, backing.put(entitlement{"c", "p", "d", 1, never_expires}));
  std::atomic<int> entitled{0};
  const int failures = run_many(ctx, 100, [&](int) -> awaitable<void> {
    if (co_await checker.is_entitled("c", "d")) ++entitled;
  });
  BOOST_TEST(failures == 0);
  BOOST_TEST(entitled == 100);
  BOOST_TEST(store.gets == 1, "one read for 100 concurrent misses on two threads");
}

BOOST_AUTO_TEST_CASE(checker_is_coherent_after_racing_grants_and_revokes) {
  // Readers, granters and revokers race on a few keys; once everything is quiet, every
  // answer must match the store although the TTL is an hour.
  asio::io_context ctx;
  memory_entitlement_store backing(ctx.get_executor());
  slow_store store(backing, ctx.get_executor());
  awsmp::test::manual_clock clock;
  entitlement_checker checker(ctx.get_executor(), store,
                              entitlement_checker_options{1h, 64, clock.function()});
  constexpr int keys = 6;
  const int failures = run_many(ctx, 60, [&](int w) -> awaitable<void> {
    for (int r = 0; r < 8; ++r) {
      const std::string c = "c" + std::to_string((w + r) % keys);
      switch ((w + r) % 3) {
        case 0:
          co_await checker.is_entitled(c, "d");
          break;
        case 1: {
          entitlement e{c, "p", "d", 1, never_expires};
          co_await checker.grant_entitlement(e);
          break;
        }
        default:
          co_await checker.revoke_entitlement(c, "d");
          break;
      }
    }
  });
  BOOST_TEST(failures == 0);
  for (int k = 0; k < keys; ++k) {
    const std::string c = "c" + std::to_string(k);
    const bool truth = awsmp::test::run_sync(ctx, backing.get(c, "d")).has_value();
    BOOST_TEST(awsmp::test::run_sync(ctx, checker.is_entitled(c, "d")) == truth, "key " << c);
  }
  BOOST_TEST(checker.stats().entries <= 64u);
}

BOOST_AUTO_TEST_CASE(async_mutex_excludes_across_suspension) {
  asio::io_context ctx;
  detail::async_mutex mutex(ctx.get_executor());
  std::atomic<int> inside{0}, max_inside{0}, entered{0};
  const int failures = run_many(ctx, 50, [&](int) -> awaitable<void> {
    for (int r = 0; r < 4; ++r) {
      auto guard = co_await mutex.lock();
      const int now = ++inside;
      int seen = max_inside.load();
      while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
      }
      asio::steady_timer t(co_await asio::this_coro::executor, 100us);
      co_await t.async_wait(asio::use_awaitable);  // suspended while holding the lock
      --inside;
      ++entered;
    }
  });
  BOOST_TEST(failures == 0);
  BOOST_TEST(entered == 200);
  BOOST_TEST(max_inside == 1);
}

namespace {
class echo_metering final : public metering_api {
 public:
  awaitable<resolve_customer_output> resolve_customer(std::string token) override {
    resolve_customer_output out{token.substr(6), "prod", "", ""};  // "token-<customer>"
    co_return out;
  }
  awaitable<batch_meter_usage_output> batch_meter_usage(batch_meter_usage_input) override {
    throw std::logic_error("unused");
  }
  awaitable<meter_usage_output> meter_usage(meter_usage_input) override { throw std::logic_error("unused"); }
};
}  // namespace

BOOST_AUTO_TEST_CASE(subscribe_and_unsubscribe_race_without_mixing) {
  asio::io_context ctx;
  memory_subscription_store store(ctx.get_executor());
  echo_metering metering;
  subscription_manager manager(ctx.get_executor(), store, metering, "prod");
  constexpr int customers = 8;
  for (int c = 0; c < customers; ++c)
    awsmp::test::run_sync(ctx, manager.subscribe("token-c" + std::to_string(c)));
  const int failures = run_many(ctx, 64, [&](int w) -> awaitable<void> {
    const std::string c = "c" + std::to_string(w % customers);
    if (w % 2)
      co_await manager.subscribe("token-" + c);
    else
      co_await manager.unsubscribe(c);
    co_await manager.is_active(c);
  });
  BOOST_TEST(failures == 0);
  for (int c = 0; c < customers; ++c) {
    const auto s = awsmp::test::run_sync(ctx, store.get("c" + std::to_string(c)));
    BOOST_REQUIRE(s.has_value());
    // Never a mix of the two writes: unsubscribed exactly when unsubscribed_at is set.
    BOOST_TEST((s->status == subscription_status::unsubscribed) == s->unsubscribed_at.has_value());
  }
}

BOOST_AUTO_TEST_SUITE_END()
