// entitlement_service_client: AWS Marketplace Entitlement Service (GetEntitlements) over HTTPS.
#pragma once

#include <awsmp/client_options.hpp>
#include <awsmp/entitlement_service_types.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>

#include <memory>
#include <vector>

namespace awsmp {

/// GetEntitlements as an interface, so that tests can fake it.
class entitlement_service_api {
public:
  virtual ~entitlement_service_api() = default;
  /// One page; throws aws_error or system_error (errc::invalid_argument before sending).
  virtual awaitable<get_entitlements_output> get_entitlements(get_entitlements_input input) = 0;
  /// Every page, following NextToken until the last; throws like get_entitlements.
  virtual awaitable<std::vector<marketplace_entitlement>> get_all_entitlements(get_entitlements_input input);
};

/// Calls the Entitlement Service (endpoint entitlement.marketplace.<region>.amazonaws.com).
/// Same threading, lifetime and error rules as metering_client.
class entitlement_service_client final : public entitlement_service_api {
public:
  /// Throws system_error(errc::invalid_argument) for a bad endpoint URL or CA file.
  entitlement_service_client(asio::any_io_executor ex, request_signer& signer, client_options options = {});
  ~entitlement_service_client() override;
  awaitable<get_entitlements_output> get_entitlements(get_entitlements_input input) override;
  /// A snapshot of this client's counters; never throws.
  client_stats stats() const noexcept;

private:
  std::unique_ptr<detail::aws_json_client> impl_;
};

}  // namespace awsmp
