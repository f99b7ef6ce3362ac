#include <awsmp/container_credentials_provider.hpp>
#include <awsmp/error.hpp>

#include "core/cleanse.hpp"
#include "core/throw.hpp"
#include "credentials/credentials_http.hpp"
#include "credentials/credentials_json.hpp"
#include "credentials/ini_file.hpp"
#include "credentials/shared_config.hpp"

namespace awsmp {
namespace {

constexpr std::string_view ecs_host = "http://169.254.170.2";

std::string_view trim_token(std::string_view s) noexcept {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// A token with CR/LF or other controls would let a file inject headers into the request.
void check_token(std::string_view token, std::string_view field) {
  if (token.empty()) detail::throw_invalid_argument(field, "is empty");
  for (unsigned char c : token)
    if (c < 0x20 || c == 0x7F) detail::throw_invalid_argument(field, "contains a control character");
}

}  // namespace

container_credentials_provider::container_credentials_provider(asio::any_io_executor ex,
                                                               environment_lookup env,
                                                               container_credentials_options options)
    : ex_(std::move(ex)), env_(std::move(env)), options_(options) {}

awaitable<credentials> container_credentials_provider::get() {
  detail::credentials_url url;
  if (auto relative = detail::env_value(env_, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    if (relative->front() != '/')
      detail::throw_invalid_argument("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "must start with '/'");
    url = detail::parse_credentials_url(std::string(ecs_host) + *relative,
                                        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
  } else if (auto full = detail::env_value(env_, "AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = detail::parse_credentials_url(*full, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    // Without TLS, only a host that cannot be somebody else's machine may receive the token.
    if (!url.ep.tls && !detail::is_allowed_container_http_host(url.ep.host))
      detail::throw_invalid_argument("AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                     "http is allowed only to loopback, 169.254.170.2, 169.254.170.23 or "
                                     "fd00:ec2::23 (use https for other hosts)");
  } else {
    detail::throw_error(
        errc::credentials_unavailable,
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
  }

  http_request request{boost::beast::http::verb::get, url.target, 11};
  request.set(boost::beast::http::field::accept, "application/json");
  if (auto file = detail::env_value(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    // Re-read on every call: EKS Pod Identity rotates the token file.
    const auto path = detail::expand_home(*file, env_);
    auto text = detail::read_optional_file(path, detail::max_token_file_bytes);
    std::string no_text;
    detail::cleanse_on_exit wipe_text(text ? *text : no_text);
    if (!text)
      detail::throw_invalid_argument("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                                     "names a file that does not exist");
    const auto token = trim_token(*text);
    check_token(token, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    request.set(boost::beast::http::field::authorization, token);
  } else if (auto token = detail::env_value(env_, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
    check_token(*token, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    request.set(boost::beast::http::field::authorization, *token);
  }

  auto response =
      co_await detail::send_with_retry(ex_, url, std::move(request), options_.timeout, options_.max_attempts);
  detail::cleanse_on_exit wipe_response(response.body());  // the document holds the secret key
  if (response.result_int() != 200)
    detail::throw_error(errc::service_error, "container credentials endpoint " + url.host_header +
                                                 " answered HTTP " + std::to_string(response.result_int()));
  co_return detail::parse_credentials_json(response.body(), "container credentials endpoint");
}

}  // namespace awsmp
