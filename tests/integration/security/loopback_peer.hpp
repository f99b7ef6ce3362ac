// A scripted HTTP(S) peer on 127.0.0.1 for the security tests: it records every request it
// reads and answers with whatever bytes the test's handler returns (valid, malformed, huge),
// on its own thread and io_context so the client under test runs undisturbed.
// TODO(lead): migrate to tests/support: loopback_peer -> tests/support/loopback_server.hpp.
#pragma once

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace awsmp::test {

namespace net = boost::asio;
using peer_request = boost::beast::http::request<boost::beast::http::string_body>;

/// What the peer writes back for one request: raw bytes, then optionally closes.
struct peer_answer {
  std::string bytes;
  bool close = false;
};

/// An HTTP/1.1 response with an AWS JSON body and the given status and extra header lines.
inline peer_answer http_answer(unsigned status, std::string body, std::string extra_headers = {}) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + (status < 400 ? " OK" : " Error") + "\r\n";
  out += "Content-Type: application/x-amz-json-1.1\r\n";
  out += "x-amzn-RequestId: 11111111-2222-3333-4444-555555555555\r\n";
  out += extra_headers;
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return {std::move(out), false};
}

class loopback_peer {
 public:
  using handler = std::function<peer_answer(const peer_request&)>;

  /// Listens on 127.0.0.1 (ephemeral port); `tls` set: speaks HTTPS with that server context.
  explicit loopback_peer(handler h, std::shared_ptr<net::ssl::context> tls = nullptr)
      : handler_(std::move(h)),
        tls_(std::move(tls)),
        acceptor_(io_, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)) {
    net::co_spawn(io_, accept_loop(), net::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~loopback_peer() {
    io_.stop();
    thread_.join();
  }

  loopback_peer(const loopback_peer&) = delete;
  loopback_peer& operator=(const loopback_peer&) = delete;

  /// The endpoint URL to give a client.
  std::string url() const {
    return std::string(tls_ ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  /// Every request read so far.
  std::vector<peer_request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  /// Connections accepted so far.
  std::size_t connections() const { return connections_.load(); }
  /// TLS handshakes that failed (e.g. the client refused the certificate or the version).
  std::size_t failed_handshakes() const { return failed_handshakes_.load(); }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      ++connections_;
      if (tls_) {
        auto stream = std::make_shared<net::ssl::stream<net::ip::tcp::socket>>(std::move(socket), *tls_);
        net::co_spawn(io_, serve_tls(stream), net::detached);
      } else {
        net::co_spawn(io_, serve(std::move(socket)), net::detached);
      }
    }
  }

  net::awaitable<void> serve_tls(std::shared_ptr<net::ssl::stream<net::ip::tcp::socket>> stream) {
    auto [ec] =
        co_await stream->async_handshake(net::ssl::stream_base::server, net::as_tuple(net::use_awaitable));
    if (ec) {
      ++failed_handshakes_;
      co_return;
    }
    co_await exchange(*stream);
  }

  net::awaitable<void> serve(net::ip::tcp::socket socket) { co_await exchange(socket); }

  template <class Stream>
  net::awaitable<void> exchange(Stream& stream) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      boost::beast::http::request_parser<boost::beast::http::string_body> parser;
      parser.body_limit(4 * 1024 * 1024);
      auto [ec, n] =
          co_await boost::beast::http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      peer_request request = parser.release();
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      const peer_answer answer = handler_(request);
      auto [wec, written] =
          co_await net::async_write(stream, net::buffer(answer.bytes), net::as_tuple(net::use_awaitable));
      if (wec || answer.close) co_return;
    }
  }

  handler handler_;
  std::shared_ptr<net::ssl::context> tls_;
  net::io_context io_;
  net::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<peer_request> requests_;
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> failed_handshakes_{0};
};

}  // namespace awsmp::test
