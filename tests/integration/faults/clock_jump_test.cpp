// Clock jumps: the tracker's clock_function jumps backwards (-2 h) and forwards (+3 h, +7 h:
// past the 6-hour window) between flushes while the emulator keeps the true time. Required:
// never two records for one customer, dimension and hour (no DuplicateRecord), nothing
// dropped silently (dead letters carry a reason and are counted), and the totals reconcile per
// customer: recorded tokens == (accepted + dead-lettered + pending) units x tokens_per_unit +
// the tokens still open or carried.
#include <atomic>
#include <memory>

#include "faults_support.hpp"

using namespace awsmp;
using namespace faults;

namespace {

constexpr std::int64_t tpu = 1000;

// Records 1000..4999 tokens (at least one unit) for each customer of [first, last).
void record_group(asio::io_context& io, token_billing_tracker& tracker, std::mt19937_64& rng, int first,
                  int last, std::map<std::string, std::int64_t>& recorded) {
  run_sync(io, [&]() -> awaitable<void> {
    for (int i = first; i < last; ++i) {
      const std::string id = "cust-" + std::to_string(i);
      const auto tokens = static_cast<std::int64_t>(1000 + rng() % 4000);
      co_await tracker.record_usage(id, tokens, 0);
      recorded[id] += tokens;
    }
  }());
}

batch_meter_usage_output flush_quietly(asio::io_context& io, token_billing_tracker& tracker) {
  try {
    return run_sync(io, tracker.flush());
  } catch (const std::exception& e) {
    BOOST_TEST_MESSAGE("flush threw: " << e.what());
    return {};
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fault_matrix_clock)

BOOST_AUTO_TEST_CASE(clock_jumps_back_and_forth_never_duplicate_and_every_token_is_accounted_for) {
  temp_dir dir;
  constexpr int group_a = 10, customers = 20;  // A: cust-0..9, B: cust-10..19
  const auto s = seed(17);
  testing::marketplace_emulator emu(emulator_with_customers(customers, dir.path() / "ca.pem"));
  emu.start();
  asio::io_context io;
  signing sig;
  auto co = client_for(emu);
  co.max_attempts = 1;
  metering_client client(io.get_executor(), sig.signer, co);
  auto offset = std::make_shared<std::atomic<int>>(0);  // minutes from the true time
  token_billing_options o;
  o.tokens_per_unit = tpu;
  o.journal = dir.path() / "billing.journal";
  o.clock = [offset] { return std::chrono::system_clock::now() + std::chrono::minutes(offset->load()); };
  auto tracker = std::make_unique<token_billing_tracker>(io.get_executor(), product, client, o);
  std::mt19937_64 rng(s);
  std::map<std::string, std::int64_t> recorded;

  // 1. A sane clock, 3 h behind the truth (well inside AWS's window): usage, then the hour
  //    closes and everything is billed.
  offset->store(-180);
  record_group(io, *tracker, rng, 0, customers, recorded);
  offset->store(-120);
  BOOST_TEST(flush_until_done(io, *tracker, 5) < 5);
  const auto sealed_1 = tracker->stats().records_sealed;
  BOOST_TEST(sealed_1 == static_cast<std::uint64_t>(customers));

  // 2. Jump back 2 h: a seal would land at or before the customers' last records, so none
  //    happens; the usage stays open (not lost, not stamped into the past).
  offset->store(-240);
  record_group(io, *tracker, rng, 0, customers, recorded);
  flush_quietly(io, *tracker);
  BOOST_TEST(tracker->stats().records_sealed == sealed_1);

  // 3. Back to a sane clock an hour later: the deferred usage is sealed and billed.
  offset->store(-60);
  BOOST_TEST(flush_until_done(io, *tracker, 5) < 5);
  BOOST_TEST(tracker->stats().records_sealed == sealed_1 + customers);

  // 4. Group B's next records cannot be delivered (every connection dropped): they are pending.
  record_group(io, *tracker, rng, group_a, customers, recorded);
  offset->store(0);
  testing::fault_options drop_all;
  drop_all.drop_connection_percent = 100;
  emu.set_faults(drop_all);
  flush_quietly(io, *tracker);
  BOOST_TEST(tracker->stats().records_pending >= static_cast<std::uint64_t>(customers - group_a));
  emu.set_faults(testing::fault_options{});

  // 5. Jump forward 3 h: group A is stamped hours in the future; the service refuses it
  //    (TimestampOutOfBounds) and the tracker dead-letters it alone with that reason; group B's
  //    pending records, isolated from it, go through.
  offset->store(180);
  record_group(io, *tracker, rng, 0, group_a, recorded);
  flush_quietly(io, *tracker);

  // 6. Jump forward 7 h: group A's new usage is stamped 7 h ahead and refused.
  offset->store(420);
  record_group(io, *tracker, rng, 0, group_a, recorded);
  flush_quietly(io, *tracker);

  // 7. Back to the true clock, and a restart on the journal for good measure: group A is stuck
  //    (its last record is stamped in the "future"), group B bills in the current hour.
  offset->store(0);
  tracker.reset();
  // The old tracker's last handlers still hold its journal (and its lock) until they run.
  io.restart();
  io.run();
  tracker = std::make_unique<token_billing_tracker>(io.get_executor(), product, client, o);
  record_group(io, *tracker, rng, 0, customers, recorded);
  run_sync(io, tracker->stop());

  const auto st = tracker->stats();
  const auto dead = run_sync(io, tracker->dead_letters());
  BOOST_TEST_MESSAGE("seed " << s << ": sealed " << st.records_sealed << ", acknowledged "
                             << st.records_acknowledged << ", dead " << dead.size() << ", pending "
                             << st.records_pending);
  BOOST_TEST(st.records_pending == 0u);
  std::size_t expired = 0, refused = 0;
  std::set<std::pair<std::string, std::int64_t>> hours;  // every sealed (customer, hour), billed or not
  for (const auto& d : dead) {
    BOOST_TEST(!d.reason.empty());
    if (d.reason.find("expired") != std::string::npos) ++expired;
    if (d.reason.find("TimestampOutOfBounds") != std::string::npos) ++refused;
    hours.emplace(d.record.customer_identifier,
                  std::chrono::floor<std::chrono::hours>(d.record.timestamp).time_since_epoch().count());
  }
  BOOST_TEST(expired == 0u);
  BOOST_TEST(refused == static_cast<std::size_t>(2 * group_a));
  BOOST_TEST(dead.size() == expired + refused);

  const auto billed = check_ledger(emu);  // no DuplicateRecord, one record per hour
  for (const auto& r : emu.accepted_records()) {
    const bool fresh =
        hours
            .emplace(r.record.customer_identifier,
                     std::chrono::floor<std::chrono::hours>(r.record.timestamp).time_since_epoch().count())
            .second;
    BOOST_TEST(fresh, "a dead letter and a billed record share an hour for " << r.record.customer_identifier);
  }
  const auto dead_by_customer = dead_units(dead);
  std::map<std::string, std::int64_t> unbilled;
  for (const auto& u : run_sync(io, tracker->snapshot())) unbilled[u.customer_identifier] = u.total_tokens;
  for (const auto& [id, tokens] : recorded) {
    const std::string& customer = id;  // clang 14 cannot capture a structured binding
    const auto get = [&customer](const std::map<std::string, std::int64_t>& m) {
      const auto it = m.find(customer);
      return it == m.end() ? std::int64_t{0} : it->second;
    };
    BOOST_TEST((get(billed) + get(dead_by_customer)) * tpu + get(unbilled) == tokens,
               id << ": billed " << get(billed) << ", dead " << get(dead_by_customer) << ", unbilled tokens "
                  << get(unbilled) << ", recorded " << tokens);
  }
  // Group A is stuck behind its "future" record until the true time passes it: its usage is
  // kept open (reconciled above), not billed; group B carries on.
  for (int i = 0; i < group_a; ++i) BOOST_TEST(unbilled["cust-" + std::to_string(i)] > 0);
  emu.stop();
}

BOOST_AUTO_TEST_SUITE_END()
