// A loopback HTTP(S) server whose every connection runs a scripted behaviour, so that tests can
// make it misbehave on purpose (bad status lines, truncated bodies, slowloris, dropped
// connections) and count what the client did (connections, requests, concurrency).
// TODO(lead): migrate to tests/support: misbehaving_server -> tests/support/loopback_server.hpp, run_test ->
// tests/support/run_sync.hpp, temp_pem_file -> tests/support/temp_dir.hpp.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace awsmp::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

class misbehaving_server;

/// One accepted connection, handed to the behaviour.
struct server_session {
  misbehaving_server& server;
  int index = 0;  ///< 0-based connection number
  tcp::socket socket;
  std::optional<asio::ssl::stream<tcp::socket&>> tls;
  boost::beast::flat_buffer buffer;
  int requests_on_this_connection = 0;

  server_session(misbehaving_server& s, int i, tcp::socket sock)
      : server(s), index(i), socket(std::move(sock)) {}

  /// Reads one request; false when the client closed the connection or sent garbage.
  asio::awaitable<bool> read_request(http::request<http::string_body>& request);
  /// Writes raw bytes; false when the client is gone.
  asio::awaitable<bool> write(std::string_view bytes) {
    boost::system::error_code ec;
    if (tls)
      std::tie(ec, std::ignore) =
          co_await asio::async_write(*tls, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
    else
      std::tie(ec, std::ignore) =
          co_await asio::async_write(socket, asio::buffer(bytes), asio::as_tuple(asio::use_awaitable));
    co_return !ec;
  }
  /// Closes the TCP connection without a TLS close_notify (as a crashed or impatient server would).
  void close() {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }
};

/// A complete HTTP/1.1 response with a JSON body.
inline std::string json_response(int status, std::string_view body, std::string_view extra_headers = {}) {
  std::string reason = status == 200 ? "OK" : "Error";
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  out += "Content-Type: application/x-amz-json-1.1\r\n";
  out += "x-amzn-RequestId: req-" + std::to_string(status) + "\r\n";
  out += std::string(extra_headers);
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

class misbehaving_server {
 public:
  using behaviour = std::function<asio::awaitable<void>(server_session&)>;

  /// Listens on 127.0.0.1 (or `address`) on a free port; `tls` (optional) must outlive the server.
  misbehaving_server(asio::io_context& ioc, behaviour b, asio::ssl::context* tls = nullptr,
                     const std::string& address = "127.0.0.1")
      : ioc_(ioc),
        acceptor_(ioc, tcp::endpoint(asio::ip::make_address(address), 0)),
        behaviour_(std::move(b)),
        tls_(tls) {
    asio::co_spawn(ioc_, accept_loop(), asio::detached);
  }

  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::string url(const std::string& host = "127.0.0.1") const {
    const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return std::string(tls_ ? "https://" : "http://") + h + ":" + std::to_string(port());
  }
  void stop() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  }

  int connections = 0;                     ///< accepted so far
  int requests = 0;                        ///< requests read so far, all connections
  int open_now = 0;                        ///< connections open when the latest one was accepted
  int max_open = 0;                        ///< the most connections open at once
  std::string last_request_target_header;  ///< X-Amz-Target of the latest request
  std::string last_request_body;
  http::request<http::string_body> last_request;  ///< the latest request, headers included

 private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      auto session = std::make_shared<server_session>(*this, connections++, std::move(socket));
      asio::co_spawn(ioc_, run_session(session), asio::detached);
    }
  }

  asio::awaitable<void> run_session(std::shared_ptr<server_session> s) {
    ++*open_;
    open_now = *open_;
    max_open = std::max(max_open, open_now);
    // Shared, not a pointer to the server: a session frame still parked when the test ends is
    // destroyed with the io_context, after the server object is gone.
    struct closer {
      std::shared_ptr<int> open;
      ~closer() { --*open; }
    } guard{open_};
    if (tls_) {
      s->tls.emplace(s->socket, *tls_);
      auto [ec] = co_await s->tls->async_handshake(asio::ssl::stream_base::server,
                                                   asio::as_tuple(asio::use_awaitable));
      if (ec) {
        s->close();
        co_return;
      }
    }
    try {
      co_await behaviour_(*s);
    } catch (...) {
    }
    s->close();
  }

  friend struct server_session;
  asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  behaviour behaviour_;
  asio::ssl::context* tls_;
  std::shared_ptr<int> open_ = std::make_shared<int>(0);
};

inline asio::awaitable<bool> server_session::read_request(http::request<http::string_body>& request) {
  request = {};
  boost::system::error_code ec;
  if (tls)
    std::tie(ec, std::ignore) =
        co_await http::async_read(*tls, buffer, request, asio::as_tuple(asio::use_awaitable));
  else
    std::tie(ec, std::ignore) =
        co_await http::async_read(socket, buffer, request, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return false;
  ++server.requests;
  ++requests_on_this_connection;
  server.last_request_target_header = std::string(request["X-Amz-Target"]);
  server.last_request_body = request.body();
  server.last_request = request;
  co_return true;
}

/// Sleeps on the current executor.
inline asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

/// Runs `test` on `ioc` to completion (bounded by `limit`), rethrowing what it threw.
inline void run_test(asio::io_context& ioc, std::function<asio::awaitable<void>()> test,
                     std::chrono::seconds limit = std::chrono::seconds(60)) {
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(ioc, test(), [&](std::exception_ptr e) {
    failure = e;
    done = true;
    ioc.stop();
  });
  ioc.run_for(limit);
  BOOST_REQUIRE_MESSAGE(done, "the test did not finish within its time limit (hang)");
  if (failure) std::rethrow_exception(failure);
}

/// A PEM string written to a unique temporary file, removed on destruction.
struct temp_pem_file {
  std::filesystem::path path;
  explicit temp_pem_file(const std::string& pem) {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("awsmp-test-" + std::to_string(rd()) + std::to_string(rd()) + ".pem");
    std::ofstream(path) << pem;
  }
  ~temp_pem_file() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

}  // namespace awsmp::test
