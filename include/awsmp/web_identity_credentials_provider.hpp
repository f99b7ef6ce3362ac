// Credentials from STS AssumeRoleWithWebIdentity (EKS IRSA, GitHub OIDC, ...).
#pragma once

#include <awsmp/credentials.hpp>
#include <awsmp/environment.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace awsmp {

/// What to assume and where; from_environment() fills it as the SDKs do.
struct web_identity_options {
  std::string role_arn;                   ///< required
  std::filesystem::path token_file;       ///< required; re-read on every call (it is rotated)
  std::string role_session_name;          ///< empty: "awsmp-<epoch milliseconds>"
  std::string sts_endpoint;               ///< URL; empty: https://sts.<region>.amazonaws.com (global host without region)
  std::string region;                     ///< used for the default endpoint only
  std::chrono::milliseconds timeout{5'000};  ///< per attempt
  int max_attempts = 2;                   ///< the first attempt and one retry of retryable failures

  /// From AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME, AWS_ENDPOINT_URL_STS
  /// (else AWS_ENDPOINT_URL) and the resolved region; nullopt when neither of the first two is
  /// set. Throws system_error(errc::invalid_argument) naming the missing one of the pair.
  static std::optional<web_identity_options> from_environment(const environment_lookup& env);
};

/// Calls STS AssumeRoleWithWebIdentity (an unsigned Query API POST; XML answer) with the token
/// read from a file.
class web_identity_credentials_provider final : public credentials_provider {
public:
  /// Configured from the environment on every get(); never throws beyond std::bad_alloc.
  explicit web_identity_credentials_provider(asio::any_io_executor ex,
                                             environment_lookup env = process_environment());
  /// Configured explicitly; never throws beyond std::bad_alloc.
  web_identity_credentials_provider(asio::any_io_executor ex, web_identity_options options);

  /// Throws system_error(errc::credentials_unavailable) when not configured;
  /// errc::invalid_argument for half a configuration or an unreadable/empty token file;
  /// aws_error for an STS refusal (e.g. InvalidIdentityToken, AccessDenied);
  /// errc::timeout, errc::malformed_message or transport errors otherwise. Messages never
  /// contain the web identity token or key material.
  awaitable<credentials> get() override;

private:
  asio::any_io_executor ex_;
  environment_lookup env_;
  std::optional<web_identity_options> options_;
};

}  // namespace awsmp
