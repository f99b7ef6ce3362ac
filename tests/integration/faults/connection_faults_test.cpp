// Connection faults end to end (token_billing_tracker + metering_client + the emulator over
// loopback TLS): connections dropped before and after the server commits, and answers slower
// than the client's per-attempt timeout. Each test compares the emulator's ledger with what was
// recorded: every unit billed, none twice.
#include <atomic>
#include <memory>

#include "faults_support.hpp"

using namespace awsmp;
using namespace faults;

BOOST_AUTO_TEST_SUITE(fault_matrix_connections)

// 30 rounds; each one injects 1 to 4 drops of one kind (alternating before / after commit)
// ahead of the flush. One attempt per call (no client retry beyond the transport's single
// resend on a connection found closed), so bursts fail batches and the tracker must keep them
// and resend them unchanged at the next flush.
BOOST_AUTO_TEST_CASE(dropped_connections_before_and_after_commit_over_many_rounds) {
  temp_dir dir;
  constexpr int customers = 60;  // three batches of at most 25
  constexpr int rounds = 30;
  const auto s = seed(11);
  auto eo = emulator_with_customers(customers, dir.path() / "ca.pem");
  eo.faults.seed = s;
  testing::marketplace_emulator emu(eo);
  emu.start();

  asio::io_context io;
  signing sig;
  auto co = client_for(emu);
  co.max_attempts = 1;  // no client retry: every drop reaches the tracker
  metering_client client(io.get_executor(), sig.signer, co);
  auto offset = std::make_shared<std::atomic<int>>(0);
  token_billing_options o;
  o.tokens_per_unit = 1000;
  o.journal = dir.path() / "billing.journal";
  // The tracker's clock starts 5 h 30 min back and moves 10 minutes per round, so that hours
  // close (and the hourly flush bills them) every six rounds without waiting.
  o.clock = [offset] {
    return std::chrono::system_clock::now() - std::chrono::minutes(330) +
           std::chrono::minutes(10 * offset->load());
  };
  token_billing_tracker tracker(io.get_executor(), product, client, o);

  std::mt19937_64 rng(s);
  std::map<std::string, std::int64_t> recorded;
  std::size_t injected_before = 0, injected_after = 0;
  int failed_flushes = 0;
  for (int round = 0; round < rounds; ++round) {
    record_random(io, tracker, rng, customers, 200, recorded);
    const auto burst = 1 + rng() % 4;
    if (round % 2 == 0) {
      emu.inject(testing::fault_kind::drop_connection, burst);
      injected_before += burst;
    } else {
      emu.inject(testing::fault_kind::drop_after_commit, burst);
      injected_after += burst;
    }
    offset->fetch_add(1);
    const int flushes = flush_until_done(io, tracker, 10);
    BOOST_TEST(flushes < 10, "round " << round << " still pending after 10 flushes");
    failed_flushes += flushes - 1;
  }
  for (const auto& [id, tokens] : recorded) run_sync(io, tracker.settle(id));
  BOOST_TEST(flush_until_done(io, tracker, 10) < 10);

  const auto st = emu.stats();
  BOOST_TEST_MESSAGE("seed " << s << ": drops before " << st.dropped_before << ", after commit "
                             << st.dropped_after_commit << ", idempotent resends " << st.records_idempotent
                             << ", flushes that left records pending " << failed_flushes
                             << ", stale reconnects " << client.stats().stale_reconnects);
  BOOST_TEST(st.dropped_before == injected_before);
  BOOST_TEST(st.dropped_after_commit == injected_after);
  BOOST_TEST(st.records_idempotent > 0u);
  // A single drop on a reused connection is absorbed by the transport's one transparent resend
  // (stale_reconnects); longer bursts reach the tracker, which keeps the batch for the next flush.
  BOOST_TEST(failed_flushes > 0);
  BOOST_TEST(client.stats().stale_reconnects > 0u);  // answers lost after commit were resent and recognised
  BOOST_TEST(run_sync(io, tracker.dead_letters()).empty());
  BOOST_TEST(tracker.stats().records_pending == 0u);
  const auto billed = check_ledger(emu);
  for (const auto& [id, tokens] : recorded) {
    const auto it = billed.find(id);
    const std::int64_t units = it == billed.end() ? 0 : it->second;
    BOOST_TEST(units == (tokens + 999) / 1000, id << ": " << tokens << " tokens");
  }
  BOOST_TEST(billed.size() == recorded.size());
  emu.stop();
}

// Random drops at a high rate with several batches in flight (batch_concurrency 4): the
// scheduler decides which request is hit, the ledger must still be exact.
BOOST_AUTO_TEST_CASE(random_drops_with_concurrent_batches) {
  temp_dir dir;
  constexpr int customers = 200;  // eight batches
  const auto s = seed(23);
  auto eo = emulator_with_customers(customers, dir.path() / "ca.pem");
  eo.faults.drop_connection_percent = 15;
  eo.faults.drop_after_commit_percent = 15;
  eo.faults.seed = s;
  testing::marketplace_emulator emu(eo);
  emu.start();

  asio::io_context io;
  signing sig;
  metering_client client(io.get_executor(), sig.signer, client_for(emu));
  auto offset = std::make_shared<std::atomic<int>>(0);
  token_billing_options o;
  o.tokens_per_unit = 1000;
  o.clock = [offset] {
    return std::chrono::system_clock::now() - std::chrono::minutes(20) + std::chrono::minutes(offset->load());
  };
  token_billing_tracker tracker(io.get_executor(), product, client, o);

  std::mt19937_64 rng(s);
  std::map<std::string, std::int64_t> recorded;
  for (int round = 0; round < 10; ++round) {
    record_random(io, tracker, rng, customers, 1000, recorded);
    BOOST_TEST(flush_until_done(io, tracker, 20) < 20);
    offset->fetch_add(1);
  }
  for (const auto& [id, tokens] : recorded) run_sync(io, tracker.settle(id));
  BOOST_TEST(flush_until_done(io, tracker, 20) < 20);

  const auto st = emu.stats();
  BOOST_TEST_MESSAGE("seed " << s << ": drops before " << st.dropped_before << ", after commit "
                             << st.dropped_after_commit << ", idempotent " << st.records_idempotent);
  BOOST_TEST(st.dropped_before > 0u);
  BOOST_TEST(st.dropped_after_commit > 0u);
  BOOST_TEST(run_sync(io, tracker.dead_letters()).empty());
  const auto billed = check_ledger(emu);
  for (const auto& [id, tokens] : recorded) {
    const auto it = billed.find(id);
    BOOST_TEST((it == billed.end() ? 0 : it->second) == (tokens + 999) / 1000, id);
  }
  emu.stop();
}

// The emulator answers after 400 ms, the client gives up after 150 ms (twice): the server may
// have committed what the client believes failed. The tracker keeps the records; once the
// latency is gone they are resent unchanged and the emulator recognises them.
BOOST_AUTO_TEST_CASE(timeouts_then_recovery_bill_exactly_once) {
  temp_dir dir;
  constexpr int customers = 40;
  const auto s = seed(5);
  auto eo = emulator_with_customers(customers, dir.path() / "ca.pem");
  eo.faults.seed = s;
  testing::marketplace_emulator emu(eo);
  emu.start();

  asio::io_context io;
  signing sig;
  auto co = client_for(emu);
  co.timeout = 150ms;
  co.max_attempts = 2;
  metering_client client(io.get_executor(), sig.signer, co);
  auto offset = std::make_shared<std::atomic<int>>(0);
  token_billing_options o;
  o.tokens_per_unit = 1000;
  o.journal = dir.path() / "billing.journal";
  // An hour per round: each round's usage is billed by the (slow) flush of the next hour.
  o.clock = [offset] {
    return std::chrono::system_clock::now() - std::chrono::hours(5) + std::chrono::hours(offset->load());
  };
  token_billing_tracker tracker(io.get_executor(), product, client, o);

  std::mt19937_64 rng(s);
  std::map<std::string, std::int64_t> recorded;
  int timed_out_flushes = 0;
  for (int round = 0; round < 5; ++round) {
    record_random(io, tracker, rng, customers, 300, recorded);
    offset->fetch_add(1);
    testing::fault_options slow;
    slow.latency = 400ms;
    slow.seed = s + static_cast<std::uint64_t>(round);
    emu.set_faults(slow);
    const auto started = std::chrono::steady_clock::now();
    try {
      const auto out = run_sync(io, tracker.flush());
      if (!out.unprocessed_records.empty()) ++timed_out_flushes;
    } catch (const std::exception& e) {
      ++timed_out_flushes;
      BOOST_TEST_MESSAGE("slow flush threw: " << e.what());
    }
    const auto took = std::chrono::steady_clock::now() - started;
    BOOST_TEST(took < 5s);  // bounded by the attempts' timeouts, not by the server
    BOOST_TEST(tracker.stats().records_pending > 0u);
    emu.set_faults(testing::fault_options{});
    BOOST_TEST(flush_until_done(io, tracker, 10) < 10);
  }
  BOOST_TEST(timed_out_flushes == 5);
  for (const auto& [id, tokens] : recorded) run_sync(io, tracker.settle(id));
  BOOST_TEST(flush_until_done(io, tracker, 10) < 10);

  BOOST_TEST_MESSAGE("seed " << s << ": idempotent resends " << emu.stats().records_idempotent);
  BOOST_TEST(client.stats().retries > 0u);
  BOOST_TEST(run_sync(io, tracker.dead_letters()).empty());
  const auto billed = check_ledger(emu);
  for (const auto& [id, tokens] : recorded) {
    const auto it = billed.find(id);
    BOOST_TEST((it == billed.end() ? 0 : it->second) == (tokens + 999) / 1000, id);
  }
  emu.stop();
}

BOOST_AUTO_TEST_SUITE_END()
