// Fault injection: deterministic for a seed, counted, and never corrupting the ledger (the
// nasty case: the connection dies after the records were committed).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "emulator_fixture.hpp"

using namespace emu_test;

namespace {

// The outcome of each of `n` sequential single-record requests: "ok", an error type, or "drop".
std::vector<std::string> outcomes(emulator_fixture& f, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    const std::string body =
        "{\"ProductCode\":\"prod-abc\",\"UsageRecords\":[{\"CustomerIdentifier\":\"cust-" +
        std::to_string(1 + i % 3) + "\",\"Dimension\":\"tokens_1m\",\"Quantity\":" + std::to_string(i) +
        ",\"Timestamp\":" + epoch(f.clock.now() - std::chrono::minutes(i)) + "}]}";
    try {
      const auto a = f.call(wire::target_batch_meter_usage, body);
      out.push_back(a.status == 200 ? "ok" : a.type());
    } catch (const boost::system::system_error&) {
      out.push_back("drop");
    }
  }
  return out;
}

std::size_t count(const std::vector<std::string>& v, const std::string& what) {
  return static_cast<std::size_t>(std::count(v.begin(), v.end(), what));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_faults)

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_faults_and_the_counters_match) {
  auto faulty = [](testing::emulator_options& o) {
    o.tls = false;  // a fresh connection per request: keep it cheap
    o.faults.throttle_percent = 20;
    o.faults.server_error_percent = 10;
    o.faults.drop_connection_percent = 5;
    o.faults.seed = 42;
  };
  constexpr int n = 120;
  std::vector<std::string> first, second;
  testing::emulator_stats stats;
  {
    emulator_fixture f(faulty);
    first = outcomes(f, n);
    stats = f.emulator->stats();
  }
  {
    emulator_fixture f(faulty);
    second = outcomes(f, n);
  }
  BOOST_TEST(first == second, boost::test_tools::per_element());
  BOOST_TEST(stats.throttled == count(first, "ThrottlingException"));
  BOOST_TEST(stats.server_errors == count(first, "InternalServiceErrorException"));
  BOOST_TEST(stats.dropped_before == count(first, "drop"));
  // Each answered request processed its record: accepted, or a DuplicateRecord of a record of the
  // same customer and hour (the emulator's record identity is the hour).
  BOOST_TEST(stats.records_accepted + stats.records_duplicate == count(first, "ok"));
  // Plausible rates for 120 draws (loose bounds: far outside them the generator is broken).
  BOOST_TEST(stats.throttled >= 8u);
  BOOST_TEST(stats.throttled <= 45u);
  BOOST_TEST(stats.server_errors >= 2u);
  BOOST_TEST(stats.faults_injected() == stats.throttled + stats.server_errors + stats.dropped_before);

  emulator_fixture other([&](testing::emulator_options& o) {
    faulty(o);
    o.faults.seed = 43;
  });
  BOOST_TEST((outcomes(other, n) != first));
}

BOOST_AUTO_TEST_CASE(a_drop_after_commit_keeps_the_records_and_the_resend_is_idempotent) {
  emulator_fixture f;
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  const time_point t = f.clock.now();
  batch_meter_usage_input in{product, {record("cust-1", 4, t), record("cust-2", 6, t)}};
  f.emulator->inject(testing::fault_kind::drop_after_commit);
  try {
    f.run(client.batch_meter_usage(in));
    BOOST_FAIL("the connection should have been dropped");
  } catch (const aws_error& e) {
    BOOST_FAIL(std::string("expected a transport error, got ") + e.what());
  } catch (const boost::system::system_error&) {
  }
  // The emulator committed before dropping: the client could not know.
  const auto committed = f.emulator->accepted_records();
  BOOST_REQUIRE_EQUAL(committed.size(), 2u);
  BOOST_TEST(f.emulator->stats().dropped_after_commit == 1u);

  const auto resent = f.run(client.batch_meter_usage(in));
  BOOST_TEST((resent.results[0].status == usage_record_status::success));
  BOOST_TEST(resent.results[0].metering_record_id == committed[0].metering_record_id);
  BOOST_TEST(resent.results[1].metering_record_id == committed[1].metering_record_id);
  BOOST_TEST(f.emulator->accepted_records().size() == 2u);
  BOOST_TEST(f.emulator->total("cust-1", "tokens_1m") == 4);
}

BOOST_AUTO_TEST_CASE(injected_faults_come_first_and_retries_get_through) {
  emulator_fixture f;
  metering_client once(f.ioc.get_executor(), *f.signer, f.client(1));
  f.emulator->inject(testing::fault_kind::throttle);
  const auto throttled = expect_aws_error([&] { f.run(once.resolve_customer("token-1")); });
  BOOST_TEST(throttled.type() == "ThrottlingException");
  BOOST_TEST(throttled.http_status() == 400u);
  BOOST_TEST(throttled.retryable());

  f.emulator->inject(testing::fault_kind::server_error);
  const auto internal = expect_aws_error([&] { f.run(once.resolve_customer("token-1")); });
  BOOST_TEST(internal.type() == "InternalServiceErrorException");
  BOOST_TEST(internal.http_status() == 500u);

  metering_client retrying(f.ioc.get_executor(), *f.signer, f.client(4));
  f.emulator->inject(testing::fault_kind::throttle);
  f.emulator->inject(testing::fault_kind::server_error);
  f.emulator->inject(testing::fault_kind::drop_connection);
  BOOST_TEST(f.run(retrying.resolve_customer("token-1")).customer_identifier == "cust-1");
  BOOST_TEST(retrying.stats().attempts >=
             3u);  // a drop on a pooled connection may be a transparent reconnect
  const auto stats = f.emulator->stats();
  BOOST_TEST(stats.throttled == 2u);
  BOOST_TEST(stats.server_errors == 2u);
  BOOST_TEST(stats.dropped_before == 1u);
}

BOOST_AUTO_TEST_CASE(unprocessed_records_are_not_recorded) {
  emulator_fixture f([](testing::emulator_options& o) { o.faults.unprocessed_percent = 100; });
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  const time_point t = f.clock.now();
  batch_meter_usage_input in{product, {record("cust-1", 4, t), record("cust-2", 6, t)}};
  const auto out = f.run(client.batch_meter_usage(in));
  BOOST_TEST(out.results.empty());
  BOOST_REQUIRE_EQUAL(out.unprocessed_records.size(), 2u);
  BOOST_TEST((out.unprocessed_records[1] == in.usage_records[1]));
  BOOST_TEST(f.emulator->accepted_records().empty());
  BOOST_TEST(f.emulator->stats().unprocessed_records == 2u);

  // Half of them with a seed: the unprocessed and the processed partition the batch.
  testing::fault_options half;
  half.unprocessed_percent = 50;
  half.seed = 7;
  f.emulator->set_faults(half);
  batch_meter_usage_input many{product, {}};
  // One record per (customer, hour): the emulator's record identity is the hour.
  for (int i = 0; i < 18; ++i)
    many.usage_records.push_back(
        record("cust-" + std::to_string(1 + i % 3), i, t - std::chrono::hours(i / 3)));
  const auto split = f.run(client.batch_meter_usage(many));
  BOOST_TEST(split.results.size() + split.unprocessed_records.size() == 18u);
  BOOST_TEST(f.emulator->accepted_records().size() == split.results.size());
  BOOST_TEST(!split.results.empty());
  BOOST_TEST(!split.unprocessed_records.empty());
}

BOOST_AUTO_TEST_CASE(latency_delays_every_answer) {
  emulator_fixture f([](testing::emulator_options& o) { o.faults.latency = 150ms; });
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  f.run(client.resolve_customer("token-1"));  // warm the connection
  const auto start = std::chrono::steady_clock::now();
  f.run(client.resolve_customer("token-1"));
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 150ms));
}

BOOST_AUTO_TEST_CASE(fault_settings_are_validated) {
  emulator_fixture f;
  testing::fault_options bad;
  bad.throttle_percent = 101;
  BOOST_CHECK_THROW(f.emulator->set_faults(bad), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
