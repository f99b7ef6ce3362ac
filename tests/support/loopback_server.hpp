// A scripted HTTP(S) server on loopback for tests: it runs on its own thread and io_context (so
// the code under test may run its own io_context to completion), records every request, and
// answers each one with the reply the test's handler returns. Fault hooks make it misbehave on
// purpose: late or dribbled bytes, truncated answers, a close or a TCP reset, a hang. Everything
// it does is bounded (connections, request size, hang time).
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace awsmp::test {

/// A request as the loopback server read it.
using loopback_request = boost::beast::http::request<boost::beast::http::string_body>;

/// What the server does for one request (or, from on_accept, before reading any).
struct loopback_reply {
  /// How the connection ends after the bytes were written.
  enum class ending {
    keep_open,  ///< wait for the next request on the same connection
    close,      ///< orderly close (FIN; no TLS close_notify)
    reset,      ///< abortive close (RST), as a crashed peer or a middlebox does
    hang,       ///< stay silent until the client gives up or the server stops (bounded by max_hang)
  };

  std::string bytes;                            ///< written as they are (valid or not)
  std::chrono::milliseconds delay{0};           ///< wait before the first byte
  std::size_t piece = 0;                        ///< write in pieces of this size (0: at once)
  std::chrono::milliseconds piece_delay{0};     ///< wait between pieces
  std::size_t truncate_at = std::string::npos;  ///< write only this many bytes, then end
  ending then = ending::keep_open;
};

/// A complete HTTP/1.1 response: status, AWS JSON content type, request id, `extra_headers`
/// (each "Name: value\r\n"), Content-Length and `body`.
inline loopback_reply http_reply(unsigned status, std::string body, std::string extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + (status < 400 ? " OK" : " Error") + "\r\n";
  out += "Content-Type: application/x-amz-json-1.1\r\n";
  out += "x-amzn-RequestId: 11111111-2222-3333-4444-555555555555\r\n";
  out += extra_headers;
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  loopback_reply r;
  r.bytes = std::move(out);
  return r;
}

/// Options of a loopback_server.
struct loopback_options {
  std::string address = "127.0.0.1";               ///< "127.0.0.1" or "::1"; never anything but loopback
  std::shared_ptr<boost::asio::ssl::context> tls;  ///< set: HTTPS with this server context
  std::size_t max_connections = 64;                ///< later connections are closed at once
  std::size_t max_request_bytes = 4u << 20;        ///< a larger request ends its connection
  std::chrono::milliseconds max_hang{60'000};      ///< how long a `hang` lasts at most
};

/// The server. Construction binds an ephemeral port (throws boost::system::system_error when it
/// cannot, e.g. no IPv6); destruction stops it and joins its thread.
class loopback_server {
 public:
  /// Answers one request; `connection` and `request_on_connection` count from 0.
  using handler = std::function<loopback_reply(const loopback_request&, std::size_t connection,
                                               std::size_t request_on_connection)>;
  /// Runs when a connection is accepted (after the TLS handshake); a reply is played before any
  /// request is read (e.g. garbage, or a reset), nullopt reads requests normally.
  using accept_hook = std::function<std::optional<loopback_reply>(std::size_t connection)>;

  explicit loopback_server(handler h, loopback_options options = {}, accept_hook on_accept = {})
      : handler_(std::move(h)),
        on_accept_(std::move(on_accept)),
        options_(std::move(options)),
        acceptor_(io_) {
    namespace ip = boost::asio::ip;
    const auto address = ip::make_address(options_.address);
    if (!address.is_loopback()) throw std::invalid_argument("loopback_server: address is not loopback");
    const ip::tcp::endpoint ep(address, 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~loopback_server() { stop(); }
  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  /// Stops accepting and ends every connection; idempotent.
  void stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
  }
  /// The port it listens on.
  unsigned short port() const { return port_; }
  /// The base URL to give a client ("http://127.0.0.1:1234", "https://[::1]:1234").
  std::string url() const {
    const bool v6 = options_.address.find(':') != std::string::npos;
    return std::string(options_.tls ? "https" : "http") + "://" +
           (v6 ? "[" + options_.address + "]" : options_.address) + ":" + std::to_string(port_);
  }
  /// Every request read so far, in order.
  std::vector<loopback_request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  /// Connections accepted so far.
  std::size_t connections() const { return connections_.load(); }
  /// TLS handshakes that failed (the client refused the certificate, the version...).
  std::size_t failed_handshakes() const { return failed_handshakes_.load(); }
  /// The most connections that were open at once.
  std::size_t max_open() const { return max_open_.load(); }

 private:
  using tcp = boost::asio::ip::tcp;
  template <class T>
  using awaitable = boost::asio::awaitable<T>;

  awaitable<void> accept_loop() {
    namespace asio = boost::asio;
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      const std::size_t index = connections_++;
      if (index >= options_.max_connections) continue;  // the socket closes here
      auto conn = std::make_shared<connection>(std::move(socket), index);
      asio::co_spawn(io_, serve(conn), asio::detached);
    }
  }

  struct connection {
    connection(tcp::socket s, std::size_t i) : socket(std::move(s)), index(i) {}
    tcp::socket socket;
    std::optional<boost::asio::ssl::stream<tcp::socket&>> tls;
    std::size_t index;
  };

  awaitable<void> serve(std::shared_ptr<connection> c) {
    namespace asio = boost::asio;
    const std::size_t now_open = ++open_;
    std::size_t seen = max_open_.load();
    while (now_open > seen && !max_open_.compare_exchange_weak(seen, now_open)) {
    }
    if (options_.tls) {
      c->tls.emplace(c->socket, *options_.tls);
      auto [ec] = co_await c->tls->async_handshake(asio::ssl::stream_base::server,
                                                   asio::as_tuple(asio::use_awaitable));
      if (ec) {
        ++failed_handshakes_;
        --open_;
        co_return;
      }
    }
    if (c->tls)
      co_await exchange(*c, *c->tls);
    else
      co_await exchange(*c, c->socket);
    --open_;
  }

  template <class Stream>
  awaitable<void> exchange(connection& c, Stream& stream) {
    namespace asio = boost::asio;
    namespace http = boost::beast::http;
    if (on_accept_) {
      if (auto first = on_accept_(c.index)) {
        if (!co_await play(c, stream, *first)) co_return;
      }
    }
    boost::beast::flat_buffer buffer(options_.max_request_bytes);
    for (std::size_t n = 0;; ++n) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options_.max_request_bytes);
      auto [ec, unused] =
          co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return;
      loopback_request request = parser.release();
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      const loopback_reply reply = handler_(request, c.index, n);
      if (!co_await play(c, stream, reply)) co_return;
    }
  }

  /// Plays `r` on the connection; false when the connection is over.
  template <class Stream>
  awaitable<bool> play(connection& c, Stream& stream, const loopback_reply& r) {
    namespace asio = boost::asio;
    if (r.delay.count() > 0) co_await sleep(r.delay);
    const std::size_t total = std::min(r.bytes.size(), r.truncate_at);
    const std::size_t piece = r.piece == 0 ? std::max<std::size_t>(total, 1) : r.piece;
    for (std::size_t at = 0; at < total; at += piece) {
      if (at > 0 && r.piece_delay.count() > 0) co_await sleep(r.piece_delay);
      const auto part = asio::buffer(r.bytes.data() + at, std::min(piece, total - at));
      auto [ec, unused] = co_await asio::async_write(stream, part, asio::as_tuple(asio::use_awaitable));
      if (ec) co_return false;
    }
    boost::system::error_code ignored;
    switch (r.truncate_at < r.bytes.size() && r.then == loopback_reply::ending::keep_open
                ? loopback_reply::ending::close
                : r.then) {
      case loopback_reply::ending::keep_open:
        co_return true;
      case loopback_reply::ending::close:
        c.socket.shutdown(tcp::socket::shutdown_both, ignored);
        c.socket.close(ignored);
        co_return false;
      case loopback_reply::ending::reset:
        c.socket.set_option(tcp::socket::linger(true, 0), ignored);
        c.socket.close(ignored);
        co_return false;
      case loopback_reply::ending::hang:
        co_await sleep(options_.max_hang);
        c.socket.close(ignored);
        co_return false;
    }
    co_return false;
  }

  awaitable<void> sleep(std::chrono::milliseconds d) {
    namespace asio = boost::asio;
    asio::steady_timer timer(io_, d);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }

  handler handler_;
  accept_hook on_accept_;
  loopback_options options_;
  boost::asio::io_context io_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<loopback_request> requests_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> failed_handshakes_{0};
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> max_open_{0};
};

}  // namespace awsmp::test
