// Fuzz target: the HTTP response path of the real transport. A loopback peer answers one
// request of a fresh detail::http_client with the fuzz bytes as its whole response, then
// closes (or, for inputs starting "~~", streams a growing answer of up to 2 MiB: endless
// chunk lines, trailers, headers); so the bytes go through the same sockets, Beast parser settings, limits
// and error mapping as a response from AWS would. Properties: send() completes (never hangs to its timeout:
// the peer closed); it either returns a response whose body respects max_response_bytes, or throws
// system_error (never another exception); a response is returned only for bytes that really form one. (The
// status is Beast's three digits as sent: "050" parses as 50, which the clients treat as an
// error like any non-2xx.)
#include <awsmp/error.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/support/fuzz_support.hpp"
#include "transport/http_client.hpp"

namespace {

using awsmp::fuzz::check;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t max_response_bytes = 4096;
// Inputs starting with this stream a growing answer instead of one closed block.
constexpr std::string_view stream_marker = "~~";
constexpr std::size_t stream_cap = 2 * 1024 * 1024;

struct fixture {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::string url = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
};

fixture& shared() {
  static fixture f;  // one listening socket for the whole run: binding per input is slow
  return f;
}

// Reads the request, answers with `bytes`, then half-closes and closes (no RST: nothing unread).
asio::awaitable<void> peer(tcp::acceptor& acceptor, std::string_view bytes) {
  auto [aec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
  if (aec) co_return;
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request;
  auto [rec, n] = co_await http::async_read(socket, buffer, request, asio::as_tuple(asio::use_awaitable));
  (void)n;
  if (!rec) {
    if (bytes.starts_with(stream_marker)) {
      // A growing response: "~~<head>\0<block>" writes the head once, then the block again and
      // again (up to stream_cap bytes) while the client keeps reading.
      const auto rest = bytes.substr(stream_marker.size());
      const auto split = rest.find('\0');
      const auto head = rest.substr(0, split);
      const auto block = split == std::string_view::npos ? std::string_view{} : rest.substr(split + 1);
      std::size_t sent = 0;
      auto [hec, hn] = co_await asio::async_write(socket, asio::buffer(head.data(), head.size()),
                                                  asio::as_tuple(asio::use_awaitable));
      sent += hn;
      while (!hec && !block.empty() && sent < stream_cap) {
        auto [bec, bn] = co_await asio::async_write(socket, asio::buffer(block.data(), block.size()),
                                                    asio::as_tuple(asio::use_awaitable));
        if (bec) break;
        sent += bn;
      }
    } else {
      auto [wec, written] = co_await asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()),
                                                       asio::as_tuple(asio::use_awaitable));
      (void)wec;
      (void)written;
    }
  }
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

struct outcome {
  bool done = false;
  std::optional<awsmp::detail::http_response> response;
  std::exception_ptr error;
};

asio::awaitable<void> client(tcp::acceptor& acceptor, std::string url, outcome& out) {
  awsmp::detail::http_client_options options;
  options.timeout = std::chrono::milliseconds(5'000);
  options.max_connections = 1;
  options.max_response_bytes = max_response_bytes;
  awsmp::detail::http_client c(co_await asio::this_coro::executor, awsmp::detail::endpoint::parse(url),
                               options);
  awsmp::http_request request{http::verb::post, "/", 11};
  request.set(http::field::content_type, "application/x-amz-json-1.1");
  request.body() = R"({"ProductCode":"p","UsageRecords":[]})";
  request.prepare_payload();
  try {
    out.response = co_await c.send(std::move(request));
  } catch (...) {
    out.error = std::current_exception();
  }
  out.done = true;
  acceptor.cancel();  // if the client never connected, the peer stops waiting
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fixture& f = shared();
  const std::string_view bytes(reinterpret_cast<const char*>(data), data ? size : 0);
  outcome out;
  asio::co_spawn(f.io, peer(f.acceptor, bytes), asio::detached);
  asio::co_spawn(f.io, client(f.acceptor, f.url, out), asio::detached);
  f.io.restart();
  f.io.run();
  check(out.done, "send() did not complete");
  if (out.response) {
    check(out.response->body().size() <= max_response_bytes, "a response body exceeded max_response_bytes");
    check(!bytes.empty(), "a response was returned for an empty answer");
  } else {
    check(out.error != nullptr, "send() returned neither a response nor an error");
    try {
      std::rethrow_exception(out.error);
    } catch (const boost::system::system_error& e) {
      check(e.code() != awsmp::errc::timeout, "send() waited for its timeout although the peer had closed");
    } catch (...) {
      check(false, "send() threw something other than system_error");
    }
  }
  return 0;
}
