#include <awsmp/error.hpp>
#include <awsmp/profile_credentials_provider.hpp>
#include <awsmp/web_identity_credentials_provider.hpp>

#include "core/throw.hpp"
#include "credentials/shared_config.hpp"
#include "wire/rules.hpp"

namespace awsmp {
namespace {

const std::string* property(const detail::profile_properties& p, std::string_view key) {
  auto it = p.find(key);
  return it == p.end() || it->second.empty() ? nullptr : &it->second;
}

}  // namespace

profile_credentials_provider::profile_credentials_provider(asio::any_io_executor ex, environment_lookup env,
                                                           profile_credentials_options options)
    : ex_(std::move(ex)), env_(std::move(env)), options_(std::move(options)) {}

awaitable<credentials> profile_credentials_provider::get() {
  const auto where =
      detail::locate_shared_config(env_, options_.profile, options_.credentials_file, options_.config_file);
  const std::string name = "profile '" + where.profile + "'";
  const auto props = detail::load_profile(where);
  if (!props) {
    const std::string message =
        name + " is in neither " + where.credentials_file.string() + " nor " + where.config_file.string();
    // An explicitly chosen profile that does not exist is a mistake to report, not an absence.
    if (where.profile_explicit) detail::throw_error(errc::not_found, message);
    detail::throw_error(errc::credentials_unavailable, message);
  }

  const auto* key = property(*props, "aws_access_key_id");
  const auto* secret = property(*props, "aws_secret_access_key");
  if (key || secret) {
    if (!key) detail::throw_invalid_argument(name, "has aws_secret_access_key but no aws_access_key_id");
    if (!secret) detail::throw_invalid_argument(name, "has aws_access_key_id but no aws_secret_access_key");
    credentials out;
    out.access_key_id = *key;
    out.secret_access_key = *secret;
    if (const auto* token = property(*props, "aws_session_token")) out.session_token = *token;
    co_return out;
  }

  const auto* role_arn = property(*props, "role_arn");
  if (const auto* token_file = property(*props, "web_identity_token_file")) {
    if (!role_arn) detail::throw_invalid_argument(name, "has web_identity_token_file but no role_arn");
    web_identity_options o;
    o.role_arn = *role_arn;
    o.token_file = detail::expand_home(*token_file, env_);
    if (const auto* session = property(*props, "role_session_name")) o.role_session_name = *session;
    if (auto sts = detail::env_value(env_, "AWS_ENDPOINT_URL_STS"))
      o.sts_endpoint = *sts;
    else if (auto global = detail::env_value(env_, "AWS_ENDPOINT_URL"))
      o.sts_endpoint = *global;
    else if (const auto* endpoint = property(*props, "endpoint_url"))
      o.sts_endpoint = *endpoint;
    // The region becomes part of the STS host name: checked here, naming where it came from,
    // so that AWS_REGION=evil.example/ cannot send the token to another host.
    std::string region_source;
    if (auto region = detail::env_value(env_, "AWS_REGION"))
      o.region = *region, region_source = "AWS_REGION";
    else if (auto fallback = detail::env_value(env_, "AWS_DEFAULT_REGION"))
      o.region = *fallback, region_source = "AWS_DEFAULT_REGION";
    else if (const auto* profile_region = property(*props, "region"))
      o.region = *profile_region, region_source = name + " region";
    if (!o.region.empty() && !detail::is_region_name(o.region))
      detail::throw_invalid_argument(region_source,
                                     "is not a region name (1..63 of a-z, 0-9, '-', starting with a letter)");
    o.timeout = options_.sts_timeout;
    web_identity_credentials_provider provider(ex_, std::move(o));
    co_return co_await provider.get();
  }

  // Kinds awsmp does not implement: refusing them beats silently using another identity.
  for (std::string_view unsupported :
       {"credential_process", "sso_session", "sso_start_url", "source_profile", "credential_source"}) {
    if (property(*props, unsupported))
      detail::throw_invalid_argument(name, "uses " + std::string(unsupported) +
                                               ", which awsmp does not support (supported: static keys, "
                                               "web_identity_token_file + role_arn)");
  }
  if (role_arn)
    detail::throw_invalid_argument(
        name, "has role_arn without web_identity_token_file, which awsmp does not support");
  detail::throw_error(errc::credentials_unavailable, name + " holds no credentials");
}

}  // namespace awsmp
