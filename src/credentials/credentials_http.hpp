// The small HTTP helper of the network credentials providers: bounded attempts on
// http_client, with the failure classified for the chain.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "transport/http_client.hpp"

namespace awsmp::detail {

/// Parses a credentials endpoint URL (http or https, IPv6 in brackets) into an endpoint and
/// the request target (path and query). Throws system_error(errc::invalid_argument) naming
/// `field`.
struct credentials_url {
  endpoint ep;
  std::string target;       ///< "/path?query"
  std::string host_header;  ///< host[:port], IPv6 in brackets
};
credentials_url parse_credentials_url(std::string_view url, std::string_view field);

/// Pure: true when plain http to `host` is allowed for container credentials (loopback,
/// localhost, 169.254.170.2, 169.254.170.23, fd00:ec2::23).
bool is_allowed_container_http_host(std::string_view host) noexcept;

/// Sends `request` to `url` with up to `max_attempts` attempts of `timeout` each; a retry
/// happens after a transport error or a 5xx answer. Returns the last answer; throws the last
/// transport error when no answer came.
awaitable<http_response> send_with_retry(asio::any_io_executor ex, const credentials_url& url,
                                         http_request request, std::chrono::milliseconds timeout,
                                         int max_attempts);

}  // namespace awsmp::detail
