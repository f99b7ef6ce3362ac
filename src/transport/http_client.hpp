// Internal transport: a keep-alive HTTP(S) connection pool for one endpoint (Beast + OpenSSL).
// Only src/ and tests include this; Beast's streams and OpenSSL stay out of public headers.
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct ssl_st;  // OpenSSL's SSL, kept out of this header

namespace awsmp::detail {

using http_response = boost::beast::http::response<boost::beast::http::string_body>;

/// A parsed endpoint URL: scheme http or https, host, port (defaulted), base path ("/" if none).
struct endpoint {
  bool tls = true;
  std::string host;
  std::string port;
  std::string path = "/";
  /// Parses "https://host[:port][/path]"; throws system_error(errc::invalid_argument).
  static endpoint parse(std::string_view url);
  /// The Host header value: host, plus ":port" when not the scheme's default.
  std::string host_header() const;
};

/// A parsed http(s) URL: its endpoint and the request target ("/path[?query]").
struct parsed_url {
  endpoint ep;
  std::string target = "/";
  bool explicit_port = false;  ///< the URL named its port
};

/// The one URL parser of awsmp (service endpoints, credentials endpoints, STS): scheme http or
/// https, no user information or fragment, a DNS name (no percent-encoding) or an IPv4/IPv6
/// literal, port 1..65535. A query is kept in `target` when `allow_query`, refused otherwise.
/// Throws system_error(errc::invalid_argument) "<field>: <rule>".
parsed_url parse_url(std::string_view url, std::string_view field, bool allow_query);

/// True for "localhost" and loopback IP literals (127.0.0.0/8, ::1); never throws.
bool is_loopback_host(std::string_view host) noexcept;

/// Transport settings of one pool.
struct http_client_options {
  std::chrono::milliseconds timeout{10'000};  ///< per attempt: connect + handshake + write + read
  std::size_t max_connections = 8;
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  std::string ca_file;  ///< extra PEM trust anchor on top of the system store
  bool verify_peer =
      true;  ///< false: no certificate checks (logged as a warning once); loopback hosts only ...
  bool allow_insecure_remote = false;  ///< ... unless this is true too
};

/// Counters of one pool.
struct http_client_stats {
  std::uint64_t requests = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t tls_handshakes = 0;
  std::uint64_t stale_reconnects = 0;
  bool certificate_checks_disabled = false;  ///< an https endpoint with verify_peer = false
};

/// Sets the TLS name checks of one client connection: SNI for a DNS name, and with `verify_peer`
/// the certificate's host name (no partial wildcards) or IP address. Throws
/// system_error(errc::invalid_argument) when OpenSSL refuses any of them (a connection whose
/// name check silently failed to be set would accept any trusted certificate).
void configure_tls_names(ssl_st* ssl, const std::string& host, bool is_ip, bool verify_peer);

/// Sends requests to one endpoint over at most max_connections keep-alive connections.
/// Thread-safe; cancellation of the awaiting coroutine closes that attempt's connection and
/// leaves the pool usable. Host header is filled in when absent.
class http_client {
 public:
  /// Throws system_error(errc::invalid_argument) for an unreadable CA file, or verify_peer=false
  /// on a non-loopback https endpoint without allow_insecure_remote.
  http_client(asio::any_io_executor ex, endpoint ep, http_client_options options);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// One attempt (plus one transparent reconnect when a pooled connection was stale before any
  /// response byte arrived). Throws system_error: errc::timeout, errc::response_too_large,
  /// asio/ssl errors for connection and TLS failures, operation_aborted when cancelled.
  awaitable<http_response> send(http_request request);

  /// A snapshot of the counters; never throws.
  http_client_stats stats() const noexcept;
  const endpoint& target() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace awsmp::detail
