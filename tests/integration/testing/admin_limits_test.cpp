// The admin endpoint, bounded memory and connections, slowloris timeouts, HTTP mode, running
// on the user's io_context without threads, and the start-up options.
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "emulator_fixture.hpp"
#include "support/skip.hpp"

using namespace emu_test;
using tcp = boost::asio::ip::tcp;

namespace {

raw_answer admin(emulator_fixture& f, http::verb method, std::string path, std::string body = {}) {
  http_request req{method, "/_emulator/" + path, 11};
  req.set(http::field::host, detail::endpoint::parse(f.emulator->endpoint()).host_header());
  req.body() = std::move(body);
  req.prepare_payload();
  return f.send(std::move(req), std::nullopt);
}

boost::json::object admin_json(emulator_fixture& f, http::verb method, std::string path,
                               std::string body = {}) {
  const auto a = admin(f, method, std::move(path), std::move(body));
  BOOST_TEST_REQUIRE(a.status == 200u, a.body);
  return boost::json::parse(a.body).as_object();
}

// Waits (bounded) until `pred` holds.
template <class P>
bool eventually(P pred, std::chrono::milliseconds limit = 3s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Reads until the peer closes; returns how long that took (bounded by `limit`).
std::chrono::milliseconds time_until_closed(tcp::socket& s, std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  s.non_blocking(true);
  char buf[256];
  for (;;) {
    boost::system::error_code ec;
    s.read_some(boost::asio::buffer(buf), ec);
    if (ec && ec != boost::asio::error::would_block) break;
    if (std::chrono::steady_clock::now() - start > limit) break;
    std::this_thread::sleep_for(5ms);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_admin_and_limits)

BOOST_AUTO_TEST_CASE(admin_endpoint_reads_the_ledger_and_configures_the_emulator) {
  emulator_fixture f;
  BOOST_TEST(admin_json(f, http::verb::get, "health").at("status").as_string() == "ok");
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  f.run(client.batch_meter_usage(
      {product, {record("cust-1", 5, f.clock.now()), record("cust-2", 2, f.clock.now())}}));

  const auto ledger = admin_json(f, http::verb::get, "ledger");
  const auto& records = ledger.at("records").as_array();
  BOOST_REQUIRE_EQUAL(records.size(), 2u);
  BOOST_TEST(records[0].at("MeteringRecordId").as_string() ==
             f.emulator->accepted_records()[0].metering_record_id);
  BOOST_TEST(records[0].at("UsageRecord").at("Quantity").as_int64() == 5);
  const auto& totals = ledger.at("totals").as_array();
  BOOST_REQUIRE_EQUAL(totals.size(), 2u);
  BOOST_TEST(totals[1].at("Customer").as_string() == "cust-2");
  BOOST_TEST(totals[1].at("Quantity").as_int64() == 2);

  auto stats = admin_json(f, http::verb::get, "stats");
  BOOST_TEST(stats.at("records_accepted").to_number<std::uint64_t>() == 2u);
  BOOST_TEST(stats.at("tls_handshakes").to_number<std::uint64_t>() >= 1u);

  // Faults through the admin endpoint; members absent keep their values.
  const auto faults = admin_json(f, http::verb::post, "faults", R"({"throttle_percent": 100, "seed": 9})");
  BOOST_TEST(faults.at("throttle_percent").as_double() == 100.0);
  BOOST_TEST(f.emulator->stats().throttled == 0u);
  BOOST_TEST(f.call(wire::target_resolve_customer, R"({"RegistrationToken":"token-1"})").type() ==
             "ThrottlingException");
  admin_json(f, http::verb::post, "faults", R"({"throttle_percent": 0})");
  admin_json(f, http::verb::post, "inject", R"({"kind": "server_error", "count": 2})");
  BOOST_TEST(f.call(wire::target_resolve_customer, R"({"RegistrationToken":"token-1"})").status == 500u);
  BOOST_TEST(f.call(wire::target_resolve_customer, R"({"RegistrationToken":"token-1"})").status == 500u);
  BOOST_TEST(f.call(wire::target_resolve_customer, R"({"RegistrationToken":"token-1"})").status == 200u);

  // Customers and entitlements added at run time.
  admin_json(
      f, http::verb::post, "customers",
      R"([{"RegistrationToken":"token-new","CustomerIdentifier":"cust-new","ProductCode":"prod-abc"}])");
  BOOST_TEST(f.run(client.resolve_customer("token-new")).customer_identifier == "cust-new");
  admin_json(
      f, http::verb::post, "entitlements",
      R"({"ProductCode":"prod-abc","Dimension":"seats","CustomerIdentifier":"cust-new","Value":{"IntegerValue":3}})");
  entitlement_service_client entitlements(f.ioc.get_executor(), *f.signer, f.client());
  get_entitlements_input q;
  q.product_code = product;
  q.filter[entitlement_filter::customer_identifier] = {"cust-new"};
  const auto page = f.run(entitlements.get_entitlements(q));
  BOOST_REQUIRE_EQUAL(page.entitlements.size(), 1u);
  BOOST_TEST((page.entitlements[0].value == entitlement_value{std::int64_t{3}}));

  // Reset forgets records and counters, keeps the tables.
  admin_json(f, http::verb::post, "reset");
  BOOST_TEST(f.emulator->accepted_records().empty());
  BOOST_TEST(admin_json(f, http::verb::get, "ledger").at("records").as_array().empty());
  BOOST_TEST(f.run(client.resolve_customer("token-new")).customer_identifier == "cust-new");

  BOOST_TEST(admin(f, http::verb::get, "nothing").status == 404u);
  BOOST_TEST(admin(f, http::verb::post, "faults", R"({"throttle_percent": 250})").status == 400u);
  BOOST_TEST(admin(f, http::verb::post, "customers", R"({"CustomerIdentifier":"no-token"})").status == 400u);
}

BOOST_AUTO_TEST_CASE(the_admin_endpoint_can_be_switched_off) {
  emulator_fixture f([](testing::emulator_options& o) { o.admin_endpoint = false; });
  // Then /_emulator/ is just another unsigned request to the service.
  BOOST_TEST(admin(f, http::verb::get, "stats").type() == "UnknownOperationException");
}

BOOST_AUTO_TEST_CASE(stored_records_and_client_tokens_are_bounded) {
  emulator_fixture f([](testing::emulator_options& o) {
    o.max_records = 3;
    o.max_idempotency_entries = 1;
  });
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  const time_point t = f.clock.now();
  f.run(client.batch_meter_usage({product, {record("cust-1", 1, t), record("cust-2", 1, t)}}));
  const auto full = expect_aws_error([&] {
    f.run(client.batch_meter_usage({product, {record("cust-3", 1, t), record("cust-1", 1, t - 1min)}}));
  });
  BOOST_TEST(full.type() == "EmulatorLimitExceededException");
  BOOST_TEST(std::string(full.what()).find("max_records") != std::string::npos);
  BOOST_TEST(f.emulator->accepted_records().size() == 2u);  // nothing of the refused batch
  // Resends of stored records still work at the limit.
  BOOST_TEST(f.run(client.batch_meter_usage({product, {record("cust-1", 1, t)}})).results.size() == 1u);

  meter_usage_input m;
  m.product_code = product;
  m.dimension = "requests";
  m.quantity = 1;
  m.timestamp = t;
  m.client_token = "a";
  f.run(client.meter_usage(m));
  m.client_token = "b";
  m.timestamp -= 1h;
  BOOST_TEST(expect_aws_error([&] { f.run(client.meter_usage(m)); }).type() ==
             "EmulatorLimitExceededException");
}

BOOST_AUTO_TEST_CASE(connections_are_bounded_and_slow_clients_are_cut_off) {
  emulator_fixture f([](testing::emulator_options& o) {
    o.tls = false;
    o.max_connections = 2;
    o.header_timeout = 200ms;
    o.idle_timeout = 400ms;
  });
  boost::asio::io_context io;
  const tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), f.emulator->port());
  tcp::socket a(io), b(io), c(io);
  a.connect(ep);
  b.connect(ep);
  BOOST_TEST_REQUIRE(eventually([&] { return f.emulator->stats().active_connections == 2u; }));
  c.connect(ep);
  BOOST_TEST(time_until_closed(c, 3s) < 2s);  // closed at once
  BOOST_TEST(f.emulator->stats().connections_rejected == 1u);

  // Slowloris: half a header, then nothing. Cut off after header_timeout, not idle_timeout.
  boost::asio::write(a, boost::asio::buffer(std::string("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n")));
  const auto slow = time_until_closed(a, 5s);
  BOOST_TEST(slow.count() >= 150);
  BOOST_TEST(slow.count() < 2000);
  // An idle keep-alive connection is closed after idle_timeout.
  const auto idle = time_until_closed(b, 5s);
  BOOST_TEST(idle.count() < 3000);
  BOOST_TEST(eventually([&] { return f.emulator->stats().active_connections == 0u; }));
}

BOOST_AUTO_TEST_CASE(bodies_of_one_megabyte_or_more_are_refused) {
  emulator_fixture f([](testing::emulator_options& o) { o.tls = false; });
  std::string big = R"({"RegistrationToken":")" + std::string(1024 * 1024, 'x') + "\"}";
  const auto a = f.call(wire::target_resolve_customer, big);
  BOOST_TEST(a.status == 413u);
  BOOST_TEST(a.type() == "RequestEntityTooLargeException");
  std::string huge = R"({"RegistrationToken":")" + std::string(3 * 1024 * 1024, 'x') + "\"}";
  try {
    const auto b = f.call(wire::target_resolve_customer, huge);
    BOOST_TEST(b.status == 413u);  // answered before the body was read, then closed
  } catch (const boost::system::system_error&) {
    // or the connection was reset while the client was still writing: also a refusal
  }
  BOOST_TEST(f.call(wire::target_resolve_customer, R"({"RegistrationToken":"token-1"})").status == 200u);
}

BOOST_AUTO_TEST_CASE(runs_on_the_callers_io_context_without_threads_and_over_http) {
  settable_clock clock;
  auto options = default_options(clock);
  options.tls = false;
  asio::io_context ioc{1};
  testing::marketplace_emulator emulator(ioc.get_executor(), options);
  emulator.start();
  BOOST_TEST(emulator.endpoint().rfind("http://127.0.0.1:", 0) == 0u);
  BOOST_TEST(emulator.ca_certificate_pem().empty());
  static_credentials_provider provider{credentials{access_key, secret_key, "", std::nullopt}};
  sigv4_signer signer(provider, "us-east-1", "aws-marketplace", clock.function());
  client_options o;
  o.endpoint = emulator.endpoint();
  o.max_attempts = 1;
  metering_client client(ioc.get_executor(), signer, o);
  std::string customer;
  std::thread::id served_on;
  asio::co_spawn(
      ioc,
      [&]() -> asio::awaitable<void> {
        customer = (co_await client.resolve_customer("token-3")).customer_identifier;
        served_on = std::this_thread::get_id();
        emulator.stop();
      },
      asio::detached);
  // stop() cancels everything, so run() returns (bounded by the test timeout otherwise).
  ioc.run_for(10s);
  BOOST_TEST(ioc.stopped());
  BOOST_TEST(customer == "cust-3");
  BOOST_TEST((served_on == std::this_thread::get_id()));
}

BOOST_AUTO_TEST_CASE(start_writes_the_ca_file_and_checks_its_options) {
  emulator_fixture f;
  std::ifstream in(f.ca.path);
  std::stringstream text;
  text << in.rdbuf();
  BOOST_TEST(text.str() == f.emulator->ca_certificate_pem());
  BOOST_TEST(text.str().find("BEGIN CERTIFICATE") != std::string::npos);
  BOOST_TEST(f.emulator->ca_file() == f.ca.path.string());
  BOOST_TEST(f.emulator->endpoint().rfind("https://127.0.0.1:", 0) == 0u);
  BOOST_CHECK_THROW(f.emulator->start(), boost::system::system_error);

  testing::emulator_options remote;
  remote.bind_address = "0.0.0.0";
  BOOST_CHECK_THROW(testing::marketplace_emulator{remote}, boost::system::system_error);
  testing::emulator_options nonsense;
  nonsense.bind_address = "not-an-address";
  BOOST_CHECK_THROW(testing::marketplace_emulator{nonsense}, boost::system::system_error);
  testing::emulator_options no_token;
  no_token.customers.push_back({});
  BOOST_CHECK_THROW(testing::marketplace_emulator{no_token}, boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(binds_ipv6_loopback) {
  settable_clock clock;
  temp_path ca("ca6.pem");
  auto options = default_options(clock);
  options.bind_address = "::1";
  options.ca_file = ca.path.string();
  testing::marketplace_emulator emulator(options);
  // Only "no IPv6 loopback" is a skip: any other failure of the emulator's start fails the test.
  std::string why;
  if (!awsmp::test::ipv6_loopback_available(&why)) return awsmp::test::skip("no IPv6 loopback here: " + why);
  emulator.start();
  BOOST_TEST(emulator.endpoint().rfind("https://[::1]:", 0) == 0u);
  static_credentials_provider provider{credentials{access_key, secret_key, "", std::nullopt}};
  sigv4_signer signer(provider, "us-east-1", "aws-marketplace", clock.function());
  client_options o;
  o.endpoint = emulator.endpoint();
  o.ca_file = ca.path.string();
  o.max_attempts = 1;
  asio::io_context ioc;
  metering_client client(ioc.get_executor(), signer, o);
  auto fut = asio::co_spawn(ioc, client.resolve_customer("token-1"), asio::use_future);
  ioc.run();
  BOOST_TEST(fut.get().customer_identifier == "cust-1");
}

BOOST_AUTO_TEST_SUITE_END()
