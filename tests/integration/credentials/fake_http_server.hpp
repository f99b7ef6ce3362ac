// A small HTTP/1.1 server on loopback that plays IMDS, the container endpoint or STS in the
// credentials tests. It runs on its own thread and io_context so that the code under test can
// run its io_context to completion; every request is recorded for assertions.
// TODO(lead): migrate to tests/support: fake_http_server -> tests/support/loopback_server.hpp.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace awsmp::test {

namespace http = boost::beast::http;
using server_request = http::request<http::string_body>;
using server_response = http::response<http::string_body>;

/// Builds a response with a status and body.
inline server_response respond(unsigned status, std::string body = {},
                               std::string content_type = "text/plain") {
  server_response r{static_cast<http::status>(status), 11};
  r.set(http::field::content_type, content_type);
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

class fake_http_server {
 public:
  /// What to do with one request: answer it, answer it late, or drop the connection.
  struct action {
    server_response response;
    std::chrono::milliseconds delay{0};
    bool drop = false;
  };
  using handler = std::function<action(const server_request&)>;

  /// Listens on `address` (loopback) at an ephemeral port; throws if it cannot bind.
  explicit fake_http_server(handler h, const std::string& address = "127.0.0.1")
      : handler_(std::move(h)), acceptor_(ctx_) {
    const boost::asio::ip::tcp::endpoint ep(boost::asio::ip::make_address(address), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(boost::asio::ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    host_ = ep.address().is_v6() ? "[" + address + "]" : address;
    boost::asio::co_spawn(ctx_, accept_loop(), boost::asio::detached);
    thread_ = std::thread([this] { ctx_.run(); });
  }
  ~fake_http_server() {
    boost::asio::post(ctx_, [this] {
      boost::system::error_code ec;
      acceptor_.close(ec);
    });
    ctx_.stop();
    thread_.join();
  }
  fake_http_server(const fake_http_server&) = delete;
  fake_http_server& operator=(const fake_http_server&) = delete;

  unsigned short port() const { return port_; }
  /// "http://127.0.0.1:<port>"
  std::string url() const { return "http://" + host_ + ":" + std::to_string(port_); }
  /// Every request received so far, in order.
  std::vector<server_request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t request_count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  boost::asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      boost::asio::co_spawn(ctx_, session(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      server_request request;
      auto [rec, n] = co_await http::async_read(socket, buffer, request,
                                                boost::asio::as_tuple(boost::asio::use_awaitable));
      if (rec) co_return;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      auto act = handler_(request);
      if (act.delay.count() > 0) {
        boost::asio::steady_timer t(ctx_, act.delay);
        co_await t.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      }
      if (act.drop) co_return;
      act.response.keep_alive(request.keep_alive());
      auto [wec, m] =
          co_await http::async_write(socket, act.response, boost::asio::as_tuple(boost::asio::use_awaitable));
      if (wec || !request.keep_alive()) co_return;
    }
  }

  handler handler_;
  boost::asio::io_context ctx_;
  boost::asio::ip::tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  std::string host_;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<server_request> requests_;
};

/// A loopback port with nothing listening (bound, then closed).
inline unsigned short closed_port() {
  boost::asio::io_context ctx;
  boost::asio::ip::tcp::acceptor a(ctx, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace awsmp::test
