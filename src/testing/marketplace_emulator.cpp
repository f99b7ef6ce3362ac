// The emulator's thin async shell: accept, TLS, HTTP/1.1 keep-alive, timeouts, routing to the
// pure core (emulator_core) and to the admin endpoint. Everything else lives in the core.
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <atomic>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/testing/test_certificates.hpp>
#include <awsmp/wire.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/log_line.hpp"
#include "core/throw.hpp"
#include "testing/emulator_auth.hpp"
#include "testing/emulator_core.hpp"
#include "testing/emulator_events.hpp"
#include "testing/emulator_json.hpp"
#include "transport/http_client.hpp"

namespace awsmp::testing {
namespace detail {
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using http_response = http::response<http::string_body>;

namespace {

constexpr std::size_t aws_body_limit = 1024 * 1024;  // AWS: each request must be less than 1 MB
constexpr std::string_view admin_prefix = "/_emulator/";
constexpr std::uint32_t request_header_limit = 16 * 1024;
// The most unparsed bytes a connection may hold: Beast waits without a limit of its own for the
// end of a chunk-size line, a chunk extension or the trailer section, so this cap is what
// bounds memory against a client that never ends one (the read fails; the connection closes).
constexpr std::size_t receive_buffer_limit = request_header_limit + 16 * 1024;

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (unsigned i = 0; i < size; ++i) {
    out[2 * i] = hex[digest[i] >> 4];
    out[2 * i + 1] = hex[digest[i] & 0xf];
  }
  return out;
}

void write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out)
      awsmp::detail::throw_error(errc::invalid_argument, "emulator_options.ca_file: cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    awsmp::detail::throw_error(errc::invalid_argument, "emulator_options.ca_file: cannot write " + path);
  }
}

asio::ip::address resolve_bind_address(const emulator_options& options) {
  if (options.bind_address == "localhost") return asio::ip::make_address("127.0.0.1");
  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec)
    awsmp::detail::throw_invalid_argument("emulator_options.bind_address",
                                          "must be an IPv4 or IPv6 literal or localhost");
  if (!address.is_loopback() && !options.allow_non_loopback)
    awsmp::detail::throw_invalid_argument("emulator_options.bind_address",
                                          "binding beyond loopback needs allow_non_loopback = true");
  return address;
}

// The keys every copy of the emulator (and its documentation) ships with: anyone can sign with
// them, so a server reachable from other machines must not accept them.
bool is_well_known_key(const std::string& key, const std::string& secret) {
  return key == "AKIDEXAMPLE" || secret == "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" ||
         secret == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
}

// The host part of a Host header or an Origin's authority ("[::1]:8443" -> "::1").
std::string_view host_of(std::string_view authority) {
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    return close == std::string_view::npos ? std::string_view{} : authority.substr(1, close - 1);
  }
  const auto colon = authority.find(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

// A web page the user visits can make the browser send requests to 127.0.0.1 (a form POST, or
// DNS rebinding, where the page's own name resolves to 127.0.0.1). Browsers always send the
// page's Host and, for cross-origin POSTs, an Origin; SDKs and awsmp send neither a foreign
// Host nor an Origin. So on loopback: Host must name a loopback address, and an Origin, if
// any, must be a loopback one. Returns why a request is refused, or empty.
std::string foreign_origin(const http::request<http::string_body>& req, bool remote) {
  if (auto it = req.find(http::field::origin); it != req.end()) {
    const std::string_view origin = it->value();
    const auto scheme_end = origin.find("://");
    const auto host =
        scheme_end == std::string_view::npos ? std::string_view{} : host_of(origin.substr(scheme_end + 3));
    if (host.empty() || !awsmp::detail::is_loopback_host(host))
      return "requests from a web page (Origin header) are refused";
  }
  if (remote) return {};
  if (auto it = req.find(http::field::host); it != req.end()) {
    const auto host = host_of(it->value());
    if (!awsmp::detail::is_loopback_host(host)) return "the Host header must name a loopback address";
  }
  return {};
}

bool same_secret(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

/// Owns the io_context and the thread of the self-running mode.
struct emulator_runner {
  asio::io_context ioc{1};
  std::thread thread;
};

/// One accepted connection; its I/O runs on its own strand.
struct connection {
  connection(tcp::socket socket, ssl::context* tls_context, std::uint64_t id_)
      : net(std::move(socket)), delay(net.get_executor()), id(id_) {
    if (tls_context) tls.emplace(net, *tls_context);
  }
  void close() noexcept {
    boost::system::error_code ec;
    net.socket().shutdown(tcp::socket::shutdown_both, ec);
    net.socket().close(ec);
    delay.cancel();
  }
  beast::tcp_stream net;
  std::optional<ssl::stream<beast::tcp_stream&>> tls;
  asio::steady_timer delay;
  std::uint64_t id;
};

class emulator_server : public std::enable_shared_from_this<emulator_server> {
 public:
  emulator_server(asio::any_io_executor ex, emulator_options options)
      : options_(std::move(options)),
        address_(resolve_bind_address(options_)),
        ex_(std::move(ex)),
        core_(options_),
        acceptor_(asio::make_strand(ex_)) {
    if (options_.tls_certificate_pem.empty() != options_.tls_private_key_pem.empty())
      awsmp::detail::throw_invalid_argument("emulator_options.tls_certificate_pem",
                                            "give both the certificate and its private key, or neither");
    if (options_.max_connections == 0)
      awsmp::detail::throw_invalid_argument("emulator_options.max_connections", "must be at least 1");
    if (options_.max_body_bytes < aws_body_limit)
      awsmp::detail::throw_invalid_argument("emulator_options.max_body_bytes", "must be at least 1 MiB");
    if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
    auth_.credentials = &options_.credentials;
    auth_.service = wire::signing_name;
    auth_.region = options_.region;
    auth_.max_skew = options_.max_clock_skew;
    remote_ = !address_.is_loopback();
    if (remote_) {
      for (const auto& [key, secret] : options_.credentials)
        if (is_well_known_key(key, secret))
          awsmp::detail::throw_invalid_argument(
              "emulator_options.credentials",
              "the well-known example keys are refused when binding beyond loopback; "
              "configure keys of your own");
      admin_enabled_ = options_.admin_endpoint && !options_.admin_token.empty();
    } else {
      admin_enabled_ = options_.admin_endpoint;
    }
  }

  void start() {
    std::lock_guard lock(mutex_);
    if (started_) awsmp::detail::throw_invalid_argument("marketplace_emulator", "start() was already called");
    if (options_.tls) {
      std::string cert = options_.tls_certificate_pem, key = options_.tls_private_key_pem;
      if (cert.empty()) {
        std::vector<std::string> ips{"127.0.0.1", "::1"};
        if (!address_.is_loopback()) ips.push_back(address_.to_string());
        auto bundle = make_test_certificates({"localhost"}, ips);
        cert = bundle.server_cert_pem;
        key = bundle.server_key_pem;
        ca_pem_ = bundle.ca_cert_pem;
      }
      tls_context_.emplace(ssl::context::tls_server);
      tls_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      tls_context_->use_certificate_chain(asio::buffer(cert));
      tls_context_->use_private_key(asio::buffer(key), ssl::context::pem);
      if (!options_.ca_file.empty() && !ca_pem_.empty()) write_file_atomically(options_.ca_file, ca_pem_);
    }
    if (options_.events.target != event_target::none)
      events_ = std::make_shared<event_publisher>(
          resolve_event_options(options_.events, options_.products, options_.clock()));
    const tcp::endpoint ep(address_, options_.port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    if (address_.is_v6()) acceptor_.set_option(asio::ip::v6_only(true));
    acceptor_.bind(ep);
    acceptor_.listen(asio::socket_base::max_listen_connections);
    port_ = acceptor_.local_endpoint().port();
    started_ = true;
    asio::co_spawn(acceptor_.get_executor(), accept_loop(shared_from_this()), asio::detached);
    if (log_enabled(log_level::info))
      awsmp::detail::log(log_level::info, "awsmp emulator listening on " + endpoint_locked());
    if (remote_)
      awsmp::detail::log(
          log_level::warning,
          "awsmp emulator: WARNING: listening on " + endpoint_locked() +
              ", reachable from other machines. It is a test tool: " +
              (admin_enabled_ ? std::string("the admin endpoint needs the admin token")
                              : std::string("the admin endpoint is OFF (no admin token)")) +
              (options_.tls ? "" : "; plain HTTP: keys and tokens cross the network in clear text"));
  }

  void stop() noexcept {
    std::vector<std::shared_ptr<connection>> open;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) return;
      stopped_ = true;
      for (auto& [id, weak] : connections_)
        if (auto c = weak.lock()) open.push_back(std::move(c));
    }
    try {
      asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
        boost::system::error_code ec;
        self->acceptor_.close(ec);
      });
      for (auto& c : open) asio::post(c->net.get_executor(), [c] { c->close(); });
    } catch (...) {
      // post() only throws bad_alloc; the sockets then close when the executor is destroyed.
    }
  }

  std::uint16_t port() const noexcept { return port_.load(); }
  std::string endpoint() const {
    std::lock_guard lock(mutex_);
    return started_ ? endpoint_locked() : std::string();
  }
  std::string ca_pem() const {
    std::lock_guard lock(mutex_);
    return ca_pem_;
  }
  const emulator_options& options() const noexcept { return options_; }
  emulator_core& core() noexcept { return core_; }

  // --- lifecycle events (issue 13 item 5) ---------------------------------------------------

  std::shared_ptr<event_publisher> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

  std::shared_ptr<event_publisher> require_events() const {
    auto e = events();
    if (!e)
      awsmp::detail::throw_invalid_argument("marketplace_emulator",
                                            "no event target is configured (or start() was not called)");
    return e;
  }

  // One event to the target; a refusal by the endpoint is an error of the caller's set-up.
  awaitable<void> deliver(std::shared_ptr<event_publisher> publisher, std::string body) {
    auto& c = core_.counters();
    const unsigned status =
        co_await publisher->deliver(std::move(body), c.events_published, c.event_delivery_failures);
    if (status >= 300)
      awsmp::detail::throw_error(errc::service_error,
                                 "the event endpoint refused the event with HTTP " + std::to_string(status));
  }

  awaitable<void> publish(lifecycle_change change, const emulated_customer& customer) {
    auto publisher = events();
    if (!publisher) co_return;
    auto bodies = publisher->bodies(change, customer, options_.clock());
    for (auto& body : bodies) co_await deliver(publisher, std::move(body));
  }

  awaitable<void> subscribe(emulated_customer customer) {
    customer.subscribed = true;
    customer.unsubscribed_at.reset();
    core_.add_customer(customer);
    co_await publish(lifecycle_change::subscribed, customer);
  }

  awaitable<void> unsubscribe(billed_customer who, unsubscribe_stage stage) {
    const auto customer = core_.find(who);
    if (!customer) awsmp::detail::throw_error(errc::not_found, "marketplace_emulator: no such customer");
    if (stage != unsubscribe_stage::success)
      co_await publish(lifecycle_change::unsubscribe_pending, *customer);
    if (stage == unsubscribe_stage::pending) co_return;
    // Marked only after the delivery, so that what the seller bills while handling
    // unsubscribe-success is stamped before the unsubscription; marked even when the delivery
    // failed, as AWS unsubscribes whatever the seller's endpoint says.
    std::exception_ptr failure;
    try {
      co_await publish(lifecycle_change::unsubscribed, *customer);
    } catch (...) {
      failure = std::current_exception();
    }
    core_.mark_unsubscribed(who, options_.clock());
    if (failure) std::rethrow_exception(failure);
  }

  awaitable<void> set_entitlements(billed_customer who, std::vector<marketplace_entitlement> list) {
    const auto customer = core_.find(who);
    if (!customer) awsmp::detail::throw_error(errc::not_found, "marketplace_emulator: no such customer");
    for (auto& e : list) {
      if (e.product_code.empty()) e.product_code = customer->identity.product_code;
      e.customer_identifier = who.is_account() ? std::string() : who.customer_identifier;
      e.customer_aws_account_id = who.customer_aws_account_id;
      e.license_arn = who.license_arn;
    }
    core_.replace_entitlements(who, std::move(list));
    co_await publish(lifecycle_change::entitlements_changed, *customer);
  }

  awaitable<unsigned> publish_raw(std::string body) {
    auto publisher = require_events();
    auto& c = core_.counters();
    co_return co_await publisher->deliver(std::move(body), c.events_published, c.event_delivery_failures);
  }

 private:
  std::string endpoint_locked() const {
    std::string host = address_.to_string();
    if (address_.is_v6()) host = "[" + host + "]";
    return std::string(options_.tls ? "https://" : "http://") + host + ":" + std::to_string(port_.load());
  }

  static bool log_enabled(log_level level) noexcept { return awsmp::detail::log_enabled(level); }

  // `self` keeps the server alive while it accepts; each connection takes its own reference.
  awaitable<void> accept_loop(std::shared_ptr<emulator_server> self) {
    for (;;) {
      auto [ec, socket] =
          co_await acceptor_.async_accept(asio::make_strand(ex_), asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) co_return;
        // Out of descriptors or a transient error: back off briefly instead of spinning.
        asio::steady_timer pause(acceptor_.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      auto& counters = core_.counters();
      counters.connections.fetch_add(1, std::memory_order_relaxed);
      if (counters.active_connections.load(std::memory_order_relaxed) >= options_.max_connections) {
        counters.connections_rejected.fetch_add(1, std::memory_order_relaxed);
        boost::system::error_code ignored;
        socket.close(ignored);
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::shared_ptr<connection> conn;
      {
        std::lock_guard lock(mutex_);
        if (stopped_) co_return;
        conn = std::make_shared<connection>(std::move(socket), tls_context_ ? &*tls_context_ : nullptr,
                                            next_connection_++);
        connections_.emplace(conn->id, conn);
      }
      counters.active_connections.fetch_add(1, std::memory_order_relaxed);
      asio::co_spawn(conn->net.get_executor(), serve(self, conn), asio::detached);
    }
  }

  // `self` keeps the server alive while the connection lives.
  awaitable<void> serve(std::shared_ptr<emulator_server> self, std::shared_ptr<connection> conn) {
    (void)self;
    try {
      if (conn->tls) {
        conn->net.expires_after(options_.header_timeout);
        auto [ec] = co_await conn->tls->async_handshake(ssl::stream_base::server,
                                                        asio::as_tuple(asio::use_awaitable));
        if (!ec) {
          core_.counters().tls_handshakes.fetch_add(1, std::memory_order_relaxed);
          co_await session(*conn->tls, *conn);
        }
      } else {
        co_await session(conn->net, *conn);
      }
    } catch (const std::exception& e) {
      awsmp::detail::log(log_level::warning, std::string("awsmp emulator: connection failed: ") + e.what());
    }
    conn->close();
    core_.counters().active_connections.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    connections_.erase(conn->id);
  }

  template <class Stream>
  awaitable<void> session(Stream& stream, connection& conn) {
    beast::flat_buffer buffer{receive_buffer_limit};
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(request_header_limit);
      parser.body_limit(options_.max_body_bytes);
      if (buffer.size() == 0) {
        // Idle keep-alive wait: a long timeout, then the request itself must arrive promptly.
        conn.net.expires_after(options_.idle_timeout);
        auto [ec, n] =
            co_await stream.async_read_some(buffer.prepare(4096), asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        buffer.commit(n);
      }
      conn.net.expires_after(options_.header_timeout);
      auto [ec, n] =
          co_await http::async_read_header(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      if (!ec && !parser.is_done()) {
        // Slowloris-proof: the body gets the same deadline as the headers.
        std::tie(ec, n) =
            co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      }
      if (ec == http::error::body_limit) {
        core_.counters().requests.fetch_add(1, std::memory_order_relaxed);
        auto res = error_response(too_large(), 11, false);
        conn.net.expires_after(options_.header_timeout);
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        co_return;
      }
      if (ec) co_return;
      conn.net.expires_never();
      core_.counters().requests.fetch_add(1, std::memory_order_relaxed);
      http_request& req = parser.get();
      const bool keep_alive = req.keep_alive();
      const unsigned version = req.version();

      http_response res;
      const bool admin_request =
          std::string_view(req.target()).substr(0, admin_prefix.size()) == admin_prefix;
      if (auto refusal = foreign_origin(req, remote_); !refusal.empty()) {
        core_.counters().errors.fetch_add(1, std::memory_order_relaxed);
        res = to_http(make_error(403, "AccessDeniedException", refusal), version);
      } else if (admin_request && admin_enabled_) {
        // Not a conditional expression: g++ 12 mishandles a co_await in one branch of ?:.
        if (is_event_route(req))
          res = co_await admin_events(req);
        else
          res = admin(req);
      } else {
        service_response answer = service(req);
        if (answer.latency.count() > 0) {
          conn.delay.expires_after(answer.latency);
          auto [wait_ec] = co_await conn.delay.async_wait(asio::as_tuple(asio::use_awaitable));
          if (wait_ec) co_return;
        }
        // The nasty faults: the client sees the connection die (after a commit, with nothing to
        // tell it that its records were recorded).
        if (answer.action != response_action::answer) co_return;
        res = to_http(std::move(answer), version);
      }
      res.version(version);
      res.keep_alive(keep_alive);
      res.prepare_payload();
      conn.net.expires_after(options_.header_timeout);
      auto [write_ec, written] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      if (write_ec || !keep_alive) co_return;
    }
  }

  service_response too_large() {
    return make_error(413, "RequestEntityTooLargeException", "Request bodies must be smaller than 1 MB");
  }

  http_response error_response(service_response answer, unsigned version, bool keep_alive) {
    http_response res = to_http(std::move(answer), version);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
  }

  http_response to_http(service_response answer, unsigned version) {
    http_response res{static_cast<http::status>(answer.status), version};
    res.set(http::field::content_type, wire::content_type);
    res.set("x-amzn-RequestId", core_.next_request_id());
    if (!answer.error_type.empty()) res.set("x-amzn-ErrorType", answer.error_type);
    res.body() = std::move(answer.body);
    return res;
  }

  service_response service(http_request& req) {
    const time_point now = options_.clock();
    service_response answer = dispatch(req, now);
    if (awsmp::detail::log_enabled(log_level::debug))
      awsmp::detail::log(log_level::debug, "awsmp emulator: " + std::string(req["X-Amz-Target"]) + " -> " +
                                               std::to_string(answer.status) + " " + answer.error_type);
    return answer;
  }

  service_response dispatch(http_request& req, time_point now) {
    auto& counters = core_.counters();
    auto refuse = [&counters](service_response r) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      return r;
    };
    if (req.method() != http::verb::post || std::string_view(req.target()).substr(0, 1) != "/" ||
        (req.target() != "/" && std::string_view(req.target()).substr(0, 2) != "/?"))
      return refuse(make_error(404, "UnknownOperationException", "Only POST / is served (AWS JSON 1.1)"));
    if (options_.verify_signatures) {
      if (auto failure = verify_sigv4(req, auth_, now, keys_)) {
        counters.auth_failures.fetch_add(1, std::memory_order_relaxed);
        return refuse(make_error(failure->status, failure->type, failure->message));
      }
      if (auto it = req.find("x-amz-content-sha256");
          it != req.end() && it->value() != sha256_hex(req.body())) {
        counters.auth_failures.fetch_add(1, std::memory_order_relaxed);
        return refuse(
            make_error(403, "InvalidSignatureException",
                       "The provided 'x-amz-content-sha256' header does not match what was computed"));
      }
    }
    const std::string_view target = req["X-Amz-Target"];
    const operation op = parse_target(target);
    if (op == operation::unknown)
      return refuse(make_error(400, "UnknownOperationException", "Unknown X-Amz-Target"));
    const std::string_view content_type = req[http::field::content_type];
    if (content_type.substr(0, 26) != "application/x-amz-json-1.1" &&
        content_type.substr(0, 26) != "application/x-amz-json-1.0")
      return refuse(
          make_error(400, "UnknownOperationException", "Content-Type must be application/x-amz-json-1.1"));
    if (req.body().size() >= aws_body_limit) return refuse(too_large());
    return core_.handle(op, req.body(), now);
  }

  static bool is_event_route(const http_request& req) {
    const std::string_view t = req.target();
    return req.method() == http::verb::post &&
           (t == "/_emulator/subscribe" || t == "/_emulator/unsubscribe" ||
            t == "/_emulator/set-entitlements");
  }

  static billed_customer who_from_json(const boost::json::object& o) {
    auto member = [&o](std::string_view k) {
      const auto* v = o.if_contains(k);
      if (v && !v->is_string()) awsmp::detail::throw_invalid_argument(std::string(k), "must be a string");
      return v ? std::string(v->as_string()) : std::string();
    };
    std::string id = member("CustomerIdentifier");
    if (!id.empty()) return billed_customer::legacy(std::move(id));
    std::string account = member("CustomerAWSAccountId"), license = member("LicenseArn");
    if (account.empty() || license.empty())
      awsmp::detail::throw_invalid_argument("CustomerIdentifier",
                                            "name the customer, or CustomerAWSAccountId and LicenseArn");
    return billed_customer::account(std::move(account), std::move(license));
  }

  // The admin routes that publish events: their answer waits for the delivery.
  awaitable<http_response> admin_events(http_request& req) {
    http_response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    if (!options_.admin_token.empty()) {
      const std::string_view authorization = req[http::field::authorization];
      constexpr std::string_view bearer = "Bearer ";
      if (!authorization.starts_with(bearer) ||
          !same_secret(authorization.substr(bearer.size()), options_.admin_token)) {
        res.result(http::status::unauthorized);
        res.body() = boost::json::serialize(
            boost::json::object{{"message", "the admin endpoint needs Authorization: Bearer <admin token>"}});
        co_return res;
      }
    }
    const std::string_view target = req.target();
    const auto before = core_.counters().events_published.load();
    http::status status = http::status::ok;
    std::string message;
    try {
      const auto jv = boost::json::parse(req.body());
      if (target == "/_emulator/subscribe") {
        co_await subscribe(customer_from_json(jv));
      } else if (target == "/_emulator/unsubscribe") {
        const auto& o = jv.as_object();
        unsubscribe_stage stage = unsubscribe_stage::both;
        if (const auto* st = o.if_contains("Stage")) {
          const std::string_view v =
              st->is_string() ? std::string_view(st->get_string()) : std::string_view();
          if (v == "pending")
            stage = unsubscribe_stage::pending;
          else if (v == "success")
            stage = unsubscribe_stage::success;
          else if (v != "both")
            awsmp::detail::throw_invalid_argument("Stage", "must be pending, success or both");
        }
        co_await unsubscribe(who_from_json(o), stage);
      } else {
        const auto& o = jv.as_object();
        std::vector<marketplace_entitlement> list;
        if (const auto* es = o.if_contains("Entitlements")) {
          if (!es->is_array()) awsmp::detail::throw_invalid_argument("Entitlements", "must be an array");
          for (const auto& e : es->get_array()) list.push_back(entitlement_from_json(e));
        }
        co_await set_entitlements(who_from_json(o), std::move(list));
      }
    } catch (const boost::system::system_error& e) {
      status = e.code() == make_error_code(errc::not_found)       ? http::status::not_found
               : e.code() == make_error_code(errc::service_error) ? http::status::bad_gateway
                                                                  : http::status::bad_request;
      message = e.what();
    } catch (const std::exception& e) {
      status = http::status::bad_request;
      message = e.what();
    }
    res.result(status);
    boost::json::object body{{"published", core_.counters().events_published.load() - before}};
    if (!message.empty()) body["message"] = message;
    res.body() = boost::json::serialize(body);
    co_return res;
  }

  http_response admin(http_request& req) {
    const std::string_view target = req.target();
    const std::string_view path = target.substr(admin_prefix.size(), target.find('?') - admin_prefix.size());
    http_response res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    auto reply = [&res](http::status status, const boost::json::value& body) {
      res.result(status);
      res.body() = boost::json::serialize(body);
      return std::move(res);
    };
    const bool get = req.method() == http::verb::get, post = req.method() == http::verb::post;
    if (!options_.admin_token.empty()) {
      const std::string_view authorization = req[http::field::authorization];
      constexpr std::string_view bearer = "Bearer ";
      if (!authorization.starts_with(bearer) ||
          !same_secret(authorization.substr(bearer.size()), options_.admin_token))
        return reply(
            http::status::unauthorized,
            boost::json::object{{"message", "the admin endpoint needs Authorization: Bearer <admin token>"}});
    }
    try {
      if (get && path == "health") return reply(http::status::ok, boost::json::object{{"status", "ok"}});
      if (get && path == "stats") return reply(http::status::ok, to_json(core_.counters().snapshot()));
      if (get && path == "ledger")
        return reply(http::status::ok, ledger_to_json(core_.accepted_records(), core_.totals()));
      if (get && path == "faults") return reply(http::status::ok, to_json(core_.faults()));
      if (post && path == "faults") {
        core_.set_faults(faults_from_json(boost::json::parse(req.body()), core_.faults()));
        return reply(http::status::ok, to_json(core_.faults()));
      }
      if (post && path == "inject") {
        const auto jv = boost::json::parse(req.body());
        const auto& obj = jv.as_object();
        const std::string_view kind = obj.at("kind").as_string();
        const std::size_t count = inject_count_from_json(jv);
        fault_kind k;
        if (kind == "throttle")
          k = fault_kind::throttle;
        else if (kind == "server_error")
          k = fault_kind::server_error;
        else if (kind == "drop_connection")
          k = fault_kind::drop_connection;
        else if (kind == "drop_after_commit")
          k = fault_kind::drop_after_commit;
        else
          awsmp::detail::throw_invalid_argument(
              "kind", "must be throttle, server_error, drop_connection or drop_after_commit");
        core_.inject(k, static_cast<std::size_t>(count));
        return reply(http::status::ok, boost::json::object{{"queued", count}});
      }
      if (post && path == "reset") {
        core_.reset();
        return reply(http::status::ok, boost::json::object{{"reset", true}});
      }
      if (post && path == "customers") {
        const auto jv = boost::json::parse(req.body());
        std::size_t added = 0;
        if (jv.is_array()) {
          std::vector<emulated_customer> customers;
          for (const auto& c : jv.get_array()) customers.push_back(customer_from_json(c));
          for (auto& c : customers) core_.add_customer(std::move(c)), ++added;
        } else {
          core_.add_customer(customer_from_json(jv));
          ++added;
        }
        return reply(http::status::ok, boost::json::object{{"added", added}});
      }
      if (post && path == "entitlements") {
        const auto jv = boost::json::parse(req.body());
        std::size_t added = 0;
        if (jv.is_array()) {
          std::vector<marketplace_entitlement> list;
          for (const auto& e : jv.get_array()) list.push_back(entitlement_from_json(e));
          for (auto& e : list) core_.add_entitlement(std::move(e)), ++added;
        } else {
          core_.add_entitlement(entitlement_from_json(jv));
          ++added;
        }
        return reply(http::status::ok, boost::json::object{{"added", added}});
      }
      return reply(http::status::not_found, boost::json::object{{"message", "no such admin resource"}});
    } catch (const std::exception& e) {
      return reply(http::status::bad_request, boost::json::object{{"message", e.what()}});
    }
  }

  emulator_options options_;
  asio::ip::address address_;
  bool remote_ = false;         // bound beyond loopback
  bool admin_enabled_ = false;  // serve /_emulator/*
  asio::any_io_executor ex_;
  emulator_core core_;
  auth_settings auth_;
  sigv4::signing_key_cache keys_;
  std::optional<ssl::context> tls_context_;
  std::string ca_pem_;
  std::shared_ptr<event_publisher> events_;  // set by start() when a target is configured
  tcp::acceptor acceptor_;
  std::atomic<std::uint16_t> port_{0};
  mutable std::mutex mutex_;
  bool started_ = false;
  bool stopped_ = false;
  std::uint64_t next_connection_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> connections_;
};

}  // namespace detail

// ---------------------------------------------------------------------------------------------

marketplace_emulator::marketplace_emulator(asio::any_io_executor ex, emulator_options options)
    : server_(std::make_shared<detail::emulator_server>(std::move(ex), std::move(options))) {}

marketplace_emulator::marketplace_emulator(emulator_options options)
    : runner_(std::make_unique<detail::emulator_runner>()),
      server_(std::make_shared<detail::emulator_server>(runner_->ioc.get_executor(), std::move(options))) {}

marketplace_emulator::~marketplace_emulator() {
  stop();
}

void marketplace_emulator::start() {
  server_->start();
  if (runner_ && !runner_->thread.joinable())
    runner_->thread = std::thread([r = runner_.get()] { r->ioc.run(); });
}

void marketplace_emulator::stop() noexcept {
  server_->stop();
  // Every pending operation was cancelled by stop(), so run() returns once they unwind.
  if (runner_ && runner_->thread.joinable() && runner_->thread.get_id() != std::this_thread::get_id())
    runner_->thread.join();
}

std::uint16_t marketplace_emulator::port() const noexcept {
  return server_->port();
}
std::string marketplace_emulator::endpoint() const {
  return server_->endpoint();
}
std::string marketplace_emulator::ca_certificate_pem() const {
  return server_->ca_pem();
}
const std::string& marketplace_emulator::ca_file() const noexcept {
  return server_->options().ca_file;
}
std::vector<accepted_record> marketplace_emulator::accepted_records() const {
  return server_->core().accepted_records();
}
std::vector<usage_total> marketplace_emulator::totals() const {
  return server_->core().totals();
}
std::int64_t marketplace_emulator::total(std::string_view customer, std::string_view dimension) const {
  return server_->core().total(customer, dimension);
}
std::int64_t marketplace_emulator::total(const billed_customer& who, std::string_view dimension) const {
  return server_->core().total(who, dimension);
}
emulator_stats marketplace_emulator::stats() const noexcept {
  return server_->core().counters().snapshot();
}
void marketplace_emulator::set_faults(const fault_options& faults) {
  server_->core().set_faults(faults);
}
void marketplace_emulator::inject(fault_kind kind, std::size_t count) {
  server_->core().inject(kind, count);
}
void marketplace_emulator::add_customer(emulated_customer customer) {
  server_->core().add_customer(std::move(customer));
}
void marketplace_emulator::add_entitlement(marketplace_entitlement entitlement) {
  server_->core().add_entitlement(std::move(entitlement));
}
void marketplace_emulator::reset() {
  server_->core().reset();
}

awaitable<void> marketplace_emulator::subscribe(emulated_customer customer) {
  return server_->subscribe(std::move(customer));
}
awaitable<void> marketplace_emulator::unsubscribe(billed_customer who, unsubscribe_stage stage) {
  return server_->unsubscribe(std::move(who), stage);
}
awaitable<void> marketplace_emulator::set_entitlements(billed_customer who,
                                                       std::vector<marketplace_entitlement> entitlements) {
  return server_->set_entitlements(std::move(who), std::move(entitlements));
}
awaitable<unsigned> marketplace_emulator::publish_raw(std::string body) {
  return server_->publish_raw(std::move(body));
}
std::string marketplace_emulator::signed_sns_notification(std::string message, std::string topic_arn,
                                                          std::string signing_cert_url) const {
  auto events = server_->require_events();
  const auto& e = events->settings().options;
  return events->sign_notification(message, topic_arn.empty() ? e.subscription_topic_arn : topic_arn,
                                   signing_cert_url.empty() ? e.signing_cert_url : signing_cert_url,
                                   server_->options().clock());
}
std::string marketplace_emulator::sns_signing_certificate_pem() const {
  auto events = server_->events();
  return events ? events->settings().cert_pem : std::string();
}
std::string marketplace_emulator::sns_ca_certificate_pem() const {
  auto events = server_->events();
  return events ? events->settings().ca_pem : std::string();
}
std::string marketplace_emulator::sns_signing_cert_url() const {
  auto events = server_->events();
  return events ? events->settings().options.signing_cert_url : std::string();
}
std::string marketplace_emulator::subscription_topic_arn() const {
  auto events = server_->events();
  return events ? events->settings().options.subscription_topic_arn : std::string();
}
std::string marketplace_emulator::entitlement_topic_arn() const {
  auto events = server_->events();
  return events ? events->settings().options.entitlement_topic_arn : std::string();
}
certificate_fetcher marketplace_emulator::sns_certificate_fetcher() const {
  auto events = server_->events();
  std::string url = events ? events->settings().options.signing_cert_url : std::string();
  std::string pem = events ? events->settings().cert_pem : std::string();
  return [url = std::move(url), pem = std::move(pem)](std::string asked) -> awaitable<std::string> {
    if (url.empty() || asked != url)
      throw std::runtime_error("the emulator serves only its own SigningCertURL");
    co_return pem;
  };
}

}  // namespace awsmp::testing
