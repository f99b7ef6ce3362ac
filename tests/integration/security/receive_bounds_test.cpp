// Bounded receive buffers (issue 15 item 1): a peer that never ends a chunk-size line, a chunk
// extension or the trailer section must not grow the reader's memory. Beast's parser waits
// for the end of those lines without a limit of its own, so the bound is the receive buffer:
// the HTTP client fails with errc::response_too_large and the emulator closes the connection,
// each long before the peer's (bounded) flood is over.
#include <awsmp/error.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "support/run_sync.hpp"
#include "transport/http_client.hpp"

using namespace awsmp;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

// What the flood sends after its prefix, and the most it ever sends (far beyond any limit).
constexpr std::size_t flood_cap = 32 * 1024 * 1024;

struct flood {
  const char* name;
  std::string prefix;  // written once
  std::string block;   // then written repeatedly until the reader hangs up or flood_cap
};

// Three ways to keep one protocol line open forever.
std::vector<flood> floods(std::string_view head) {
  const std::string h(head);
  return {
      {"endless chunk-size line", h + "1", std::string(64 * 1024, '0')},
      {"endless chunk extension", h + "1;ext=", std::string(64 * 1024, 'a')},
      {"endless trailer section", h + "1\r\nx\r\n0\r\n",
       [] {
         std::string lines;
         while (lines.size() < 64 * 1024) lines += "X-Trailer: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
         return lines;
       }()},
  };
}

// Writes the flood; returns how many bytes went out before the other side hung up.
template <class Write>
std::size_t pour(const flood& f, Write write) {
  std::size_t sent = 0;
  if (!write(f.prefix)) return sent;
  sent += f.prefix.size();
  while (sent < flood_cap) {
    if (!write(f.block)) break;
    sent += f.block.size();
  }
  return sent;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(receive_bounds)

BOOST_AUTO_TEST_CASE(http_client_refuses_endless_protocol_lines) {
  for (const auto& f : floods("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) {
    BOOST_TEST_CONTEXT(f.name) {
      asio::io_context io;
      tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
      std::size_t sent = 0;
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            auto [aec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
            if (aec) co_return;
            boost::beast::flat_buffer buffer;
            http::request<http::string_body> request;
            auto [rec, n] =
                co_await http::async_read(socket, buffer, request, asio::as_tuple(asio::use_awaitable));
            (void)n;
            if (rec) co_return;
            std::size_t total = 0;
            if (auto [ec, w] = co_await asio::async_write(socket, asio::buffer(f.prefix),
                                                          asio::as_tuple(asio::use_awaitable));
                ec)
              co_return;
            total += f.prefix.size();
            while (total < flood_cap) {
              auto [ec, w] = co_await asio::async_write(socket, asio::buffer(f.block),
                                                        asio::as_tuple(asio::use_awaitable));
              if (ec) break;
              total += w;
            }
            sent = total;
          },
          asio::detached);
      boost::system::error_code code;
      std::string what;
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            detail::http_client_options options;
            options.max_response_bytes = 64 * 1024;
            options.timeout = std::chrono::milliseconds(60'000);
            detail::http_client client(
                co_await asio::this_coro::executor,
                detail::endpoint::parse("http://127.0.0.1:" +
                                        std::to_string(acceptor.local_endpoint().port())),
                options);
            http_request request{http::verb::post, "/", 11};
            request.body() = "{}";
            request.prepare_payload();
            try {
              co_await client.send(std::move(request));
            } catch (const boost::system::system_error& e) {
              code = e.code();
              what = e.what();
            }
          },
          asio::detached);
      io.run();
      BOOST_TEST((code == errc::response_too_large), what);
      BOOST_TEST(sent < flood_cap, "the client read " << sent << " bytes of one protocol line");
    }
  }
}

BOOST_AUTO_TEST_CASE(emulator_closes_on_endless_protocol_lines) {
  testing::emulator_options options;
  options.tls = false;
  testing::marketplace_emulator emulator(options);
  emulator.start();
  const std::string head =
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
      "X-Amz-Target: AWSMPMeteringService.BatchMeterUsage\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const auto& f : floods(head)) {
    BOOST_TEST_CONTEXT(f.name) {
      asio::io_context io;
      tcp::socket socket(io);
      socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), emulator.port()));
      const std::size_t sent = pour(f, [&](const std::string& bytes) {
        boost::system::error_code ec;
        asio::write(socket, asio::buffer(bytes), ec);
        return !ec;
      });
      BOOST_TEST(sent < flood_cap, "the emulator read " << sent << " bytes of one protocol line");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
