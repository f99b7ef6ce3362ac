// Both service clients against awsmp::testing::marketplace_emulator over loopback TLS: every
// operation, then retries under injected throttling, 5xx and dropped connections, with the
// emulator's ledger proving that nothing was lost or billed twice.
#include <atomic>
#include <awsmp/credentials.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/error.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <functional>
#include <random>
#include <thread>

#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"

using namespace awsmp;
using namespace std::chrono_literals;

namespace {

const char* const key_id = "AKIDEXAMPLE";
const char* const secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

time_point recent() {
  // Whole minutes a little in the past: inside AWS's 6-hour window, and stable within a test.
  return std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now()) - 5min;
}

struct emulator_fixture {
  awsmp::test::temp_dir dir{"awsmp-emulator-ca"};
  std::string ca_path = (dir / "ca.pem").string();
  testing::marketplace_emulator emulator{make_options()};
  static_credentials_provider provider{credentials{key_id, secret, "", std::nullopt}};
  sigv4_signer signer{provider, "us-east-1"};

  testing::emulator_options make_options() {
    testing::emulator_options o;
    o.ca_file = ca_path;
    o.region = "us-east-1";
    o.products.push_back({"prod-abc123", {}});
    testing::emulated_customer c;
    c.registration_token = "reg-token-1";
    c.identity = {"cust-1", "prod-abc123", "123456789012",
                  "arn:aws:license-manager::123456789012:license:l-1"};
    o.customers.push_back(c);
    // Every other customer the tests bill (records of unknown customers are CustomerNotSubscribed).
    std::vector<std::string> others{"cust-2", "cust-3"};
    for (int i = 0; i < 40; ++i) others.push_back("cust-r" + std::to_string(i));
    for (int i = 0; i < 30; ++i) others.push_back("cust-t" + std::to_string(i));
    for (const auto& id : others) {
      testing::emulated_customer x;
      x.registration_token = "reg-" + id;
      x.identity = {id, "prod-abc123", "", ""};
      o.customers.push_back(x);
    }
    for (int i = 0; i < 5; ++i) {
      marketplace_entitlement e;
      e.product_code = "prod-abc123";
      e.customer_identifier = "cust-1";
      e.dimension = "dim-" + std::to_string(i);
      e.value = std::int64_t{i};
      o.entitlements.push_back(e);
    }
    o.default_page_size = 2;
    return o;
  }

  emulator_fixture() { emulator.start(); }
  ~emulator_fixture() { emulator.stop(); }

  client_options options() const {
    client_options o;
    o.endpoint = emulator.endpoint();
    o.ca_file = emulator.ca_file();
    o.base_backoff = 1ms;
    o.max_backoff = 10ms;
    o.timeout = 5s;
    return o;
  }
};

batch_meter_usage_input batch(const std::string& customer, int quantity, time_point when,
                              std::string dimension = "tokens_1m") {
  batch_meter_usage_input in;
  in.product_code = "prod-abc123";
  usage_record r;
  r.customer_identifier = customer;
  r.dimension = std::move(dimension);
  r.quantity = quantity;
  r.timestamp = when;
  in.usage_records.push_back(r);
  return in;
}

// The test body stays alive (it holds the coroutine's captures) until run_sync returns.
void run(asio::io_context& ioc, const std::function<asio::awaitable<void>()>& test) {
  awsmp::test::run_sync(ioc, test());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(emulator_clients, emulator_fixture)

BOOST_AUTO_TEST_CASE(every_operation_over_loopback_tls) {
  asio::io_context ioc;
  metering_client metering(ioc.get_executor(), signer, options());
  entitlement_service_client entitlements(ioc.get_executor(), signer, options());
  const auto when = recent();
  run(ioc, [&]() -> asio::awaitable<void> {
    auto who = co_await metering.resolve_customer("reg-token-1");
    BOOST_TEST(who.customer_identifier == "cust-1");
    BOOST_TEST(who.customer_aws_account_id == "123456789012");
    BOOST_TEST(who.product_code == "prod-abc123");

    auto out = co_await metering.batch_meter_usage(batch("cust-1", 7, when));
    BOOST_REQUIRE(out.results.size() == 1u);
    BOOST_TEST((out.results[0].status == usage_record_status::success));
    BOOST_TEST(!out.results[0].metering_record_id.empty());
    BOOST_TEST(out.unprocessed_records.empty());

    meter_usage_input mu;
    mu.product_code = "prod-abc123";
    mu.dimension = "seats";
    mu.quantity = 2;
    mu.timestamp = when;
    auto metered = co_await metering.meter_usage(mu);
    BOOST_TEST(!metered.metering_record_id.empty());

    get_entitlements_input gi;
    gi.product_code = "prod-abc123";
    auto page = co_await entitlements.get_entitlements(gi);
    BOOST_TEST(page.entitlements.size() == 2u);
    BOOST_TEST(!page.next_token.empty());
    auto all = co_await entitlements.get_all_entitlements(gi);
    BOOST_TEST(all.size() == 5u);
  });
  BOOST_TEST(emulator.total("cust-1", "tokens_1m") == 7);
  BOOST_TEST(metering.stats().connections_opened == 1u);  // one TLS connection carried all three calls
  BOOST_TEST(metering.stats().retries == 0u);
  BOOST_TEST(emulator.stats().auth_failures == 0u);
}

BOOST_AUTO_TEST_CASE(injected_throttling_and_server_errors_are_retried) {
  asio::io_context ioc;
  auto o = options();
  o.max_attempts = 5;
  metering_client metering(ioc.get_executor(), signer, o);
  const auto when = recent();
  run(ioc, [&]() -> asio::awaitable<void> {
    emulator.inject(testing::fault_kind::throttle, 2);
    auto a = co_await metering.batch_meter_usage(batch("cust-1", 3, when));
    BOOST_TEST(a.results.size() == 1u);
    emulator.inject(testing::fault_kind::server_error, 3);
    auto b = co_await metering.batch_meter_usage(batch("cust-2", 4, when));
    BOOST_TEST(b.results.size() == 1u);
  });
  BOOST_TEST(metering.stats().requests == 2u);
  BOOST_TEST(metering.stats().retries == 5u);
  BOOST_TEST(emulator.stats().throttled == 2u);
  BOOST_TEST(emulator.stats().server_errors == 3u);
  BOOST_TEST(emulator.total("cust-1", "tokens_1m") == 3);
  BOOST_TEST(emulator.total("cust-2", "tokens_1m") == 4);
}

BOOST_AUTO_TEST_CASE(dropped_connections_are_retried_without_double_billing) {
  asio::io_context ioc;
  auto o = options();
  o.max_attempts = 5;
  metering_client metering(ioc.get_executor(), signer, o);
  const auto when = recent();
  run(ioc, [&]() -> asio::awaitable<void> {
    emulator.inject(testing::fault_kind::drop_connection, 2);
    co_await metering.batch_meter_usage(batch("cust-1", 5, when));
    // The emulator records the usage and then hangs up: the resend must be recognised as the
    // same record (idempotent), not billed twice.
    emulator.inject(testing::fault_kind::drop_after_commit, 1);
    auto out = co_await metering.batch_meter_usage(batch("cust-3", 6, when));
    BOOST_REQUIRE(out.results.size() == 1u);
    BOOST_TEST((out.results[0].status == usage_record_status::success));
  });
  BOOST_TEST(emulator.stats().dropped_before == 2u);
  BOOST_TEST(emulator.stats().dropped_after_commit == 1u);
  BOOST_TEST(emulator.total("cust-1", "tokens_1m") == 5);
  BOOST_TEST(emulator.total("cust-3", "tokens_1m") == 6);
  BOOST_TEST(emulator.stats().records_idempotent >= 1u);
}

BOOST_AUTO_TEST_CASE(random_faults_over_many_calls_lose_nothing) {
  asio::io_context ioc;
  testing::fault_options faults;
  faults.throttle_percent = 15;
  faults.server_error_percent = 10;
  faults.drop_connection_percent = 10;
  faults.drop_after_commit_percent = 5;
  faults.seed = 42;
  emulator.set_faults(faults);
  auto o = options();
  o.max_attempts = 12;
  o.max_connections = 4;
  metering_client metering(ioc.get_executor(), signer, o);
  const auto when = recent();
  int unprocessed = 0;
  run(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 40; ++i) {
      auto out = co_await metering.batch_meter_usage(batch("cust-r" + std::to_string(i), i + 1, when));
      unprocessed += static_cast<int>(out.unprocessed_records.size());
    }
  });
  emulator.set_faults({});
  BOOST_TEST(unprocessed == 0);
  for (int i = 0; i < 40; ++i) BOOST_TEST(emulator.total("cust-r" + std::to_string(i), "tokens_1m") == i + 1);
  BOOST_TEST(emulator.stats().faults_injected() > 0u);
  BOOST_TEST(metering.stats().retries > 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_calls_from_a_multi_threaded_io_context) {
  asio::io_context ioc(2);
  auto o = options();
  o.max_connections = 3;
  metering_client metering(ioc.get_executor(), signer, o);
  const auto when = recent();
  std::atomic<int> ok{0}, failed{0};
  for (int i = 0; i < 30; ++i)
    asio::co_spawn(ioc, metering.batch_meter_usage(batch("cust-t" + std::to_string(i), 1, when)),
                   [&](std::exception_ptr e, batch_meter_usage_output) { (e ? failed : ok)++; });
  std::thread second([&] { ioc.run_for(60s); });
  ioc.run_for(60s);
  second.join();
  BOOST_TEST(ok.load() == 30);
  BOOST_TEST(failed.load() == 0);
  BOOST_TEST(metering.stats().connections_opened <= 3u);
  BOOST_TEST(emulator.stats().records_accepted == 30u);
}

BOOST_AUTO_TEST_CASE(a_wrong_ca_fails_once_without_retries) {
  asio::io_context ioc;
  auto o = options();
  o.ca_file.clear();  // only the system store, which does not know the emulator's CA
  metering_client metering(ioc.get_executor(), signer, o);
  std::string what;
  run(ioc, [&]() -> asio::awaitable<void> {
    try {
      co_await metering.resolve_customer("reg-token-1");
    } catch (const boost::system::system_error& e) {
      what = e.what();
    }
  });
  BOOST_TEST(what.find("certificate verification") != std::string::npos, what);
  BOOST_TEST(metering.stats().attempts == 1u);
  BOOST_TEST(emulator.stats().requests == 0u);
}

BOOST_AUTO_TEST_CASE(a_wrong_secret_is_refused_and_not_retried) {
  asio::io_context ioc;
  static_credentials_provider wrong{credentials{key_id, "not-the-secret", "", std::nullopt}};
  sigv4_signer wrong_signer{wrong, "us-east-1"};
  metering_client metering(ioc.get_executor(), wrong_signer, options());
  std::optional<aws_error> error;
  run(ioc, [&]() -> asio::awaitable<void> {
    try {
      co_await metering.batch_meter_usage(batch("cust-1", 1, recent()));
    } catch (const aws_error& e) {
      error = e;
    }
  });
  BOOST_REQUIRE(error.has_value());
  BOOST_TEST(error->http_status() == 403u);
  BOOST_TEST(!error->retryable());
  BOOST_TEST(std::string(error->what()).find("not-the-secret") == std::string::npos);
  BOOST_TEST(metering.stats().attempts == 1u);
  BOOST_TEST(emulator.stats().auth_failures == 1u);
  BOOST_TEST(emulator.stats().records_accepted == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
