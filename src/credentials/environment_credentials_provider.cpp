#include <awsmp/environment_credentials_provider.hpp>
#include <awsmp/error.hpp>

#include "core/throw.hpp"
#include "credentials/credentials_json.hpp"
#include "credentials/shared_config.hpp"

namespace awsmp {

environment_credentials_provider::environment_credentials_provider(environment_lookup env)
    : env_(std::move(env)) {}

awaitable<credentials> environment_credentials_provider::get() {
  auto key = detail::env_value(env_, "AWS_ACCESS_KEY_ID");
  if (!key) key = detail::env_value(env_, "AWS_ACCESS_KEY");
  auto secret = detail::env_value(env_, "AWS_SECRET_ACCESS_KEY");
  if (!secret) secret = detail::env_value(env_, "AWS_SECRET_KEY");
  if (!key && !secret)
    detail::throw_error(errc::credentials_unavailable,
                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set");
  // Half a key pair is a configuration mistake, not an absence: falling through to another
  // identity would hide it.
  if (!key) detail::throw_invalid_argument("AWS_ACCESS_KEY_ID", "must be set when AWS_SECRET_ACCESS_KEY is");
  if (!secret)
    detail::throw_invalid_argument("AWS_SECRET_ACCESS_KEY", "must be set when AWS_ACCESS_KEY_ID is");
  credentials out;
  out.access_key_id = std::move(*key);
  out.secret_access_key = std::move(*secret);
  if (auto token = detail::env_value(env_, "AWS_SESSION_TOKEN")) out.session_token = std::move(*token);
  if (auto expiration = detail::env_value(env_, "AWS_CREDENTIAL_EXPIRATION")) {
    out.expiration = detail::parse_iso8601(*expiration);
    if (!out.expiration)
      detail::throw_invalid_argument("AWS_CREDENTIAL_EXPIRATION",
                                     "must be an ISO 8601 time such as 2026-01-02T03:04:05Z");
  }
  co_return out;
}

}  // namespace awsmp
