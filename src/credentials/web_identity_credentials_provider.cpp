#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/region.hpp>
#include <awsmp/web_identity_credentials_provider.hpp>
#include <exception>

#include "core/cleanse.hpp"
#include "core/log_line.hpp"
#include "core/redact.hpp"
#include "core/throw.hpp"
#include "credentials/credentials_http.hpp"
#include "credentials/ini_file.hpp"
#include "credentials/shared_config.hpp"
#include "credentials/sts_xml.hpp"
#include "wire/rules.hpp"

namespace awsmp {
namespace {

bool is_session_name_char(unsigned char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
         c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
}

std::string default_endpoint(std::string_view region) {
  if (region.empty()) return "https://sts.amazonaws.com";
  const std::string_view suffix = region.starts_with("cn-") ? ".amazonaws.com.cn" : ".amazonaws.com";
  return "https://sts." + std::string(region) + std::string(suffix);
}

void validate(const web_identity_options& o) {
  if (o.role_arn.empty()) detail::throw_invalid_argument("role_arn", "is required");
  if (!o.role_arn.starts_with("arn:") || o.role_arn.size() < 20 || o.role_arn.size() > 2048)
    detail::throw_invalid_argument("role_arn", "must be an IAM role ARN (arn:..., 20..2048 characters)");
  if (o.token_file.empty()) detail::throw_invalid_argument("token_file", "is required");
  // The region is spliced into the STS host name (sts.<region>.amazonaws.com).
  if (o.sts_endpoint.empty() && !o.region.empty() && !detail::is_region_name(o.region))
    detail::throw_invalid_argument("region",
                                   "is not a region name (1..63 of a-z, 0-9, '-', starting with a letter)");
  if (!o.role_session_name.empty()) {
    if (o.role_session_name.size() < 2 || o.role_session_name.size() > 64)
      detail::throw_invalid_argument("role_session_name", "must be 2..64 characters");
    for (unsigned char c : o.role_session_name)
      if (!is_session_name_char(c))
        detail::throw_invalid_argument("role_session_name", "may contain only letters, digits and _+=,.@-");
  }
}

}  // namespace

std::optional<web_identity_options> web_identity_options::from_environment(const environment_lookup& env) {
  auto token_file = detail::env_value(env, "AWS_WEB_IDENTITY_TOKEN_FILE");
  auto role_arn = detail::env_value(env, "AWS_ROLE_ARN");
  if (!token_file && !role_arn) return std::nullopt;
  if (!token_file)
    detail::throw_invalid_argument("AWS_WEB_IDENTITY_TOKEN_FILE", "must be set when AWS_ROLE_ARN is");
  if (!role_arn)
    detail::throw_invalid_argument("AWS_ROLE_ARN", "must be set when AWS_WEB_IDENTITY_TOKEN_FILE is");
  web_identity_options o;
  o.token_file = detail::expand_home(*token_file, env);
  o.role_arn = std::move(*role_arn);
  if (auto name = detail::env_value(env, "AWS_ROLE_SESSION_NAME")) o.role_session_name = std::move(*name);
  if (auto sts = detail::env_value(env, "AWS_ENDPOINT_URL_STS"))
    o.sts_endpoint = std::move(*sts);
  else if (auto global = detail::env_value(env, "AWS_ENDPOINT_URL"))
    o.sts_endpoint = std::move(*global);
  if (o.sts_endpoint.empty()) o.region = find_region(env).value_or("");
  return o;
}

web_identity_credentials_provider::web_identity_credentials_provider(asio::any_io_executor ex,
                                                                     environment_lookup env)
    : ex_(std::move(ex)), env_(std::move(env)) {}

web_identity_credentials_provider::web_identity_credentials_provider(asio::any_io_executor ex,
                                                                     web_identity_options options)
    : ex_(std::move(ex)), options_(std::move(options)) {}

awaitable<credentials> web_identity_credentials_provider::get() {
  auto options = options_ ? options_ : web_identity_options::from_environment(env_);
  if (!options)
    detail::throw_error(errc::credentials_unavailable,
                        "AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not set");
  validate(*options);
  // Messages name what the user wrote: the variables, or the option members.
  const std::string_view token_field = options_ ? "token_file" : "AWS_WEB_IDENTITY_TOKEN_FILE";
  const std::string_view endpoint_field = options_ ? "sts_endpoint" : "AWS_ENDPOINT_URL_STS";

  // Re-read on every call: Kubernetes and CI systems rotate the projected token.
  auto text = detail::read_optional_file(options->token_file, detail::max_token_file_bytes);
  // The token is a bearer credential: wiped from every buffer that held it when this returns.
  std::string no_text;
  detail::cleanse_on_exit wipe_text(text ? *text : no_text);
  if (!text)
    detail::throw_invalid_argument(token_field,
                                   "names a file that does not exist: " + options->token_file.string());
  std::string_view token = *text;
  while (!token.empty() &&
         (token.back() == '\n' || token.back() == '\r' || token.back() == ' ' || token.back() == '\t'))
    token.remove_suffix(1);
  if (token.empty())
    detail::throw_invalid_argument(token_field, "names an empty file: " + options->token_file.string());
  // STS's limits on WebIdentityToken; checked here so that nothing doomed is sent.
  if (token.size() < 4 || token.size() > 20'000)
    detail::throw_invalid_argument(token_field,
                                   "the token must be 4..20000 characters: " + options->token_file.string());

  std::string session_name = options->role_session_name;
  if (session_name.empty()) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    session_name = "awsmp-" + std::to_string(ms);
  }

  const std::string endpoint_url =
      options->sts_endpoint.empty() ? default_endpoint(options->region) : options->sts_endpoint;
  const auto url = detail::parse_credentials_url(endpoint_url, endpoint_field);
  // The token is a bearer credential: in clear text only to a server on this machine.
  if (!url.ep.tls && !detail::is_loopback_host(url.ep.host))
    detail::throw_invalid_argument(
        endpoint_field, "http:// is allowed only for loopback hosts (localhost, 127.0.0.1, ::1); use https");
  http_request request{boost::beast::http::verb::post, url.target, 11};
  request.set(boost::beast::http::field::content_type, "application/x-www-form-urlencoded; charset=utf-8");
  request.set(boost::beast::http::field::accept, "text/xml");
  request.body() = detail::assume_role_with_web_identity_body(options->role_arn, session_name, token);
  request.prepare_payload();
  detail::cleanse_on_exit wipe_request(request.body());

  const int attempts = std::max(1, options->max_attempts);
  for (int attempt = 1;; ++attempt) {
    detail::http_response response;
    try {
      response = co_await detail::send_with_retry(ex_, url, request, options->timeout, 1);
    } catch (const boost::system::system_error& e) {
      if (e.code() == boost::asio::error::operation_aborted || attempt >= attempts) throw;
      detail::log(log_level::debug, "STS AssumeRoleWithWebIdentity at " + url.host_header + ": " +
                                        e.code().message() + "; retrying");
      continue;
    }
    const unsigned status = response.result_int();
    detail::cleanse_on_exit wipe_response(response.body());  // holds the new secret key on success
    if (status == 200) co_return detail::parse_assume_role_with_web_identity_response(response.body());
    auto error = detail::parse_sts_error(response.body());
    if (error.code.empty()) error.code = "UnknownError";
    if (error.request_id.empty()) error.request_id = std::string(response["x-amzn-RequestId"]);
    // IDPCommunicationError is the SDKs' one retryable STS code besides 5xx: the identity
    // provider did not answer STS in time.
    const bool retryable =
        status >= 500 || error.code == "IDPCommunicationError" || is_retryable_error(error.code, status);
    if (retryable && attempt < attempts) {
      detail::log(log_level::debug, "STS AssumeRoleWithWebIdentity answered " +
                                        detail::sanitize_peer_text(error.code, 256, {token}) + "; retrying");
      continue;
    }
    // AWS does not echo the token, but a proxy or emulator might, anywhere and more than once;
    // and the text is the peer's: cap it and drop control characters as decode_aws_error does.
    auto code = detail::sanitize_peer_text(error.code, 256, {token});
    auto message = detail::sanitize_peer_text(error.message, 1024, {token});
    auto request_id = detail::sanitize_peer_text(error.request_id, 256, {token});
    throw aws_error(status, std::move(code), std::move(message), std::move(request_id));
  }
}

}  // namespace awsmp
