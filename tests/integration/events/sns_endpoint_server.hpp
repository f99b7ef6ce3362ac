// Test support: a real HTTPS server on 127.0.0.1 (a run-time CA from make_test_certificates)
// that serves an sns_https_endpoint on the test's own io_context, as a seller's server would:
// the header is judged before the body is read, then the endpoint answers. Bounded: each
// connection has a 10 s deadline per request.
#pragma once

#include <unistd.h>

#include <awsmp/sns_https_endpoint.hpp>
#include <awsmp/testing/test_certificates.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

namespace events_test {

class sns_endpoint_server {
 public:
  /// Serves `endpoint`, which may be set later (before the first request): the endpoint's
  /// consumer often needs what is configured with this server's URL.
  explicit sns_endpoint_server(boost::asio::any_io_executor ex, awsmp::sns_https_endpoint* endpoint = nullptr)
      : endpoint(endpoint), acceptor_(ex), tls_(boost::asio::ssl::context::tls_server) {
    certs_ = awsmp::testing::make_test_certificates();
    tls_.use_certificate_chain(boost::asio::buffer(certs_.server_cert_pem));
    tls_.use_private_key(boost::asio::buffer(certs_.server_key_pem), boost::asio::ssl::context::pem);
    ca_file_ = std::string(AWSMP_TEST_BINARY_DIR) + "/sns_endpoint_ca_" + std::to_string(::getpid()) + "_" +
               std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".pem";
    std::ofstream(ca_file_) << certs_.ca_cert_pem;
    const boost::asio::ip::tcp::endpoint at(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.bind(at);
    acceptor_.listen();
    boost::asio::co_spawn(ex, accept(), boost::asio::detached);
  }
  ~sns_endpoint_server() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    std::remove(ca_file_.c_str());
  }

  awsmp::sns_https_endpoint* endpoint;

  /// https://127.0.0.1:<port>/sns
  std::string url() const {
    return "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/sns";
  }
  /// The CA that issued the server's certificate, as a file (for the emulator's https_ca_file).
  const std::string& ca_file() const { return ca_file_; }

 private:
  boost::asio::awaitable<void> accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (ec) co_return;
      boost::asio::co_spawn(acceptor_.get_executor(), serve(std::move(socket)), boost::asio::detached);
    }
  }

  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
    namespace http = boost::beast::http;
    using boost::asio::as_tuple;
    using boost::asio::use_awaitable;
    boost::beast::tcp_stream tcp(std::move(socket));
    boost::asio::ssl::stream<boost::beast::tcp_stream&> stream(tcp, tls_);
    tcp.expires_after(std::chrono::seconds{10});
    auto [hec] =
        co_await stream.async_handshake(boost::asio::ssl::stream_base::server, as_tuple(use_awaitable));
    if (hec) co_return;
    boost::beast::flat_buffer buffer;
    for (;;) {
      tcp.expires_after(std::chrono::seconds{10});
      http::request_parser<http::string_body> parser;
      parser.body_limit(endpoint->max_body_bytes());
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, as_tuple(use_awaitable));
      if (ec) co_return;
      if (auto refusal = endpoint->check_header(parser.get())) {
        refusal->keep_alive(false);
        co_await http::async_write(stream, *refusal, as_tuple(use_awaitable));
        co_return;
      }
      std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, as_tuple(use_awaitable));
      if (ec) co_return;
      const bool keep_alive = parser.get().keep_alive();
      auto res = co_await endpoint->handle(parser.release());
      res.keep_alive(keep_alive);
      auto [wec, wn] = co_await http::async_write(stream, res, as_tuple(use_awaitable));
      if (wec || !keep_alive) co_return;
    }
  }

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ssl::context tls_;
  awsmp::testing::certificate_bundle certs_;
  std::string ca_file_;
};

}  // namespace events_test
