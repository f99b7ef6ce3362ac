// metering_client: the real AWS Marketplace Metering Service over HTTPS with SigV4.
#pragma once

#include <awsmp/client_options.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/sigv4.hpp>
#include <cstdint>
#include <memory>

namespace awsmp {

/// Counters of a service client, for observability and tests.
struct client_stats {
  std::uint64_t requests = 0;  ///< logical calls
  std::uint64_t attempts = 0;  ///< HTTP attempts, retries included
  std::uint64_t retries = 0;
  std::uint64_t connections_opened = 0;  ///< TCP connections (TLS handshakes when HTTPS)
  std::uint64_t stale_reconnects =
      0;  ///< pooled connections found closed by the server mid-request and resent once
  bool certificate_checks_disabled = false;  ///< HTTPS without certificate verification (verify_peer = false)
};

namespace detail {
class aws_json_client;
}

/// Calls the Metering Service. Thread-safe: calls may run concurrently from any thread of the
/// executor; `signer` must outlive the client. Every call validates its input first
/// (system_error errc::invalid_argument), then retries retryable failures per `options`;
/// AWS's refusals are thrown as aws_error, transport failures as system_error.
class metering_client final : public metering_api {
 public:
  /// Throws system_error(errc::invalid_argument) for a bad endpoint URL or CA file.
  metering_client(asio::any_io_executor ex, request_signer& signer, client_options options = {});
  ~metering_client() override;
  awaitable<resolve_customer_output> resolve_customer(std::string registration_token) override;
  awaitable<batch_meter_usage_output> batch_meter_usage(batch_meter_usage_input input) override;
  /// MeterUsage; an empty client_token is replaced by a random UUID before the first attempt,
  /// so that retries of this call are idempotent. Throws like batch_meter_usage.
  awaitable<meter_usage_output> meter_usage(meter_usage_input input) override;
  /// A snapshot of this client's counters; never throws.
  client_stats stats() const noexcept;

 private:
  std::unique_ptr<detail::aws_json_client> impl_;
};

}  // namespace awsmp
