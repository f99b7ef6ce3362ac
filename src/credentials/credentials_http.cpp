#include "credentials/credentials_http.hpp"

#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <boost/asio/ip/address.hpp>
#include <exception>
#include <system_error>

#include "core/log_line.hpp"
#include "core/throw.hpp"

namespace awsmp::detail {

credentials_url parse_credentials_url(std::string_view url, std::string_view field) {
  auto parsed = parse_url(url, field, true);
  credentials_url out;
  out.ep = std::move(parsed.ep);
  out.target = std::move(parsed.target);
  out.ep.path = "/";
  const std::string host_for_header =
      out.ep.host.find(':') != std::string::npos ? "[" + out.ep.host + "]" : out.ep.host;
  out.host_header = parsed.explicit_port ? host_for_header + ":" + out.ep.port : host_for_header;
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

awaitable<http_response> send_with_retry(asio::any_io_executor ex, const credentials_url& url,
                                         http_request request, std::chrono::milliseconds timeout,
                                         int max_attempts) {
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
