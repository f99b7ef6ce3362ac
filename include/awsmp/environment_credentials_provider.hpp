// Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN.
#pragma once

#include <awsmp/credentials.hpp>
#include <awsmp/environment.hpp>

namespace awsmp {

/// Reads credentials from the environment on every get(), as the AWS SDKs do:
/// AWS_ACCESS_KEY_ID (legacy AWS_ACCESS_KEY), AWS_SECRET_ACCESS_KEY (legacy AWS_SECRET_KEY),
/// optional AWS_SESSION_TOKEN and AWS_CREDENTIAL_EXPIRATION (ISO 8601, e.g. 2026-01-02T03:04:05Z).
class environment_credentials_provider final : public credentials_provider {
public:
  /// Uses `env` for every lookup; never throws beyond std::bad_alloc.
  explicit environment_credentials_provider(environment_lookup env = process_environment());

  /// Throws system_error(errc::credentials_unavailable) when neither key variable is set
  /// (not configured), and errc::invalid_argument naming the variable when only one of the
  /// pair is set or AWS_CREDENTIAL_EXPIRATION is not a time (configured but broken).
  awaitable<credentials> get() override;

private:
  environment_lookup env_;
};

}  // namespace awsmp
