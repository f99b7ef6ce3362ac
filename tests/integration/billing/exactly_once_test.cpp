// The tracker against the emulator over loopback TLS: exactly-once billing under injected
// faults, heartbeats, refusals and settlement, every unit checked in the emulator's ledger.
#include <awsmp/subscription_store.hpp>
#include <awsmp/validation.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <map>

#include "billing_e2e.hpp"

using namespace awsmp;
using namespace billing_e2e;

BOOST_AUTO_TEST_SUITE(billing_e2e_suite)

namespace {

// Exactly once under faults with hour identity, in one identity form: two hours of usage, each
// billed by the flushes of the next hour, then settle(); every unit in the emulator's ledger once.
void exactly_once_under_faults(bool account_form) {
  temp_dir dir;
  constexpr int customers = 120;
  auto eo = emulator_with_customers(customers, dir.path() / "ca.pem", account_form);
  eo.faults.throttle_percent = 20;
  eo.faults.server_error_percent = 5;
  eo.faults.drop_connection_percent = 5;
  eo.faults.drop_after_commit_percent = 5;  // processed, answer lost: the resend must be idempotent
  eo.faults.unprocessed_percent = 10;
  eo.faults.seed = 7;
  BOOST_TEST_MESSAGE("fault seed " << eo.faults.seed);
  testing::marketplace_emulator emu(eo);
  emu.start();

  asio::io_context io;
  static_credentials_provider creds({access_key, secret_key, {}, {}});
  sigv4_signer signer(creds, "us-east-1");
  metering_client client(io.get_executor(), signer, client_for(emu));

  // The tracker's clock runs 3 h behind the wall clock and jumps an hour per round, so that
  // hours close without waiting (AWS's window is 6 h).
  auto offset = std::make_shared<std::atomic<int>>(0);
  token_billing_options o;
  o.tokens_per_unit = 1000;
  o.journal = dir.path() / "billing.journal";
  o.clock = [offset] {
    return std::chrono::system_clock::now() - std::chrono::hours(3) + std::chrono::hours(offset->load());
  };
  token_billing_tracker tracker(io.get_executor(), account_form ? "" : product, client, o);

  auto who = [&](int i) {
    return account_form ? account_customer(i) : billed_customer::legacy("cust-" + std::to_string(i));
  };
  std::mt19937_64 rng(42);
  std::map<int, std::int64_t> recorded;
  for (int round = 0; round < 2; ++round) {
    for (int call = 0; call < 2000; ++call) {
      const int i = static_cast<int>(rng() % customers);
      const auto in = static_cast<std::int64_t>(rng() % 5000);
      const auto out = static_cast<std::int64_t>(rng() % 3000);
      run_sync(io, tracker.record_usage(who(i), in, out));
      recorded[i] += in + out;
    }
    offset->fetch_add(1);  // the hour of this round's usage has ended
    int flushes = 0;
    for (; flushes < 40; ++flushes)
      if (run_sync(io, tracker.flush()).unprocessed_records.empty()) break;
    BOOST_TEST_MESSAGE("round " << round << ": " << flushes + 1 << " flushes");
    BOOST_TEST(flushes < 40);
  }
  // Settle the remainders (rounded up, the current hour) so every token is in the ledger.
  for (const auto& [i, tokens] : recorded) run_sync(io, tracker.settle(who(i)));
  for (int i = 0; i < 40 && tracker.stats().records_pending > 0; ++i) run_sync(io, tracker.flush());

  const auto s = emu.stats();
  BOOST_TEST_MESSAGE("faults injected: " << s.faults_injected()
                                         << ", idempotent resends: " << s.records_idempotent);
  BOOST_TEST(s.faults_injected() > 50u);
  BOOST_TEST(s.records_duplicate == 0u);
  BOOST_TEST(run_sync(io, tracker.dead_letters()).empty());
  BOOST_TEST(tracker.stats().records_pending == 0u);
  BOOST_TEST(tracker.stats().units_unsealed == 0u);
  for (const auto& [i, tokens] : recorded) {
    // Rounds bill whole units; the settlement rounds each customer's last remainder up.
    const std::int64_t expected = (tokens + 999) / 1000;
    const std::int64_t billed =
        account_form ? license_total(emu, who(i)) : emu.total("cust-" + std::to_string(i), "tokens_1m");
    BOOST_TEST(billed == expected, to_string(who(i)) << " tokens " << tokens);
  }
  for (const auto& r : emu.accepted_records()) {
    BOOST_TEST(r.record.customer_identifier.empty() == account_form);
    BOOST_TEST(r.product_code == (account_form ? "" : product));  // never ProductCode with LicenseArn
  }
  emu.stop();
}

}  // namespace

BOOST_AUTO_TEST_CASE(exactly_once_under_faults_legacy_form) {
  exactly_once_under_faults(false);
}

BOOST_AUTO_TEST_CASE(exactly_once_under_faults_account_form) {
  exactly_once_under_faults(true);
}

BOOST_AUTO_TEST_CASE(heartbeats_refusals_and_run_stop_against_the_emulator) {
  temp_dir dir;
  auto eo = emulator_with_customers(3, dir.path() / "ca.pem");
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
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        auto r = tracker.run(std::chrono::milliseconds(50));
        co_await std::move(r);
        run_done = true;
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        asio::steady_timer t(io, 300ms);
        co_await t.async_wait(asio::use_awaitable);
        auto s = tracker.stop();
        co_await std::move(s);
      },
      asio::detached);
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

BOOST_AUTO_TEST_CASE(same_hour_sequences_without_journal_bill_every_unit_once) {
  // The emulator keeps one record per (customer, dimension, hour) like AWS; one settable
  // clock drives it, the signer and the tracker, so that hours pass without waiting.
  struct step {
    enum kind { use, flush, stop, settle, heartbeat_flush, advance } k;
    std::int64_t n = 0;
  };
  using s = step;
  const std::vector<std::pair<const char*, std::vector<step>>> sequences = {
      {"two and more flushes in one hour",
       {{s::use, 2000},
        {s::advance, 3600},
        {s::flush},
        {s::use, 3000},
        {s::flush},
        {s::advance, 600},
        {s::flush},
        {s::advance, 3600},
        {s::flush}}},
      {"the hourly flush, usage, stop() in the same hour",
       {{s::use, 2000}, {s::advance, 3600}, {s::flush}, {s::use, 3000}, {s::advance, 60}, {s::stop}}},
      {"a flush, then settle() in the same hour",
       {{s::use, 2500}, {s::advance, 3600}, {s::flush}, {s::use, 1200}, {s::settle}}},
      {"a heartbeat, then usage in the same hour",
       {{s::advance, 3600}, {s::heartbeat_flush}, {s::use, 4000}, {s::advance, 120}, {s::stop}}},
      {"a quantity above 2^31-1", {{s::use, -1}, {s::advance, 3 * 3600}, {s::stop}}},
      {"first usage mid-hour", {{s::advance, 1700}, {s::use, 4000}, {s::stop}}},
  };
  for (const auto& [name, steps] : sequences) {
    BOOST_TEST_CONTEXT(name) {
      temp_dir dir;
      auto now =
          std::make_shared<std::atomic<std::int64_t>>(std::chrono::duration_cast<std::chrono::seconds>(
                                                          std::chrono::system_clock::now().time_since_epoch())
                                                          .count() -
                                                      5 * 3600);
      awsmp::clock_function clock = [now] { return awsmp::time_point(std::chrono::seconds(now->load())); };
      auto eo = emulator_with_customers(1, dir.path() / "ca.pem");
      eo.clock = clock;
      testing::marketplace_emulator emu(eo);
      emu.start();
      asio::io_context io;
      static_credentials_provider creds({access_key, secret_key, {}, {}});
      sigv4_signer signer(creds, "us-east-1", "aws-marketplace", clock);
      metering_client client(io.get_executor(), signer, client_for(emu));
      memory_subscription_store store(io.get_executor());
      subscription sub;
      sub.customer_identifier = "cust-0";
      sub.product_code = product;
      sub.status = subscription_status::active;
      run_sync(io, store.put(sub));
      token_billing_options o;
      o.tokens_per_unit = 1000;
      o.clock = clock;
      token_billing_options with_heartbeats = o;
      with_heartbeats.heartbeat_store = &store;
      const bool heartbeats = std::string(name).find("heartbeat") != std::string::npos;
      const bool big = std::string(name).find("2^31") != std::string::npos;
      if (big) o.tokens_per_unit = 1;
      token_billing_tracker tracker(io.get_executor(), product, client, heartbeats ? with_heartbeats : o);
      std::int64_t recorded = 0;
      std::int64_t first_use = 0;
      for (const auto& st : steps) {
        switch (st.k) {
          case step::use: {
            const std::int64_t n = st.n < 0 ? std::int64_t{2147483647} * 2 + 7 : st.n;
            if (recorded == 0) first_use = now->load();
            run_sync(io, tracker.record_usage("cust-0", n, 0));
            recorded += n;
            break;
          }
          case step::flush:
          case step::heartbeat_flush:
            run_sync(io, tracker.flush());
            break;
          case step::stop:
            run_sync(io, tracker.stop());
            break;
          case step::settle:
            run_sync(io, tracker.settle("cust-0"));
            break;
          case step::advance:
            now->fetch_add(st.n);
            break;
        }
      }
      const bool settled = std::string(name).find("settle") != std::string::npos;
      const std::int64_t tpu = big ? 1 : 1000;
      const std::int64_t expected = settled ? (recorded + tpu - 1) / tpu : recorded / tpu;
      BOOST_TEST(emu.total("cust-0", "tokens_1m") == expected);
      BOOST_TEST(emu.stats().records_duplicate == 0u);
      BOOST_TEST(run_sync(io, tracker.dead_letters()).empty());
      BOOST_TEST(tracker.stats().units_unbilled == 0u);
      BOOST_TEST(tracker.stats().records_pending == 0u);
      for (const auto& r : emu.accepted_records())
        if (r.record.quantity > 0)  // heartbeats bill no usage
          BOOST_TEST(std::chrono::duration_cast<std::chrono::seconds>(r.record.timestamp.time_since_epoch())
                         .count() >= first_use);
      if (heartbeats) BOOST_TEST(tracker.stats().heartbeats_sealed == 1u);
      emu.stop();
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
