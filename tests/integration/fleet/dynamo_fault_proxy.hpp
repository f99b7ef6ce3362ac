// A fault proxy in front of moto for the cross-process fleet test: one loopback port per fleet
// instance, each relaying HTTP requests to moto. At random it answers a request itself with
// DynamoDB's ThrottlingException (HTTP 400), closes the connection before forwarding, or
// forwards the request and closes the connection instead of answering (the write happened, the
// client cannot know). A port can be cut off: its connections are then closed at once (the
// instance behind it cannot reach DynamoDB). Runs on a thread of its own.
#pragma once

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace fleet_process {

namespace net = boost::asio;
namespace http = boost::beast::http;

struct proxy_faults {
  double throttle_percent = 0;
  double drop_percent = 0;                ///< close before forwarding
  double drop_after_forward_percent = 0;  ///< forward, then close without answering
  std::uint64_t seed = 1;
};

class dynamo_fault_proxy {
 public:
  dynamo_fault_proxy(unsigned short upstream, int ports, proxy_faults faults)
      : upstream_(net::ip::make_address("127.0.0.1"), upstream), faults_(faults), rng_(faults.seed) {
    for (int i = 0; i < ports; ++i) {
      auto p = std::make_unique<port>(io_);
      p->acceptor.open(net::ip::tcp::v4());
      p->acceptor.set_option(net::ip::tcp::acceptor::reuse_address(true));
      p->acceptor.bind({net::ip::make_address("127.0.0.1"), 0});
      p->acceptor.listen();
      ports_.push_back(std::move(p));
    }
    for (auto& p : ports_) net::co_spawn(io_, accept(*p), net::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~dynamo_fault_proxy() {
    io_.stop();
    thread_.join();
  }
  dynamo_fault_proxy(const dynamo_fault_proxy&) = delete;
  dynamo_fault_proxy& operator=(const dynamo_fault_proxy&) = delete;

  std::string url(int i) const {
    return "http://127.0.0.1:" +
           std::to_string(ports_.at(static_cast<std::size_t>(i))->acceptor.local_endpoint().port());
  }
  /// Cuts port i off from DynamoDB (true) or reconnects it (false).
  void cut(int i, bool off) { ports_.at(static_cast<std::size_t>(i))->cut = off; }

  std::atomic<std::uint64_t> requests{0}, forwarded{0}, throttled{0}, dropped{0}, dropped_after{0},
      refused{0};

 private:
  struct port {
    explicit port(net::io_context& io) : acceptor(io) {}
    net::ip::tcp::acceptor acceptor;
    std::atomic<bool> cut{false};
  };

  net::awaitable<void> accept(port& p) {
    for (;;) {
      auto [ec, socket] = co_await p.acceptor.async_accept(net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      if (p.cut) {
        ++refused;
        continue;  // the socket closes here
      }
      net::co_spawn(io_, session(std::move(socket), p), net::detached);
    }
  }

  net::awaitable<void> session(net::ip::tcp::socket client, port& p) {
    boost::beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(client, buffer, req, net::as_tuple(net::use_awaitable));
      if (ec) co_return;
      ++requests;
      if (p.cut) {
        ++refused;
        co_return;
      }
      const double roll = std::uniform_real_distribution<double>(0, 100)(rng_);
      if (roll < faults_.throttle_percent) {
        ++throttled;
        http::response<http::string_body> res{http::status::bad_request, 11};
        res.set(http::field::content_type, "application/x-amz-json-1.0");
        res.set("x-amzn-RequestId", "fault-proxy");
        res.body() =
            R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput (fault proxy)."})";
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        auto [wec, wn] = co_await http::async_write(client, res, net::as_tuple(net::use_awaitable));
        if (wec || !req.keep_alive()) co_return;
        continue;
      }
      if (roll < faults_.throttle_percent + faults_.drop_percent) {
        ++dropped;
        co_return;
      }
      // moto answers HTTP/1.0 and closes: one upstream connection per request.
      net::ip::tcp::socket up(io_);
      auto [cec] = co_await up.async_connect(upstream_, net::as_tuple(net::use_awaitable));
      if (cec) co_return;
      auto [uwec, uwn] = co_await http::async_write(up, req, net::as_tuple(net::use_awaitable));
      if (uwec) co_return;
      boost::beast::flat_buffer upbuf;
      http::response<http::string_body> res;
      auto [urec, urn] = co_await http::async_read(up, upbuf, res, net::as_tuple(net::use_awaitable));
      if (urec) co_return;
      ++forwarded;
      if (roll < faults_.throttle_percent + faults_.drop_percent + faults_.drop_after_forward_percent) {
        ++dropped_after;
        co_return;
      }
      const bool keep = req.keep_alive();
      res.version(11);
      res.keep_alive(keep);
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(client, res, net::as_tuple(net::use_awaitable));
      if (wec || !keep) co_return;
    }
  }

  net::io_context io_;
  net::ip::tcp::endpoint upstream_;
  proxy_faults faults_;
  std::mt19937_64 rng_;  // used on the proxy's thread only
  std::vector<std::unique_ptr<port>> ports_;
  std::thread thread_;
};

}  // namespace fleet_process
