// The tracker against the emulator over loopback TLS: exactly-once billing under injected
// faults, heartbeats, refusals and settlement, every unit checked in the emulator's ledger.
#include "billing_e2e.hpp"

#include <awsmp/subscription_store.hpp>

#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <map>

using namespace awsmp;
using namespace billing_e2e;

BOOST_AUTO_TEST_SUITE(billing_e2e_suite)

BOOST_AUTO_TEST_CASE(exactly_once_under_throttling_errors_drops_and_unprocessed_records) {
  temp_dir dir;
  constexpr int customers = 120;
  auto eo = emulator_with_customers(customers, dir.path / "ca.pem");
  eo.faults.throttle_percent = 20;
  eo.faults.server_error_percent = 5;
  eo.faults.drop_connection_percent = 5;
  eo.faults.drop_after_commit_percent = 3;  // processed, answer lost: the resend must be idempotent
  eo.faults.unprocessed_percent = 10;
  eo.faults.seed = 7;
  testing::marketplace_emulator emu(eo);
  emu.start();

  asio::io_context io;
  static_credentials_provider creds({access_key, secret_key, {}, {}});
  sigv4_signer signer(creds, "us-east-1");
  metering_client client(io.get_executor(), signer, client_for(emu));

  // Two rounds of usage a minute apart (the tracker's clock is ahead of the wall clock by
  // whole minutes so the test need not wait), with a journal, every record billed in units of 1.
  auto offset = std::make_shared<std::atomic<int>>(0);
  token_billing_options o;
  o.tokens_per_unit = 1000;
  o.journal = dir.path / "billing.journal";
  o.clock = [offset] { return std::chrono::system_clock::now() - std::chrono::minutes(10) + std::chrono::minutes(offset->load()); };
  token_billing_tracker tracker(io.get_executor(), product, client, o);

  std::mt19937_64 rng(42);
  std::map<std::string, std::int64_t> recorded;
  for (int round = 0; round < 2; ++round) {
    for (int call = 0; call < 2000; ++call) {
      const std::string id = "cust-" + std::to_string(rng() % customers);
      const auto in = static_cast<std::int64_t>(rng() % 5000);
      const auto out = static_cast<std::int64_t>(rng() % 3000);
      run_sync(io, tracker.record_usage(id, in, out));
      recorded[id] += in + out;
    }
    int flushes = 0;
    for (; flushes < 40; ++flushes)
      if (run_sync(io, tracker.flush()).unprocessed_records.empty()) break;
    BOOST_TEST_MESSAGE("round " << round << ": " << flushes + 1 << " flushes");
    BOOST_TEST(flushes < 40);
    offset->fetch_add(1);
  }
  // Settle the remainders (rounded up) so every token is in the emulator's ledger.
  for (const auto& [id, tokens] : recorded) run_sync(io, tracker.settle(id));
  for (int i = 0; i < 40 && tracker.stats().records_pending > 0; ++i) run_sync(io, tracker.flush());

  const auto s = emu.stats();
  BOOST_TEST_MESSAGE("faults injected: " << s.faults_injected() << ", idempotent resends: " << s.records_idempotent);
  BOOST_TEST(s.faults_injected() > 50u);
  BOOST_TEST(s.records_duplicate == 0u);
  BOOST_TEST(run_sync(io, tracker.dead_letters()).empty());
  BOOST_TEST(tracker.stats().records_pending == 0u);
  for (const auto& [id, tokens] : recorded) {
    // Rounds bill whole units; the settlement rounds each customer's last remainder up.
    const std::int64_t expected = (tokens + 999) / 1000;
    BOOST_TEST(emu.total(id, "tokens_1m") == expected, id << " tokens " << tokens);
  }
  emu.stop();
}

BOOST_AUTO_TEST_CASE(heartbeats_refusals_and_run_stop_against_the_emulator) {
  temp_dir dir;
  auto eo = emulator_with_customers(3, dir.path / "ca.pem");
  eo.customers[2].subscribed = false;  // cust-2 unsubscribed at AWS
  testing::marketplace_emulator emu(eo);
  emu.start();

  asio::io_context io;
  static_credentials_provider creds({access_key, secret_key, {}, {}});
  sigv4_signer signer(creds, "us-east-1");
  metering_client client(io.get_executor(), signer, client_for(emu));
  memory_subscription_store store(io.get_executor());
  for (int i = 0; i < 3; ++i) {
    subscription sub;
    sub.customer_identifier = "cust-" + std::to_string(i);
    sub.product_code = product;
    sub.status = subscription_status::active;
    run_sync(io, store.put(sub));
  }
  token_billing_options o;
  o.tokens_per_unit = 100;
  o.heartbeat_store = &store;
  token_billing_tracker tracker(io.get_executor(), product, client, o);
  run_sync(io, tracker.record_usage("cust-0", 250, 50));
  run_sync(io, tracker.record_usage("cust-2", 500, 0));

  // run() with a short interval, then stop(): the final flush happens before stop returns.
  bool run_done = false;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto r = tracker.run(std::chrono::milliseconds(50));
    co_await std::move(r);
    run_done = true;
  }, asio::detached);
  asio::co_spawn(io, [&]() -> awaitable<void> {
    asio::steady_timer t(io, 300ms);
    co_await t.async_wait(asio::use_awaitable);
    auto s = tracker.stop();
    co_await std::move(s);
  }, asio::detached);
  io.restart();
  io.run();
  BOOST_TEST(run_done);
  BOOST_TEST(emu.total("cust-0", "tokens_1m") == 3);
  BOOST_TEST(emu.total("cust-1", "tokens_1m") == 0);
  std::size_t heartbeat_records = 0;
  for (const auto& r : emu.accepted_records())
    if (r.record.customer_identifier == "cust-1" && r.record.quantity == 0) ++heartbeat_records;
  BOOST_TEST(heartbeat_records == 1u);  // one per hour, not one per tick
  auto dead = run_sync(io, tracker.dead_letters());
  BOOST_REQUIRE_EQUAL(dead.size(), 1u);
  BOOST_TEST(dead[0].record.customer_identifier == "cust-2");
  BOOST_TEST(dead[0].reason == "CustomerNotSubscribed");
  BOOST_TEST(emu.stats().records_duplicate == 0u);
  emu.stop();
}

BOOST_AUTO_TEST_SUITE_END()
