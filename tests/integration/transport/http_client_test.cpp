// http_client against a misbehaving loopback server: every failure is clear, bounded in time
// and memory, and leaves the pool usable.
#include "transport/http_client.hpp"

#include <awsmp/error.hpp>
#include <awsmp/testing/test_certificates.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>

#include "misbehaving_server.hpp"
#include "support/skip.hpp"

using namespace awsmp;
using namespace awsmp::test;
using detail::endpoint;
using detail::http_client;
using detail::http_client_options;
using clk = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

http_request make_request(std::string body = "{}") {
  http_request r{http::verb::post, "/", 11};
  r.set(http::field::content_type, "application/x-amz-json-1.1");
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

// Answers every request on the connection with 200 and a small JSON body.
asio::awaitable<void> answer_all(server_session& s) {
  http::request<http::string_body> req;
  while (co_await s.read_request(req))
    if (!co_await s.write(json_response(200, R"({"ok":true})"))) co_return;
}

template <class F>
boost::system::system_error expect_failure(F&& f) {
  try {
    f();
  } catch (const boost::system::system_error& e) {
    return e;
  }
  BOOST_FAIL("expected a failure");
  throw std::logic_error("unreachable");
}

// Runs one send and returns the error it threw, or an empty code on success.
asio::awaitable<boost::system::error_code> send_expecting_error(http_client& c, std::string& what) {
  try {
    co_await c.send(make_request());
  } catch (const boost::system::system_error& e) {
    what = e.what();
    co_return e.code();
  }
  co_return boost::system::error_code{};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(http_client_suite)

BOOST_AUTO_TEST_CASE(sequential_requests_reuse_one_connection) {
  asio::io_context ioc;
  misbehaving_server server(ioc, answer_all);
  http_client_options o;
  o.max_connections = 4;
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  run_test(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 20; ++i) {
      auto r = co_await client.send(make_request());
      BOOST_TEST(r.result_int() == 200u);
      BOOST_TEST(r.body() == R"({"ok":true})");
    }
  });
  BOOST_TEST(server.connections == 1);
  BOOST_TEST(server.requests == 20);
  BOOST_TEST(client.stats().connections_opened == 1u);
  BOOST_TEST(client.stats().requests == 20u);
}

BOOST_AUTO_TEST_CASE(concurrent_requests_use_at_most_max_connections) {
  asio::io_context ioc;
  // Each answer takes a while, so that requests overlap and have to queue for a connection.
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    while (co_await s.read_request(req)) {
      co_await sleep_for(20ms);
      if (!co_await s.write(json_response(200, "{}"))) co_return;
    }
  });
  http_client_options o;
  o.max_connections = 3;
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  int completed = 0;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    int remaining = 12;
    asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
    for (int i = 0; i < 12; ++i)
      asio::co_spawn(ex, client.send(make_request()),
                     [&](std::exception_ptr e, awsmp::detail::http_response r) {
                       if (!e && r.result_int() == 200) ++completed;
                       if (--remaining == 0) all_done.cancel();
                     });
    co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
  });
  BOOST_TEST(completed == 12);
  BOOST_TEST(server.requests == 12);
  BOOST_TEST(server.max_open <= 3);
  BOOST_TEST(client.stats().connections_opened <= 3u);
  BOOST_TEST(client.stats().connections_opened >= 2u);  // they did overlap
}

BOOST_AUTO_TEST_CASE(malformed_status_line_is_a_clear_error) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    if (co_await s.read_request(req)) co_await s.write("HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n");
    co_await sleep_for(2s);
  });
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), {});
  std::string what;
  boost::system::error_code ec;
  const auto start = clk::now();
  run_test(ioc, [&]() -> asio::awaitable<void> { ec = co_await send_expecting_error(client, what); });
  BOOST_TEST(ec.failed());
  // A parse error of the HTTP layer, not a transport failure (so never retried).
  BOOST_TEST((ec.category() == make_error_code(boost::beast::http::error::bad_version).category()),
             ec.message());
  BOOST_TEST(what.find("reading the response failed") != std::string::npos, what);
  BOOST_TEST((clk::now() - start < 1s));
}

BOOST_AUTO_TEST_CASE(truncated_body_is_a_partial_message) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    if (co_await s.read_request(req))
      co_await s.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"trunc");
  });
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), {});
  std::string what;
  boost::system::error_code ec;
  run_test(ioc, [&]() -> asio::awaitable<void> { ec = co_await send_expecting_error(client, what); });
  BOOST_TEST((ec == boost::beast::http::error::partial_message), ec.message());
  BOOST_TEST(client.stats().stale_reconnects == 0u);  // a fresh connection is never "stale"
}

BOOST_AUTO_TEST_CASE(oversized_bodies_fail_before_they_are_buffered) {
  asio::io_context ioc;
  std::size_t bytes_sent = 0;
  misbehaving_server server(ioc, [&](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    if (!co_await s.read_request(req)) co_return;
    if (s.index == 0) {
      // Announces a 100 MB body: refused from the header alone.
      co_await s.write("HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n");
      co_await sleep_for(2s);
    } else if (s.index == 2) {
      // A header block far beyond any AWS answer: refused by the header limit.
      co_await s.write("HTTP/1.1 200 OK\r\nX-Padding: " + std::string(200 * 1024, 'p') +
                       "\r\nContent-Length: 0\r\n\r\n");
      co_await sleep_for(2s);
    } else {
      // Chunked, never ending: refused once the limit is crossed.
      if (!co_await s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) co_return;
      const std::string chunk = "400\r\n" + std::string(1024, 'x') + "\r\n";
      for (int i = 0; i < 100'000; ++i) {
        if (!co_await s.write(chunk)) co_return;
        bytes_sent += chunk.size();
      }
    }
  });
  http_client_options o;
  o.max_response_bytes = 64 * 1024;
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  std::string what1, what2, what3;
  boost::system::error_code ec1, ec2, ec3;
  const auto start = clk::now();
  run_test(ioc, [&]() -> asio::awaitable<void> {
    ec1 = co_await send_expecting_error(client, what1);
    ec3 = co_await send_expecting_error(client, what3);  // connection 1: the endless chunked body
    ec2 = co_await send_expecting_error(client, what2);  // connection 2: the huge header
  });
  BOOST_TEST((ec1 == errc::response_too_large), what1);
  BOOST_TEST((ec2 == errc::response_too_large), what2);
  BOOST_TEST((ec3 == errc::response_too_large), what3);
  BOOST_TEST(what1.find("max_response_bytes") != std::string::npos);
  BOOST_TEST((clk::now() - start < 2s));
  BOOST_TEST(bytes_sent < 100'000u * 1024u);  // the client hung up instead of draining it
}

BOOST_AUTO_TEST_CASE(slowloris_times_out_at_the_deadline) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    if (!co_await s.read_request(req)) co_return;
    const std::string response = json_response(200, "{}");
    for (char c : response) {  // one byte per second: each read makes progress, the whole never ends
      if (!co_await s.write(std::string_view(&c, 1))) co_return;
      co_await sleep_for(1s);
    }
  });
  http_client_options o;
  o.timeout = 1500ms;
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  std::string what;
  boost::system::error_code ec;
  const auto start = clk::now();
  run_test(ioc, [&]() -> asio::awaitable<void> { ec = co_await send_expecting_error(client, what); });
  const auto elapsed = clk::now() - start;
  BOOST_TEST((ec == errc::timeout), what);
  BOOST_TEST(what.find("1500 ms") != std::string::npos, what);
  BOOST_TEST(what.find("during read") != std::string::npos, what);
  BOOST_TEST((elapsed >= 1400ms));  // the trickling peer never ends: errc::timeout is the proof
}

BOOST_AUTO_TEST_CASE(connect_refused_is_reported) {
  asio::io_context ioc;
  // A port that was free a moment ago: nothing listens there now.
  unsigned short port = 0;
  {
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }
  http_client client(ioc.get_executor(), endpoint::parse("http://127.0.0.1:" + std::to_string(port)), {});
  std::string what;
  boost::system::error_code ec;
  run_test(ioc, [&]() -> asio::awaitable<void> { ec = co_await send_expecting_error(client, what); });
  BOOST_TEST((ec == asio::error::connection_refused), ec.message());
  BOOST_TEST(what.find("connect failed") != std::string::npos, what);
}

BOOST_AUTO_TEST_CASE(server_closing_an_idle_connection_is_invisible) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    if (co_await s.read_request(req)) co_await s.write(json_response(200, "{}"));
    // Keep-alive was promised, but the server drops the connection while it is idle.
  });
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), {});
  run_test(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) {
      auto r = co_await client.send(make_request());
      BOOST_TEST(r.result_int() == 200u);
      co_await sleep_for(50ms);  // let the FIN arrive
    }
  });
  BOOST_TEST(server.connections == 3);
  BOOST_TEST(server.requests == 3);
}

BOOST_AUTO_TEST_CASE(stale_connection_is_retried_once_on_a_new_one) {
  asio::io_context ioc;
  // Connection 0 answers one request, then reads the next and closes without a byte of answer:
  // the race of a keep-alive timeout. Later connections answer normally.
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    while (co_await s.read_request(req)) {
      if (s.index == 0 && s.requests_on_this_connection == 2) co_return;
      if (!co_await s.write(json_response(200, "{}"))) co_return;
    }
  });
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), {});
  run_test(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) BOOST_TEST((co_await client.send(make_request())).result_int() == 200u);
  });
  BOOST_TEST(client.stats().stale_reconnects == 1u);
  BOOST_TEST(client.stats().connections_opened == 2u);
  BOOST_TEST(server.requests == 4);  // the stale attempt reached the server but was never answered
}

BOOST_AUTO_TEST_CASE(a_partial_answer_on_a_reused_connection_is_not_retried) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    while (co_await s.read_request(req)) {
      if (s.index == 0 && s.requests_on_this_connection == 2) {
        co_await s.write("HTTP/1.1 200 OK\r\nContent-Le");  // some bytes, then gone
        co_return;
      }
      if (!co_await s.write(json_response(200, "{}"))) co_return;
    }
  });
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), {});
  std::string what;
  boost::system::error_code ec;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    co_await client.send(make_request());
    ec = co_await send_expecting_error(client, what);
  });
  BOOST_TEST(ec.failed());
  BOOST_TEST(client.stats().stale_reconnects == 0u);
  BOOST_TEST(server.connections == 1);
}

BOOST_AUTO_TEST_CASE(cancellation_returns_promptly_and_the_pool_stays_usable) {
  asio::io_context ioc;
  // Connections 0 and 1 never answer; the others do.
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    if (s.index <= 1) {
      http::request<http::string_body> req;
      co_await s.read_request(req);
      co_await sleep_for(10s);
      co_return;
    }
    co_await answer_all(s);
  });
  http_client_options o;
  o.max_connections = 1;  // the next request needs the very slot the cancelled one held
  o.timeout = 10s;
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  clk::duration cancel_latency{};
  run_test(
      ioc,
      [&]() -> asio::awaitable<void> {
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(100ms);
        const auto start = clk::now();
        // `||` cancels the loser: the send.
        auto winner = co_await (client.send(make_request()) || timer.async_wait(asio::use_awaitable));
        cancel_latency = clk::now() - start;
        BOOST_TEST(winner.index() == 1u);
        // And with an explicit cancellation_signal.
        asio::cancellation_signal signal;
        asio::steady_timer t2(co_await asio::this_coro::executor);
        t2.expires_after(50ms);
        t2.async_wait([&](boost::system::error_code) { signal.emit(asio::cancellation_type::terminal); });
        auto ex = co_await asio::this_coro::executor;
        auto [e, unused] = co_await asio::co_spawn(
            ex, client.send(make_request()),
            asio::bind_cancellation_slot(signal.slot(), asio::as_tuple(asio::use_awaitable)));
        (void)unused;
        BOOST_TEST(static_cast<bool>(e));
        try {
          if (e) std::rethrow_exception(e);
        } catch (const boost::system::system_error& err) {
          BOOST_TEST((err.code() == asio::error::operation_aborted), err.what());
        }
        auto r = co_await client.send(make_request());
        BOOST_TEST(r.result_int() == 200u);
      },
      std::chrono::seconds(8));
  BOOST_TEST((cancel_latency < 1s));
  BOOST_TEST(server.connections == 3);  // each cancelled attempt gave up its connection
}

BOOST_AUTO_TEST_CASE(a_cancelled_waiter_leaves_the_queue) {
  asio::io_context ioc;
  misbehaving_server server(ioc, [](server_session& s) -> asio::awaitable<void> {
    http::request<http::string_body> req;
    while (co_await s.read_request(req)) {
      co_await sleep_for(300ms);  // holds the only connection for a while
      if (!co_await s.write(json_response(200, "{}"))) co_return;
    }
  });
  http_client_options o;
  o.max_connections = 1;
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  int first_status = 0, third_status = 0;
  clk::duration waiter_latency{};
  run_test(ioc, [&]() -> asio::awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer first_done(ex, asio::steady_timer::time_point::max());
    asio::co_spawn(ex, client.send(make_request()),
                   [&](std::exception_ptr e, awsmp::detail::http_response r) {
                     if (!e) first_status = static_cast<int>(r.result_int());
                     first_done.cancel();
                   });
    co_await sleep_for(20ms);
    // This one queues for the busy connection and is cancelled while queued.
    asio::steady_timer timer(ex);
    timer.expires_after(50ms);
    const auto start = clk::now();
    auto winner = co_await (client.send(make_request()) || timer.async_wait(asio::use_awaitable));
    waiter_latency = clk::now() - start;
    BOOST_TEST(winner.index() == 1u);
    co_await first_done.async_wait(asio::as_tuple(asio::use_awaitable));
    third_status = static_cast<int>((co_await client.send(make_request())).result_int());
  });
  BOOST_TEST(first_status == 200);
  BOOST_TEST(third_status == 200);
  BOOST_TEST((waiter_latency < 250ms));
  BOOST_TEST(server.connections == 1);  // the cancelled waiter never held a connection
  BOOST_TEST(server.requests == 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(http_client_tls_suite)

namespace {

struct tls_server_fixture {
  testing::certificate_bundle certs;
  asio::ssl::context server_ctx{asio::ssl::context::tls_server};
  explicit tls_server_fixture(std::vector<std::string> dns = {"localhost"},
                              std::vector<std::string> ips = {"127.0.0.1", "::1"})
      : certs(testing::make_test_certificates(std::move(dns), std::move(ips))) {
    server_ctx.use_certificate_chain(asio::buffer(certs.server_cert_pem));
    server_ctx.use_private_key(asio::buffer(certs.server_key_pem), asio::ssl::context::pem);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(tls_with_the_right_ca_works_and_reuses_connections) {
  tls_server_fixture f;
  temp_pem_file ca(f.certs.ca_cert_pem);
  asio::io_context ioc;
  misbehaving_server server(ioc, answer_all, &f.server_ctx);
  http_client_options o;
  o.ca_file = ca.path.string();
  o.max_connections = 2;
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  http_client by_name(ioc.get_executor(), endpoint::parse(server.url("localhost")), o);
  run_test(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 10; ++i) BOOST_TEST((co_await client.send(make_request())).result_int() == 200u);
    BOOST_TEST((co_await by_name.send(make_request())).result_int() == 200u);
  });
  BOOST_TEST(client.stats().tls_handshakes == 1u);
  BOOST_TEST(client.stats().connections_opened == 1u);
  BOOST_TEST(server.connections == 2);
}

BOOST_AUTO_TEST_CASE(tls_with_a_wrong_ca_fails_verification) {
  tls_server_fixture f;
  auto other = testing::make_test_certificates();
  temp_pem_file wrong_ca(other.ca_cert_pem);
  asio::io_context ioc;
  misbehaving_server server(ioc, answer_all, &f.server_ctx);
  http_client_options o;
  o.ca_file = wrong_ca.path.string();
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  std::string what;
  boost::system::error_code ec;
  run_test(ioc, [&]() -> asio::awaitable<void> { ec = co_await send_expecting_error(client, what); });
  BOOST_TEST(ec.failed());
  BOOST_TEST(what.find("TLS handshake failed") != std::string::npos, what);
  BOOST_TEST(what.find("certificate verification") != std::string::npos, what);
  BOOST_TEST(server.requests == 0);
}

BOOST_AUTO_TEST_CASE(tls_with_a_wrong_host_name_fails_verification) {
  tls_server_fixture f({"elsewhere.example"}, {"10.255.255.1"});
  temp_pem_file ca(f.certs.ca_cert_pem);
  asio::io_context ioc;
  misbehaving_server server(ioc, answer_all, &f.server_ctx);
  http_client_options o;
  o.ca_file = ca.path.string();
  http_client by_ip(ioc.get_executor(), endpoint::parse(server.url()), o);
  http_client by_name(ioc.get_executor(), endpoint::parse(server.url("localhost")), o);
  std::string what_ip, what_name;
  boost::system::error_code ec_ip, ec_name;
  run_test(ioc, [&]() -> asio::awaitable<void> {
    ec_ip = co_await send_expecting_error(by_ip, what_ip);
    ec_name = co_await send_expecting_error(by_name, what_name);
  });
  BOOST_TEST(ec_ip.failed());
  BOOST_TEST(what_ip.find("IP address mismatch") != std::string::npos, what_ip);
  BOOST_TEST(ec_name.failed());
  BOOST_TEST(what_name.find("hostname mismatch") != std::string::npos, what_name);
  BOOST_TEST(server.requests == 0);
}

BOOST_AUTO_TEST_CASE(a_stale_tls_connection_is_resent_once) {
  tls_server_fixture f;
  temp_pem_file ca(f.certs.ca_cert_pem);
  asio::io_context ioc;
  // TLS connection 0 answers once, then reads the next request and drops the TCP connection
  // without a close_notify (what a crashed or impatient server does).
  misbehaving_server server(
      ioc,
      [](server_session& s) -> asio::awaitable<void> {
        http::request<http::string_body> req;
        while (co_await s.read_request(req)) {
          if (s.index == 0 && s.requests_on_this_connection == 2) co_return;
          if (!co_await s.write(json_response(200, "{}"))) co_return;
        }
      },
      &f.server_ctx);
  http_client_options o;
  o.ca_file = ca.path.string();
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  run_test(ioc, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 3; ++i) BOOST_TEST((co_await client.send(make_request())).result_int() == 200u);
  });
  BOOST_TEST(client.stats().stale_reconnects == 1u);
  BOOST_TEST(client.stats().tls_handshakes == 2u);
}

BOOST_AUTO_TEST_CASE(verify_peer_false_accepts_any_certificate) {
  tls_server_fixture f({"elsewhere.example"}, {"10.255.255.1"});
  asio::io_context ioc;
  misbehaving_server server(ioc, answer_all, &f.server_ctx);
  http_client_options o;
  o.verify_peer = false;
  http_client client(ioc.get_executor(), endpoint::parse(server.url()), o);
  run_test(ioc, [&]() -> asio::awaitable<void> {
    BOOST_TEST((co_await client.send(make_request())).result_int() == 200u);
  });
}

BOOST_AUTO_TEST_CASE(unreadable_ca_file_is_invalid_argument) {
  asio::io_context ioc;
  http_client_options o;
  o.ca_file = "/nonexistent/awsmp-ca.pem";
  auto e =
      expect_failure([&] { http_client c(ioc.get_executor(), endpoint::parse("https://127.0.0.1:1"), o); });
  BOOST_TEST((e.code() == errc::invalid_argument));
  BOOST_TEST(std::string(e.what()).find("ca_file") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_tls_server_over_ipv6_loopback) {
  tls_server_fixture f;
  temp_pem_file ca(f.certs.ca_cert_pem);
  asio::io_context ioc;
  std::optional<misbehaving_server> server;
  std::string why;
  if (!awsmp::test::ipv6_loopback_available(&why)) return awsmp::test::skip("no IPv6 loopback here: " + why);
  server.emplace(ioc, answer_all, &f.server_ctx, "::1");
  http_client_options o;
  o.ca_file = ca.path.string();
  http_client client(ioc.get_executor(), endpoint::parse(server->url("::1")), o);
  run_test(ioc, [&]() -> asio::awaitable<void> {
    BOOST_TEST((co_await client.send(make_request())).result_int() == 200u);
  });
}

BOOST_AUTO_TEST_SUITE_END()
