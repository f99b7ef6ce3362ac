// The shared test support (tests/support/) must itself be right, or every suite built on it
// could pass for the wrong reason: each helper is checked for the behaviour the suites rely on.
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <stdexcept>
#include <string>

#include "support/fake_metering.hpp"
#include "support/loopback_server.hpp"
#include "support/manual_clock.hpp"
#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;
using awsmp::test::loopback_reply;

namespace {

awsmp::awaitable<int> forty_two() {
  co_return 42;
}
awsmp::awaitable<void> fails() {
  throw std::runtime_error("boom");
  co_return;
}
awsmp::awaitable<void> waits_forever(asio::steady_timer& t) {
  co_await t.async_wait(asio::use_awaitable);
}

/// Sends `request` to 127.0.0.1:`port` and returns everything read until the server ends the
/// connection, with the error that ended it.
std::pair<std::string, boost::system::error_code> exchange(unsigned short port, const std::string& request) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(request));
  std::string out;
  boost::system::error_code ec;
  asio::read(s, asio::dynamic_buffer(out), ec);
  return {out, ec};
}

const std::string get_request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(test_support)

BOOST_AUTO_TEST_CASE(run_sync_returns_rethrows_and_refuses_a_stuck_awaitable) {
  asio::io_context io;
  BOOST_TEST(awsmp::test::run_sync(io, forty_two()) == 42);
  BOOST_CHECK_THROW(awsmp::test::run_sync(io, fails()), std::runtime_error);
  BOOST_TEST(awsmp::test::run_sync([](auto) { return forty_two(); }) == 42);
  BOOST_CHECK_THROW(awsmp::test::run_sync([](auto) { return fails(); }), std::runtime_error);
  // A timer that never expires keeps work pending, so run_one blocks: cancel it from a second
  // awaitable instead to prove run_sync returns once its own awaitable is done.
  asio::steady_timer forever(io, asio::steady_timer::time_point::max());
  auto parked = asio::co_spawn(io, waits_forever(forever), asio::use_future);
  BOOST_TEST(awsmp::test::run_sync(io, forty_two()) == 42);
  forever.cancel();
  io.restart();
  io.run();
  BOOST_CHECK_THROW(parked.get(), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(temp_dir_is_fresh_and_removed) {
  std::filesystem::path kept;
  {
    awsmp::test::temp_dir a;
    awsmp::test::temp_dir b;
    BOOST_TEST(a.path() != b.path());
    BOOST_TEST(std::filesystem::is_directory(a.path()));
    const auto f = a.write("sub/file.txt", "hello");
    std::ifstream in(f);
    std::string text;
    in >> text;
    BOOST_TEST(text == "hello");
    BOOST_TEST((a / "sub/file.txt") == f);
    kept = a.path();
  }
  BOOST_TEST(!std::filesystem::exists(kept));
}

BOOST_AUTO_TEST_CASE(manual_clock_is_shared_and_outlived) {
  awsmp::clock_function f;
  awsmp::time_point start;
  {
    awsmp::test::manual_clock clock;
    start = clock.now();
    f = clock;
    clock.advance(90s);
    BOOST_TEST((f() - start == 90s));
    clock.advance(-30s);
    BOOST_TEST((f() - start == 60s));
    clock.set(start);
  }
  BOOST_TEST((f() == start));  // the function outlives the clock object
}

BOOST_AUTO_TEST_CASE(fake_metering_defaults_handlers_and_ledger) {
  awsmp::test::fake_metering fake;
  asio::io_context io;
  BOOST_CHECK_THROW(awsmp::test::run_sync(io, fake.resolve_customer("t-1")), awsmp::aws_error);
  fake.on_resolve_customer = [](const std::string& t) {
    return awsmp::resolve_customer_output{"cust-" + t, "p", "", ""};
  };
  BOOST_TEST(awsmp::test::run_sync(io, fake.resolve_customer("t-2")).customer_identifier == "cust-t-2");
  BOOST_TEST(fake.resolve_calls().size() == 2u);

  awsmp::batch_meter_usage_input in;
  in.product_code = "p";
  awsmp::usage_record r;
  r.customer_identifier = "c";
  r.dimension = "d";
  r.quantity = 5;
  r.timestamp = awsmp::test::manual_clock().now();
  in.usage_records.push_back(r);
  BOOST_TEST(awsmp::test::run_sync(io, fake.batch_meter_usage(in)).results.size() == 1u);
  BOOST_TEST(awsmp::test::run_sync(io, fake.batch_meter_usage(in)).results.size() == 1u);  // a retry
  BOOST_TEST(fake.accepted_units("c") == 5);  // counted once, as AWS deduplicates
  BOOST_TEST(fake.conflicting_duplicates() == 0);
  in.usage_records[0].quantity = 6;
  awsmp::test::run_sync(io, fake.batch_meter_usage(in));
  BOOST_TEST(fake.conflicting_duplicates() == 1);
  fake.on_batch_meter_usage = [](const awsmp::batch_meter_usage_input&) -> awsmp::batch_meter_usage_output {
    throw awsmp::aws_error(503, "ThrottlingException", "slow down", "r");
  };
  BOOST_CHECK_THROW(awsmp::test::run_sync(io, fake.batch_meter_usage(in)), awsmp::aws_error);
  BOOST_TEST(fake.batches().size() == 4u);
}

BOOST_AUTO_TEST_CASE(loopback_server_answers_and_records) {
  awsmp::test::loopback_server server([](const awsmp::test::loopback_request& req, std::size_t, std::size_t) {
    auto r = awsmp::test::http_reply(200, "{\"target\":\"" + std::string(req.target()) + "\"}");
    r.then = loopback_reply::ending::close;
    return r;
  });
  BOOST_TEST(server.url().rfind("http://127.0.0.1:", 0) == 0);
  auto [bytes, ec] = exchange(server.port(), get_request);
  BOOST_TEST(bytes.find("HTTP/1.1 200 OK") == 0u);
  BOOST_TEST(bytes.find("{\"target\":\"/\"}") != std::string::npos);
  BOOST_TEST(ec == asio::error::eof);
  BOOST_TEST(server.requests().size() == 1u);
  BOOST_TEST(server.connections() == 1u);
}

BOOST_AUTO_TEST_CASE(loopback_server_faults) {
  awsmp::test::loopback_server server(
      [](const awsmp::test::loopback_request&, std::size_t connection, std::size_t) {
        auto r = awsmp::test::http_reply(200, std::string(100, 'x'));
        if (connection == 0) r.truncate_at = 20;  // a short answer, then FIN
        if (connection == 1) r.then = loopback_reply::ending::reset;
        if (connection == 2) {  // dribbled in 7-byte pieces, then FIN
          r.piece = 7;
          r.piece_delay = 1ms;
          r.then = loopback_reply::ending::close;
        }
        return r;
      });
  auto [truncated, ec0] = exchange(server.port(), get_request);
  BOOST_TEST(truncated.size() == 20u);
  BOOST_TEST(ec0 == asio::error::eof);
  auto [reset, ec1] = exchange(server.port(), get_request);
  BOOST_TEST(ec1 == asio::error::connection_reset);
  auto [dribbled, ec2] = exchange(server.port(), get_request);
  BOOST_TEST(dribbled == awsmp::test::http_reply(200, std::string(100, 'x')).bytes);
}

BOOST_AUTO_TEST_CASE(loopback_server_accept_hook_and_connection_bound) {
  awsmp::test::loopback_options options;
  options.max_connections = 1;
  awsmp::test::loopback_server server([](const awsmp::test::loopback_request&, std::size_t,
                                         std::size_t) { return awsmp::test::http_reply(200, ""); },
                                      options,
                                      [](std::size_t) {
                                        loopback_reply garbage;
                                        garbage.bytes = "NOT HTTP\r\n";
                                        garbage.then = loopback_reply::ending::close;
                                        return std::optional<loopback_reply>(garbage);
                                      });
  auto [first, ec0] = exchange(server.port(), get_request);
  BOOST_TEST(first == "NOT HTTP\r\n");
  auto [second, ec1] = exchange(server.port(), get_request);
  BOOST_TEST(second.empty());  // over the bound: closed at once
  BOOST_TEST(server.requests().empty());
  BOOST_TEST(server.connections() == 2u);
}

BOOST_AUTO_TEST_CASE(loopback_server_refuses_non_loopback) {
  awsmp::test::loopback_options options;
  options.address = "0.0.0.0";
  BOOST_CHECK_THROW(awsmp::test::loopback_server([](const awsmp::test::loopback_request&, std::size_t,
                                                    std::size_t) { return loopback_reply{}; },
                                                 options),
                    std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
