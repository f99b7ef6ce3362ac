// entitlement_checker: the Go original's behaviours, the TTL and expiry with an injected
// clock, single-flight, coherence against racing grants, store errors, the LRU bound.
#include <awsmp/entitlement_checker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/test/unit_test.hpp>

#include "lifecycle_fakes.hpp"

using namespace awsmp;
using awsmp::test::run_sync;
using namespace std::chrono_literals;

namespace {

struct fixture {
  asio::io_context ctx;
  awsmp::test::manual_clock clock;
  memory_entitlement_store backing{ctx.get_executor()};
  awsmp::test::instrumented_store store{backing, ctx.get_executor()};
  entitlement_checker checker{ctx.get_executor(), store,
                              entitlement_checker_options{1min, 1000, clock.function()}};

  entitlement ent(std::string customer, std::string dimension, std::int64_t value, time_point expires) {
    return entitlement{std::move(customer), "prod", std::move(dimension), value, expires};
  }
  bool entitled(std::string c, std::string d) {
    return run_sync(ctx, checker.is_entitled(std::move(c), std::move(d)));
  }
  // Polls the io_context until `pred` holds (bounded), for tests that interleave coroutines.
  template <class Pred>
  void run_until(Pred pred) {
    for (int i = 0; i < 10'000 && !pred(); ++i) {
      ctx.restart();
      ctx.run_one();
    }
    BOOST_REQUIRE(pred());
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(entitlement_checker_suite, fixture)

BOOST_AUTO_TEST_CASE(grant_entitled_revoke_not) {
  BOOST_TEST(!entitled("c1", "d"));
  run_sync(ctx, checker.grant_entitlement(ent("c1", "d", 10, clock.now() + 24h)));
  BOOST_TEST(entitled("c1", "d"));
  BOOST_TEST(!entitled("c1", "other"));
  BOOST_TEST(!entitled("c2", "d"));
  run_sync(ctx, checker.revoke_entitlement("c1", "d"));
  BOOST_TEST(!entitled("c1", "d"));
  BOOST_TEST(!run_sync(ctx, backing.get("c1", "d")).has_value(), "revoke removes the row");
}

BOOST_AUTO_TEST_CASE(expired_or_zero_is_not_entitled) {
  run_sync(ctx, checker.grant_entitlement(ent("c1", "expired", 10, clock.now() - 1s)));
  run_sync(ctx, checker.grant_entitlement(ent("c1", "now", 10, clock.now())));  // expires_at is exclusive
  run_sync(ctx, checker.grant_entitlement(ent("c1", "zero", 0, never_expires)));
  run_sync(ctx, checker.grant_entitlement(ent("c1", "negative", -3, never_expires)));
  run_sync(ctx, checker.grant_entitlement(ent("c1", "default-expiry", 1, time_point{})));
  run_sync(ctx, checker.grant_entitlement(ent("c1", "forever", 1, never_expires)));
  BOOST_TEST(!entitled("c1", "expired"));
  BOOST_TEST(!entitled("c1", "now"));
  BOOST_TEST(!entitled("c1", "zero"));
  BOOST_TEST(!entitled("c1", "negative"));
  BOOST_TEST(!entitled("c1", "default-expiry"));
  BOOST_TEST(entitled("c1", "forever"));
}

BOOST_AUTO_TEST_CASE(hits_are_served_from_cache_until_the_ttl) {
  run_sync(ctx, backing.put(ent("c1", "d", 1, never_expires)));
  BOOST_TEST(entitled("c1", "d"));
  BOOST_TEST(store.gets == 1);
  clock.advance(59s);
  for (int i = 0; i < 5; ++i) BOOST_TEST(entitled("c1", "d"));
  BOOST_TEST(store.gets == 1, "within the TTL no store read");
  // Changed behind the checker's back: still the cached answer until the TTL or invalidate.
  run_sync(ctx, backing.erase("c1", "d"));
  BOOST_TEST(entitled("c1", "d"));
  clock.advance(1s);
  BOOST_TEST(!entitled("c1", "d"), "after the TTL the store is read again");
  BOOST_TEST(store.gets == 2);
  const auto st = checker.stats();
  BOOST_TEST(st.hits == 6u);
  BOOST_TEST(st.misses == 2u);
  BOOST_TEST(st.store_reads == 2u);
}

BOOST_AUTO_TEST_CASE(negative_answers_are_cached_and_invalidate_drops_them) {
  BOOST_TEST(!entitled("c1", "d"));
  run_sync(ctx, backing.put(ent("c1", "d", 1, never_expires)));
  BOOST_TEST(!entitled("c1", "d"));
  BOOST_TEST(store.gets == 1);
  run_sync(ctx, checker.invalidate("c1", "d"));
  BOOST_TEST(entitled("c1", "d"));
  BOOST_TEST(store.gets == 2);
  run_sync(ctx, backing.erase("c1", "d"));
  checker.invalidate_all();
  BOOST_TEST(!entitled("c1", "d"));
  BOOST_TEST(store.gets == 3);
}

BOOST_AUTO_TEST_CASE(a_cached_row_never_answers_past_its_expiry) {
  const auto expires = clock.now() + 10s;
  run_sync(ctx, checker.grant_entitlement(ent("c1", "d", 1, expires)));
  BOOST_TEST(entitled("c1", "d"));
  clock.advance(9s);
  BOOST_TEST(entitled("c1", "d"));
  clock.advance(1s);  // now == expires_at, well within the 1 min TTL
  BOOST_TEST(!entitled("c1", "d"));
  BOOST_TEST(store.gets == 1, "answered from the cache, with the clock");
}

BOOST_AUTO_TEST_CASE(concurrent_misses_share_one_store_read) {
  run_sync(ctx, backing.put(ent("c1", "d", 1, never_expires)));
  store.gated = true;
  constexpr int callers = 50;
  int done = 0, yes = 0;
  for (int i = 0; i < callers; ++i)
    asio::co_spawn(ctx, checker.is_entitled("c1", "d"), [&](std::exception_ptr e, bool r) {
      BOOST_TEST(!e);
      ++done;
      yes += r;
    });
  run_until([&] { return store.waiting == 1; });
  ctx.restart();
  ctx.poll();
  BOOST_TEST(store.gets == 1);
  BOOST_TEST(done == 0);
  store.open_gate();
  ctx.restart();
  ctx.run();
  BOOST_TEST(done == callers);
  BOOST_TEST(yes == callers);
  BOOST_TEST(store.gets == 1, "one store read for all concurrent misses");
  BOOST_TEST(checker.stats().coalesced == static_cast<std::uint64_t>(callers - 1));
  BOOST_TEST(entitled("c1", "d"));
  BOOST_TEST(store.gets == 1, "and its answer was cached");
}

BOOST_AUTO_TEST_CASE(a_grant_racing_a_miss_leaves_no_stale_entry) {
  store.gated = true;
  std::optional<bool> first;
  asio::co_spawn(ctx, checker.is_entitled("c1", "d"), [&](std::exception_ptr, bool r) { first = r; });
  run_until([&] { return store.waiting == 1; });  // the read has seen "no row" and is held
  run_sync(ctx, checker.grant_entitlement(ent("c1", "d", 1, never_expires)));
  store.open_gate();
  ctx.restart();
  ctx.run();
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(!*first, "the racing call may answer with what it read");
  BOOST_TEST(entitled("c1", "d"), "but that answer was not cached");
  BOOST_TEST(store.gets == 2);
}

BOOST_AUTO_TEST_CASE(a_revoke_racing_a_miss_leaves_no_stale_entry) {
  run_sync(ctx, backing.put(ent("c1", "d", 1, never_expires)));
  store.gated = true;
  std::optional<bool> first;
  asio::co_spawn(ctx, checker.is_entitled("c1", "d"), [&](std::exception_ptr, bool r) { first = r; });
  run_until([&] { return store.waiting == 1; });
  run_sync(ctx, checker.revoke_entitlement("c1", "d"));
  // A call after the revoke must not join the stale read: it starts its own.
  std::optional<bool> second;
  asio::co_spawn(ctx, checker.is_entitled("c1", "d"), [&](std::exception_ptr, bool r) { second = r; });
  run_until([&] { return store.waiting == 2; });
  store.open_gate();
  ctx.restart();
  ctx.run();
  BOOST_TEST(first.value_or(false));
  BOOST_TEST(!second.value_or(true), "a call that started after the revoke sees it");
  BOOST_TEST(!entitled("c1", "d"));
  BOOST_TEST(store.gets == 2, "the fresh read's answer was cached, the stale one was not");
}

BOOST_AUTO_TEST_CASE(store_errors_propagate_to_every_waiter_and_are_not_cached) {
  run_sync(ctx, backing.put(ent("c1", "d", 1, never_expires)));
  store.fail_next_gets = 1;
  store.gated = true;
  int failures = 0;
  for (int i = 0; i < 3; ++i)
    asio::co_spawn(ctx, checker.is_entitled("c1", "d"), [&](std::exception_ptr e, bool) {
      try {
        if (e) std::rethrow_exception(e);
      } catch (const boost::system::system_error& err) {
        failures += err.code() == boost::system::errc::io_error;
      }
    });
  run_until([&] { return store.waiting == 1; });
  store.open_gate();
  ctx.restart();
  ctx.run();
  BOOST_TEST(failures == 3);
  BOOST_TEST(store.gets == 1);
  BOOST_TEST(entitled("c1", "d"), "the failure was not cached as 'not entitled'");
  BOOST_TEST(store.gets == 2);
}

BOOST_AUTO_TEST_CASE(bad_input_is_rejected_before_the_store) {
  const auto invalid = awsmp::test::has_code(errc::invalid_argument);
  BOOST_CHECK_EXCEPTION(entitled("", "d"), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(entitled("c", std::string(256, 'd')), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(entitled("c\x01", "d"), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, checker.grant_entitlement(ent("", "d", 1, never_expires))),
                        boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, checker.revoke_entitlement("c", "")), boost::system::system_error,
                        invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, checker.invalidate("", "d")), boost::system::system_error, invalid);
  BOOST_TEST(store.gets == 0);
  BOOST_CHECK_EXCEPTION(
      entitlement_checker(ctx.get_executor(), store, entitlement_checker_options{-1s, 10, {}}),
      boost::system::system_error, invalid);
}

BOOST_AUTO_TEST_CASE(the_cache_is_bounded_lru) {
  entitlement_checker small(ctx.get_executor(), store, entitlement_checker_options{1h, 3, clock.function()});
  for (int i = 0; i < 3; ++i) run_sync(ctx, small.is_entitled("c" + std::to_string(i), "d"));
  run_sync(ctx, small.is_entitled("c0", "d"));  // c0 is now the most recently used
  run_sync(ctx, small.is_entitled("c3", "d"));  // evicts c1, the least recently used
  run_sync(ctx, small.is_entitled("c4", "d"));  // evicts c2
  auto st = small.stats();
  BOOST_TEST(st.entries == 3u);
  BOOST_TEST(st.evictions == 2u);
  const int before = store.gets;
  run_sync(ctx, small.is_entitled("c0", "d"));
  BOOST_TEST(store.gets == before, "c0 survived");
  run_sync(ctx, small.is_entitled("c1", "d"));
  BOOST_TEST(store.gets == before + 1, "c1 was evicted");
}

BOOST_AUTO_TEST_CASE(zero_ttl_reads_every_time) {
  entitlement_checker uncached(ctx.get_executor(), store, 0ns);
  run_sync(ctx, uncached.grant_entitlement(ent("c1", "d", 1, never_expires)));
  for (int i = 0; i < 3; ++i) BOOST_TEST(run_sync(ctx, uncached.is_entitled("c1", "d")));
  BOOST_TEST(store.gets == 3);
  BOOST_TEST(uncached.stats().entries == 0u);
}

// ---- Billing v2: answers per license.

BOOST_AUTO_TEST_CASE(answers_per_license) {
  const std::string lic_a = "arn:aws:license-manager::111122223333:license:l-a";
  const std::string lic_b = "arn:aws:license-manager::111122223333:license:l-b";
  const auto a = billed_customer::account("111122223333", lic_a);
  const auto b = billed_customer::account("111122223333", lic_b);
  auto row = ent("cust-x", "tokens", 1, never_expires);
  row.customer_aws_account_id = "111122223333";
  row.license_arn = lic_a;
  run_sync(ctx, checker.grant_entitlement(row));
  BOOST_TEST(run_sync(ctx, checker.is_entitled(a, "tokens")));
  BOOST_TEST(!run_sync(ctx, checker.is_entitled(b, "tokens")),
             "another license of the same account is not entitled");
  BOOST_TEST(!run_sync(ctx, checker.is_entitled(a, "seats")));
  BOOST_TEST(entitled("cust-x", "tokens"),
             "the legacy lookup finds the license's row by its customer identifier");

  // Cached now: a revoke of the license drops both the license's and the legacy answer.
  BOOST_TEST(run_sync(ctx, checker.is_entitled(a, "tokens")));
  const int gets_before = store.gets.load();
  BOOST_TEST(entitled("cust-x", "tokens"));
  BOOST_TEST(store.gets.load() == gets_before, "answered from the cache");
  run_sync(ctx, checker.revoke_entitlement(a, "tokens"));
  BOOST_TEST(!run_sync(ctx, checker.is_entitled(a, "tokens")));
  BOOST_TEST(!entitled("cust-x", "tokens"));

  // A grant under the license is seen by a cached legacy "no" at once.
  row.license_arn = lic_b;
  run_sync(ctx, checker.grant_entitlement(row));
  BOOST_TEST(entitled("cust-x", "tokens"));
  BOOST_TEST(run_sync(ctx, checker.is_entitled(b, "tokens")));
  // A legacy revoke removes the license rows carrying that identifier and their cached answers.
  run_sync(ctx, checker.revoke_entitlement("cust-x", "tokens"));
  BOOST_TEST(!run_sync(ctx, checker.is_entitled(b, "tokens")));
  BOOST_TEST(!entitled("cust-x", "tokens"));
}

BOOST_AUTO_TEST_CASE(bad_billed_customers_are_refused_before_the_store) {
  const auto invalid = awsmp::test::has_code(errc::invalid_argument);
  const int gets_before = store.gets.load();
  BOOST_CHECK_EXCEPTION(
      run_sync(ctx, checker.is_entitled(billed_customer::account("x1", "arn:aws:a:b:c:d"), "tokens")),
      boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, checker.is_entitled(billed_customer::account("1", "no-arn"), "tokens")),
                        boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, checker.is_entitled(billed_customer::legacy("caf\xc3"), "tokens")),
                        boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, checker.invalidate(billed_customer::legacy(""), "tokens")),
                        boost::system::system_error, invalid);
  BOOST_TEST(store.gets.load() == gets_before);
}

BOOST_AUTO_TEST_SUITE_END()
