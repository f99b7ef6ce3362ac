// Credentials of the EC2 instance role, from the Instance Metadata Service (IMDSv2 only).
#pragma once

#include <awsmp/credentials.hpp>
#include <awsmp/environment.hpp>

#include <chrono>

namespace awsmp {

/// Transport settings of the IMDS provider; the defaults are the SDKs' (short, as IMDS is local).
struct imds_credentials_options {
  std::chrono::milliseconds timeout{1'000};  ///< per attempt
  int max_attempts = 2;                      ///< the first attempt and one retry
  std::chrono::seconds token_ttl{21'600};    ///< X-aws-ec2-metadata-token-ttl-seconds (1..21600)
};

/// Fetches the instance role's credentials: PUT /latest/api/token, then GET
/// /latest/meta-data/iam/security-credentials/ (the role name) and .../<role>, each with the
/// session token. The endpoint is AWS_EC2_METADATA_SERVICE_ENDPOINT, else http://[fd00:ec2::254]
/// when AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE is IPv6, else http://169.254.169.254.
/// AWS_EC2_METADATA_DISABLED=true turns the provider off. There is no IMDSv1 fallback.
class imds_credentials_provider final : public credentials_provider {
public:
  /// Reads the environment on every get(); never throws beyond std::bad_alloc.
  explicit imds_credentials_provider(asio::any_io_executor ex,
                                     environment_lookup env = process_environment(),
                                     imds_credentials_options options = {});

  /// Throws system_error(errc::credentials_unavailable) when disabled, unreachable (not on
  /// EC2), refusing tokens (403) or without an instance role (404); errc::invalid_argument for
  /// a malformed endpoint override; errc::service_error, errc::malformed_message or transport
  /// errors when IMDS answers but fails. Messages never contain tokens or key material.
  awaitable<credentials> get() override;

private:
  asio::any_io_executor ex_;
  environment_lookup env_;
  imds_credentials_options options_;
};

}  // namespace awsmp
