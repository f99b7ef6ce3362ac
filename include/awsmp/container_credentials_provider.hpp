// Credentials from the ECS / EKS Pod Identity container credentials endpoint.
#pragma once

#include <awsmp/credentials.hpp>
#include <awsmp/environment.hpp>

#include <chrono>

namespace awsmp {

/// Transport settings of the container provider.
struct container_credentials_options {
  std::chrono::milliseconds timeout{2'000};  ///< per attempt
  int max_attempts = 2;                      ///< the first attempt and one retry
};

/// Fetches credentials as the SDKs do from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (appended to
/// http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (relative wins when both are
/// set). Plain http is allowed only to loopback hosts and the ECS/EKS link-local addresses
/// (169.254.170.2, 169.254.170.23, fd00:ec2::23); https to any host. The Authorization header
/// comes from the file named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (re-read on every call),
/// else AWS_CONTAINER_AUTHORIZATION_TOKEN.
class container_credentials_provider final : public credentials_provider {
public:
  /// Reads the environment on every get(); never throws beyond std::bad_alloc.
  explicit container_credentials_provider(asio::any_io_executor ex,
                                          environment_lookup env = process_environment(),
                                          container_credentials_options options = {});

  /// Throws system_error(errc::credentials_unavailable) when neither URI variable is set (not
  /// configured); errc::invalid_argument for a disallowed URI or unusable token; errc::timeout,
  /// errc::service_error (non-200 answer), errc::malformed_message or transport errors when
  /// the endpoint fails after the retry. Messages never contain the token or key material.
  awaitable<credentials> get() override;

private:
  asio::any_io_executor ex_;
  environment_lookup env_;
  container_credentials_options options_;
};

}  // namespace awsmp
