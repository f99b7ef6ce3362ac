#include "credentials/credentials_http.hpp"
#include "core/throw.hpp"
#include "core/log_line.hpp"

#include <awsmp/error.hpp>
#include <awsmp/log.hpp>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <charconv>
#include <exception>
#include <system_error>

namespace awsmp::detail {

credentials_url parse_credentials_url(std::string_view url, std::string_view field) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw_invalid_argument(field, "is not an absolute URL");
  const auto& u = *parsed;
  credentials_url out;
  if (u.scheme_id() == boost::urls::scheme::https)
    out.ep.tls = true;
  else if (u.scheme_id() == boost::urls::scheme::http)
    out.ep.tls = false;
  else
    throw_invalid_argument(field, "must use http or https");
  // Credentials in the URL would end up in logs and Host headers; the SDKs refuse them too.
  if (u.has_userinfo()) throw_invalid_argument(field, "must not contain user information");
  if (u.host_type() == boost::urls::host_type::ipv6)
    out.ep.host = u.host_ipv6_address().to_string();
  else
    out.ep.host = std::string(u.host_address());
  if (out.ep.host.empty()) throw_invalid_argument(field, "has no host");
  if (u.has_port()) {
    const auto port = u.port();
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      throw_invalid_argument(field, "port must be a number from 1 to 65535");
    out.ep.port = std::to_string(value);
  } else {
    out.ep.port = out.ep.tls ? "443" : "80";
  }
  out.ep.path = "/";
  const std::string host_for_header =
      u.host_type() == boost::urls::host_type::ipv6 ? "[" + out.ep.host + "]" : out.ep.host;
  out.host_header = u.has_port() ? host_for_header + ":" + out.ep.port : host_for_header;
  out.target = std::string(u.encoded_path());
  if (out.target.empty()) out.target = "/";
  if (u.has_query()) {
    out.target += '?';
    out.target += std::string(u.encoded_query());
  }
  return out;
}

bool is_allowed_container_http_host(std::string_view host) noexcept {
  if (host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return false;
  if (address.is_loopback()) return true;
  if (address.is_v4()) {
    const auto v4 = address.to_v4().to_string();
    return v4 == "169.254.170.2" || v4 == "169.254.170.23";
  }
  return address.to_v6() == boost::asio::ip::make_address_v6("fd00:ec2::23");
}

awaitable<http_response> send_with_retry(asio::any_io_executor ex, const credentials_url& url, http_request request,
                                         std::chrono::milliseconds timeout, int max_attempts) {
  http_client_options options;
  options.timeout = timeout;
  options.max_connections = 1;
  options.max_response_bytes = 64 * 1024;  // credentials documents are tiny; refuse a flood
  http_client client(ex, url.ep, options);
  request.set(boost::beast::http::field::host, url.host_header);
  if (max_attempts < 1) max_attempts = 1;
  std::exception_ptr last_error;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    try {
      auto response = co_await client.send(request);
      if (response.result_int() < 500 || attempt == max_attempts) co_return response;
      log(log_level::debug, "credentials endpoint " + url.ep.host + " answered HTTP " +
                                std::to_string(response.result_int()) + "; retrying");
    } catch (const boost::system::system_error& e) {
      if (e.code() == boost::asio::error::operation_aborted) throw;  // cancelled: do not retry
      last_error = std::current_exception();
      log(log_level::debug, "credentials endpoint " + url.ep.host + ": " + e.code().message() +
                                (attempt < max_attempts ? "; retrying" : ""));
    }
  }
  std::rethrow_exception(last_error);
}

}  // namespace awsmp::detail
