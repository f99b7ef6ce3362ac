#include <algorithm>
#include <awsmp/error.hpp>
#include <awsmp/imds_credentials_provider.hpp>
#include <cctype>

#include "core/cleanse.hpp"
#include "core/throw.hpp"
#include "credentials/credentials_http.hpp"
#include "credentials/credentials_json.hpp"
#include "credentials/shared_config.hpp"

namespace awsmp {
namespace {

constexpr std::string_view credentials_path = "/latest/meta-data/iam/security-credentials/";

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Joins the endpoint's own base path (an override may carry one) with an IMDS path.
std::string join(std::string_view base, std::string_view path) {
  std::string out(base);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out += path;
  return out;
}

// IMDS answers the role listing with one role name per line; a name is a path segment.
std::string first_role(std::string_view body) {
  const auto eol = body.find_first_of("\r\n");
  std::string_view role = body.substr(0, eol);
  while (!role.empty() && (role.back() == ' ' || role.back() == '\t')) role.remove_suffix(1);
  if (role.empty()) detail::throw_error(errc::malformed_message, "IMDS: the instance role listing is empty");
  for (unsigned char c : role)
    if (!(std::isalnum(c) || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' ||
          c == '-'))
      detail::throw_error(errc::malformed_message,
                          "IMDS: the instance role name has a character IAM does not allow");
  return std::string(role);
}

[[noreturn]] void fail_status(std::string_view step, unsigned status) {
  detail::throw_error(errc::service_error,
                      "IMDS: " + std::string(step) + " answered HTTP " + std::to_string(status));
}

}  // namespace

imds_credentials_provider::imds_credentials_provider(asio::any_io_executor ex, environment_lookup env,
                                                     imds_credentials_options options)
    : ex_(std::move(ex)), env_(std::move(env)), options_(options) {}

awaitable<credentials> imds_credentials_provider::get() {
  if (auto disabled = detail::env_value(env_, "AWS_EC2_METADATA_DISABLED");
      disabled && iequals(*disabled, "true"))
    detail::throw_error(errc::credentials_unavailable, "IMDS is disabled by AWS_EC2_METADATA_DISABLED");
  if (options_.token_ttl < std::chrono::seconds{1} || options_.token_ttl > std::chrono::seconds{21'600})
    detail::throw_invalid_argument("imds_credentials_options.token_ttl", "must be 1..21600 seconds");

  std::string base_url = "http://169.254.169.254";
  std::string_view field = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
  if (auto endpoint = detail::env_value(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    base_url = *endpoint;
  } else if (auto mode = detail::env_value(env_, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")) {
    field = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";
    if (iequals(*mode, "IPv6"))
      base_url = "http://[fd00:ec2::254]";
    else if (!iequals(*mode, "IPv4"))
      detail::throw_invalid_argument("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "must be IPv4 or IPv6");
  }
  const auto base = detail::parse_credentials_url(base_url, field);
  const std::string where = "IMDS at " + base.host_header;

  auto at = [&](std::string_view path) {
    auto url = base;
    url.target = join(base.target == "/" ? std::string_view{} : std::string_view(base.target), path);
    return url;
  };
  auto send = [&](const detail::credentials_url& url,
                  http_request request) -> awaitable<detail::http_response> {
    co_return co_await detail::send_with_retry(ex_, url, std::move(request), options_.timeout,
                                               options_.max_attempts);
  };

  // Step 1: the session token. Not reaching IMDS at all means "not on EC2": not configured.
  detail::http_response token_response;
  {
    http_request put{boost::beast::http::verb::put, "", 11};
    const auto url = at("/latest/api/token");
    put.target(url.target);
    put.set("X-aws-ec2-metadata-token-ttl-seconds", std::to_string(options_.token_ttl.count()));
    try {
      token_response = co_await send(url, std::move(put));
    } catch (const boost::system::system_error& e) {
      if (e.code() == boost::asio::error::operation_aborted) throw;
      detail::throw_error(errc::credentials_unavailable, where + " is not reachable: " + e.code().message());
    }
  }
  const auto token_status = token_response.result_int();
  if (token_status == 403)
    detail::throw_error(errc::credentials_unavailable,
                        where + " refuses session tokens (IMDS disabled for this instance)");
  if (token_status == 404 || token_status == 405)
    detail::throw_error(errc::credentials_unavailable, where + " does not offer IMDSv2 session tokens");
  if (token_status != 200) fail_status("PUT /latest/api/token", token_status);
  const std::string token = token_response.body();
  if (token.empty() || token.find_first_of("\r\n") != std::string::npos)
    detail::throw_error(errc::malformed_message, "IMDS: the session token is empty or not a header value");

  // Step 2: the role name.
  http_request list{boost::beast::http::verb::get, "", 11};
  const auto list_url = at(credentials_path);
  list.target(list_url.target);
  list.set("X-aws-ec2-metadata-token", token);
  const auto list_response = co_await send(list_url, std::move(list));
  if (list_response.result_int() == 404)
    detail::throw_error(errc::credentials_unavailable, where + ": no IAM role is attached to this instance");
  if (list_response.result_int() != 200)
    fail_status("GET " + std::string(credentials_path), list_response.result_int());
  const auto role = first_role(list_response.body());

  // Step 3: the role's credentials.
  http_request fetch{boost::beast::http::verb::get, "", 11};
  const auto role_url = at(std::string(credentials_path) + role);
  fetch.target(role_url.target);
  fetch.set("X-aws-ec2-metadata-token", token);
  auto response = co_await send(role_url, std::move(fetch));
  detail::cleanse_on_exit wipe_response(response.body());  // the document holds the secret key
  if (response.result_int() != 200)
    fail_status("GET " + std::string(credentials_path) + role, response.result_int());
  co_return detail::parse_credentials_json(response.body(), "IMDS");
}

}  // namespace awsmp
