#include "transport/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "core/log_line.hpp"
#include "core/throw.hpp"

namespace awsmp::detail {

namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// ---------------------------------------------------------------------------------------------
// endpoint

parsed_url parse_url(std::string_view url, std::string_view field, bool allow_query) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw_invalid_argument(field, "must be an absolute URL such as https://host[:port][/path]");
  const auto& u = *parsed;
  parsed_url out;
  if (u.scheme_id() == boost::urls::scheme::https)
    out.ep.tls = true;
  else if (u.scheme_id() == boost::urls::scheme::http)
    out.ep.tls = false;
  else
    throw_invalid_argument(field, "scheme must be https (or http for loopback tests)");
  // Credentials in the URL would end up in logs and Host headers; the SDKs refuse them too.
  if (u.has_userinfo()) throw_invalid_argument(field, "must not carry user information");
  if (u.has_fragment()) throw_invalid_argument(field, "must not carry a fragment");
  if (u.has_query() && !allow_query) throw_invalid_argument(field, "must not carry a query or fragment");
  if (u.host_type() == boost::urls::host_type::ipv6) {
    out.ep.host = u.host_ipv6_address().to_string();
  } else if (u.host_type() == boost::urls::host_type::ipv4) {
    out.ep.host = u.host_ipv4_address().to_string();
  } else if (u.host_type() == boost::urls::host_type::name) {
    // The encoded form: a percent-escape would decode to bytes (CR, LF, '/', ...) that do not
    // belong in a host name, a Host header or a TLS name check.
    const auto encoded = u.encoded_host();
    if (encoded.find('%') != boost::core::string_view::npos)
      throw_invalid_argument(field, "host must not contain percent-escapes");
    out.ep.host = std::string(encoded.data(), encoded.size());
  } else {
    throw_invalid_argument(field, "host must be a DNS name or an IPv4/IPv6 address");
  }
  if (out.ep.host.empty()) throw_invalid_argument(field, "host must not be empty");
  // DNS's limit; a longer name could not be resolved, and OpenSSL refuses it as SNI.
  if (out.ep.host.size() > 253) throw_invalid_argument(field, "host must be at most 253 characters");
  if (u.has_port()) {
    const auto port = u.port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      throw_invalid_argument(field, "port must be a number from 1 to 65535");
    out.ep.port = std::to_string(value);
    out.explicit_port = true;
  } else {
    out.ep.port = out.ep.tls ? "443" : "80";
  }
  const auto path = u.encoded_path();
  // Boost.URL 1.81 reads "https://[::1]:8443e/x" as port 8443 and path "e/x" (found by
  // fuzz_credentials_parsers): a path that does not start at '/' means the authority was not
  // what it looked like, so the URL is refused rather than guessed at.
  if (!path.empty() && path.front() != '/')
    throw_invalid_argument(field, "must be an absolute URL such as https://host[:port][/path]");
  out.ep.path = path.empty() ? std::string("/") : std::string(path);
  out.target = out.ep.path;
  if (u.has_query()) {
    out.target += '?';
    out.target += std::string(u.encoded_query());
  }
  return out;
}

endpoint endpoint::parse(std::string_view url) {
  return parse_url(url, "endpoint", false).ep;
}

std::string endpoint::host_header() const {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) out += ":" + port;
  return out;
}

bool is_loopback_host(std::string_view host) noexcept {
  if (host == "localhost") return true;
  try {
    error_code ec;
    const auto address = asio::ip::make_address(std::string(host), ec);
    return !ec && address.is_loopback();
  } catch (...) {
    return false;  // only std::bad_alloc can get here; "not loopback" is the safe answer
  }
}

void configure_tls_names(ssl_st* ssl, const std::string& host, bool is_ip, bool verify_peer) {
  // SNI carries names only; an IP literal is matched against the certificate's IP SANs.
  if (!is_ip && SSL_set_tlsext_host_name(ssl, host.c_str()) != 1)
    throw_invalid_argument("endpoint", "OpenSSL refused the host name for SNI");
  if (!verify_peer) return;
  if (is_ip) {
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) != 1)
      throw_invalid_argument("endpoint", "OpenSSL refused the IP address for certificate checks");
  } else {
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (SSL_set1_host(ssl, host.c_str()) != 1)
      throw_invalid_argument("endpoint", "OpenSSL refused the host name for certificate checks");
  }
}

// ---------------------------------------------------------------------------------------------
// http_client

namespace {

using strand_type = asio::strand<asio::any_io_executor>;
using tls_stream = asio::ssl::stream<tcp::socket>;

// The largest response header block we accept: AWS headers are a few hundred bytes.
constexpr std::uint32_t max_header_bytes = 64 * 1024;
// The most unparsed bytes a connection may hold. Beast consumes body bytes as they arrive but
// waits, without a limit of its own, for the end of a chunk-size line, a chunk extension or
// the trailer section; this cap is what keeps a peer that never ends one from growing memory.
// Beast reports buffer_overflow, mapped to errc::response_too_large.
constexpr std::size_t max_receive_buffer_bytes = max_header_bytes + 16 * 1024;

// One keep-alive connection; every operation on it runs on the pool's strand.
struct connection {
  std::optional<tls_stream> tls;
  std::optional<tcp::socket> plain;
  boost::beast::flat_buffer buffer{max_receive_buffer_bytes};

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }

  void close() noexcept {
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
  }

  // An idle connection should have nothing to read; readable means the server closed it (FIN or
  // TLS close_notify) or sent bytes we never asked for. Either way, do not send on it.
  bool looks_alive() noexcept {
    if (!socket().is_open()) return false;
    if (buffer.size() != 0) return false;
    pollfd pfd{};
    pfd.fd = socket().native_handle();
    pfd.events = POLLIN;
    const int ready = ::poll(&pfd, 1, 0);
    return ready == 0;
  }
};

// Progress of one attempt, shared by the exchange and its watchdog (both on the strand).
struct attempt_state {
  const char* phase = "connect";
  bool request_written = false;
  bool response_started = false;
  bool done = false;
  bool timed_out = false;
  bool keep_alive = false;
  std::optional<tcp::resolver> resolver;
};

bool is_connection_closed(const error_code& ec) {
  namespace ae = asio::error;
  return ec == http::error::end_of_stream || ec == ae::eof || ec == ae::connection_reset ||
         ec == ae::connection_aborted || ec == ae::broken_pipe || ec == asio::ssl::error::stream_truncated;
}

}  // namespace

struct http_client::impl : std::enable_shared_from_this<impl> {
  // A caller waiting for a connection slot; woken FIFO by release().
  struct waiter {
    explicit waiter(strand_type& s) : timer(s) {}
    asio::steady_timer timer;
    bool granted = false;
    std::unique_ptr<connection> handed;  // an idle connection, or null: open a new one
  };

  // Holds one slot of the pool for the duration of a send; gives it back on destruction.
  struct lease {
    impl* owner = nullptr;
    std::unique_ptr<connection> conn;  // null: the slot is ours but no connection is open yet
    bool reused = false;
    lease() = default;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    lease(lease&& other) noexcept
        : owner(std::exchange(other.owner, nullptr)), conn(std::move(other.conn)), reused(other.reused) {}
    ~lease() {
      if (owner) owner->release(std::move(conn));
    }
  };

  impl(asio::any_io_executor ex, endpoint e, http_client_options o)
      : strand(asio::make_strand(std::move(ex))), ep(std::move(e)), options(std::move(o)) {
    if (options.max_connections == 0) options.max_connections = 1;
    if (!ep.tls) return;
    ssl_ctx.emplace(asio::ssl::context::tls_client);
    // TLS 1.2 is the floor AWS itself enforces; older versions are refused here too.
    SSL_CTX_set_min_proto_version(ssl_ctx->native_handle(), TLS1_2_VERSION);
    ssl_ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
    if (options.verify_peer) {
      error_code ec;
      ssl_ctx->set_default_verify_paths(ec);
      if (ec)
        log(log_level::warning, "awsmp http: the system trust store could not be loaded: " + ec.message());
      if (!options.ca_file.empty()) {
        ssl_ctx->load_verify_file(options.ca_file, ec);
        if (ec)
          throw_invalid_argument("ca_file", "must name a readable PEM certificate file (" + options.ca_file +
                                                ": " + ec.message() + ")");
      }
      ssl_ctx->set_verify_mode(asio::ssl::verify_peer);
    } else {
      // Without certificate checks anyone on the path can read the signed traffic: acceptable
      // for a test server on this machine, elsewhere only when the caller says so by name.
      if (!is_loopback_host(ep.host) && !options.allow_insecure_remote)
        throw_invalid_argument("verify_peer",
                               "false is allowed only for loopback endpoints (localhost, 127.0.0.1, ::1) "
                               "unless allow_insecure_remote is also set");
      ssl_ctx->set_verify_mode(asio::ssl::verify_none);
      log(log_level::warning, "awsmp http: certificate verification is DISABLED for " + ep.host_header() +
                                  " (verify_peer=false); use it only against a local test server");
    }
  }

  ~impl() {
    for (auto& c : idle) c->close();
  }

  std::string describe() const { return std::string(ep.tls ? "https://" : "http://") + ep.host_header(); }

  // ---- pool (strand only)

  awaitable<lease> acquire() {
    lease l;
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (c->looks_alive()) {
        l.owner = this;
        l.conn = std::move(c);
        l.reused = true;
        co_return l;
      }
      c->close();
      --open;
    }
    if (open < options.max_connections) {
      ++open;
      l.owner = this;
      co_return l;
    }
    waiter w(strand);
    w.timer.expires_at(asio::steady_timer::time_point::max());
    waiters.push_back(&w);
    struct unlink {
      impl* self;
      waiter* w;
      ~unlink() {
        auto it = std::find(self->waiters.begin(), self->waiters.end(), w);
        if (it != self->waiters.end()) self->waiters.erase(it);
      }
    } guard{this, &w};
    co_await w.timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!w.granted)
      throw boost::system::system_error(asio::error::operation_aborted,
                                        "awsmp http: waiting for a connection");
    // The slot is ours even if we were cancelled at the same moment: the lease gives it back.
    l.owner = this;
    l.conn = std::move(w.handed);
    l.reused = l.conn != nullptr;
    co_return l;
  }

  void release(std::unique_ptr<connection> c) noexcept {
    if (!waiters.empty()) {
      waiter* w = waiters.front();
      waiters.pop_front();
      w->granted = true;
      w->handed = std::move(c);
      w->timer.cancel();
      return;
    }
    if (c)
      idle.push_back(std::move(c));
    else
      --open;
  }

  // ---- one exchange on one connection (strand only)

  std::unique_ptr<connection> make_connection() {
    auto c = std::make_unique<connection>();
    if (ep.tls)
      c->tls.emplace(strand, *ssl_ctx);
    else
      c->plain.emplace(strand);
    return c;
  }

  std::string tls_failure_detail(connection& c) const {
    const long result = SSL_get_verify_result(c.tls->native_handle());
    if (result == X509_V_OK) return {};
    return std::string(" (certificate verification: ") + X509_verify_cert_error_string(result) + ")";
  }

  awaitable<void> connect(connection& c, attempt_state& st) {
    st.phase = "resolve";
    error_code ec;
    const auto literal = asio::ip::make_address(ep.host, ec);
    const bool is_ip = !ec;
    std::vector<tcp::endpoint> targets;
    const auto port = static_cast<unsigned short>(std::stoul(ep.port));
    if (is_ip) {
      targets.emplace_back(literal, port);
    } else {
      st.resolver.emplace(strand);
      auto [rec, results] =
          co_await st.resolver->async_resolve(ep.host, ep.port, asio::as_tuple(asio::use_awaitable));
      if (rec)
        throw boost::system::system_error(rec, "awsmp http " + describe() + ": resolving the host failed");
      for (const auto& r : results) targets.push_back(r.endpoint());
    }
    st.phase = "connect";
    auto [cec, used] = co_await asio::async_connect(c.socket(), targets, asio::as_tuple(asio::use_awaitable));
    (void)used;
    if (cec) throw boost::system::system_error(cec, "awsmp http " + describe() + ": connect failed");
    connections_opened.fetch_add(1, std::memory_order_relaxed);
    error_code ignored;
    c.socket().set_option(tcp::no_delay(true), ignored);
    if (!c.tls) co_return;
    st.phase = "TLS handshake";
    configure_tls_names(c.tls->native_handle(), ep.host, is_ip, options.verify_peer);
    auto [hec] =
        co_await c.tls->async_handshake(asio::ssl::stream_base::client, asio::as_tuple(asio::use_awaitable));
    if (hec)
      throw boost::system::system_error(
          hec, "awsmp http " + describe() + ": TLS handshake failed" + tls_failure_detail(c));
    tls_handshakes.fetch_add(1, std::memory_order_relaxed);
  }

  template <class Stream>
  awaitable<http_response> exchange_on(Stream& stream, connection& c, const http_request& req,
                                       attempt_state& st) {
    st.phase = "write";
    auto [wec, written] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
    (void)written;
    if (wec)
      throw boost::system::system_error(wec, "awsmp http " + describe() + ": sending the request failed");
    st.request_written = true;
    st.phase = "read";
    http::response_parser<http::string_body> parser;
    parser.header_limit(max_header_bytes);
    parser.body_limit(options.max_response_bytes);
    auto [rec, read] =
        co_await http::async_read(stream, c.buffer, parser, asio::as_tuple(asio::use_awaitable));
    (void)read;
    st.response_started = parser.got_some() || c.buffer.size() != 0;
    if (rec == http::error::body_limit || rec == http::error::header_limit ||
        rec == http::error::buffer_overflow)
      throw_error(errc::response_too_large, "awsmp http " + describe() +
                                                ": response larger than the limit (max_response_bytes " +
                                                std::to_string(options.max_response_bytes) + ")");
    if (rec) {
      if (!st.response_started && is_connection_closed(rec))
        throw boost::system::system_error(
            rec, "awsmp http " + describe() + ": connection closed before any response byte");
      throw boost::system::system_error(rec, "awsmp http " + describe() + ": reading the response failed");
    }
    auto response = parser.release();
    // Bytes beyond the response mean the stream is out of step: never reuse it.
    st.keep_alive = response.keep_alive() && c.buffer.size() == 0;
    co_return response;
  }

  awaitable<http_response> exchange(connection& c, const http_request& req, bool fresh, attempt_state& st) {
    if (fresh) co_await connect(c, st);
    http_response response;
    if (c.tls)
      response = co_await exchange_on(*c.tls, c, req, st);
    else
      response = co_await exchange_on(*c.plain, c, req, st);
    st.done = true;
    co_return response;
  }

  // Ends the attempt at its deadline, or when the caller cancels, by closing the connection:
  // that aborts whatever the exchange is waiting for, whether or not that operation honours
  // per-operation cancellation itself.
  static awaitable<void> watchdog(asio::steady_timer& timer, connection& c, attempt_state& st) {
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (st.done) co_return;
    if (!ec) st.timed_out = true;
    if (st.resolver) st.resolver->cancel();
    c.close();
  }

  static awaitable<http_response> run(std::shared_ptr<impl> self, http_request req) {
    co_return co_await self->send_on_strand(std::move(req));
  }

  awaitable<http_response> send_on_strand(http_request req) {
    lease l = co_await acquire();
    for (int round = 0;; ++round) {
      const bool fresh = l.conn == nullptr;
      const bool reused = !fresh;
      if (fresh) l.conn = make_connection();
      attempt_state st;
      asio::steady_timer timer(strand);
      timer.expires_after(options.timeout);
      auto [order, failure, response, watchdog_failure] =
          co_await asio::experimental::make_parallel_group(
              asio::co_spawn(strand, exchange(*l.conn, req, fresh, st), asio::deferred),
              asio::co_spawn(strand, watchdog(timer, *l.conn, st), asio::deferred))
              .async_wait(asio::experimental::wait_for_one(), asio::use_awaitable);
      (void)order;
      (void)watchdog_failure;
      if (!failure && st.done) {
        if (!st.keep_alive) {
          l.conn->close();
          l.conn.reset();
        }
        co_return std::move(response);
      }
      l.conn->close();
      l.conn.reset();
      if (st.timed_out)
        throw_error(errc::timeout, "awsmp http " + describe() + ": no response within " +
                                       std::to_string(options.timeout.count()) + " ms (during " + st.phase +
                                       ")");
      // A pooled connection that the server had already closed fails before any response byte;
      // AWS requests are idempotent, so send once more on a new connection (see docs/transport.md).
      if (reused && round == 0 && !st.response_started && failure) {
        bool stale = false;
        try {
          std::rethrow_exception(failure);
        } catch (const boost::system::system_error& e) {
          stale = is_connection_closed(e.code());
        } catch (...) {
        }
        if (stale) {
          stale_reconnects.fetch_add(1, std::memory_order_relaxed);
          log(log_level::debug,
              "awsmp http " + describe() + ": pooled connection was closed by the server; reconnecting once");
          continue;
        }
      }
      if (failure) std::rethrow_exception(failure);
      throw boost::system::system_error(asio::error::operation_aborted,
                                        "awsmp http " + describe() + ": request cancelled");
    }
  }

  strand_type strand;
  endpoint ep;
  http_client_options options;
  std::optional<asio::ssl::context> ssl_ctx;

  // Pool state: touched on the strand only.
  std::vector<std::unique_ptr<connection>> idle;  // most recently used last
  std::size_t open = 0;                           // idle + leased slots
  std::deque<waiter*> waiters;

  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> connections_opened{0};
  std::atomic<std::uint64_t> tls_handshakes{0};
  std::atomic<std::uint64_t> stale_reconnects{0};
};

http_client::http_client(asio::any_io_executor ex, endpoint ep, http_client_options options)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(ep), std::move(options))) {}

http_client::~http_client() = default;

awaitable<http_response> http_client::send(http_request request) {
  if (request.find(http::field::host) == request.end())
    request.set(http::field::host, impl_->ep.host_header());
  if (request.target().empty()) request.target(impl_->ep.path);
  request.keep_alive(true);
  if (request.find(http::field::content_length) == request.end() &&
      request.find(http::field::transfer_encoding) == request.end())
    request.prepare_payload();
  impl_->requests.fetch_add(1, std::memory_order_relaxed);
  // Everything that touches the pool or a connection runs on the pool's strand, so the client
  // is safe on a multi-threaded io_context; co_spawn forwards our caller's cancellation there.
  co_return co_await asio::co_spawn(impl_->strand, impl::run(impl_, std::move(request)), asio::use_awaitable);
}

http_client_stats http_client::stats() const noexcept {
  http_client_stats s;
  s.requests = impl_->requests.load(std::memory_order_relaxed);
  s.connections_opened = impl_->connections_opened.load(std::memory_order_relaxed);
  s.tls_handshakes = impl_->tls_handshakes.load(std::memory_order_relaxed);
  s.stale_reconnects = impl_->stale_reconnects.load(std::memory_order_relaxed);
  s.certificate_checks_disabled = impl_->ep.tls && !impl_->options.verify_peer;
  return s;
}

const endpoint& http_client::target() const noexcept {
  return impl_->ep;
}

}  // namespace awsmp::detail
