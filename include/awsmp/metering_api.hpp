// The three AWS Marketplace Metering operations, as an interface so that tests can fake them.
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/metering_types.hpp>

#include <string>

namespace awsmp {

/// AWS Marketplace Metering Service operations used by the subscription and billing parts.
class metering_api {
public:
  virtual ~metering_api() = default;
  /// Resolves a registration token to the customer's ids; throws aws_error or system_error.
  virtual awaitable<resolve_customer_output> resolve_customer(std::string registration_token) = 0;
  /// Sends up to 25 records; throws aws_error or system_error (errc::invalid_argument before sending).
  virtual awaitable<batch_meter_usage_output> batch_meter_usage(batch_meter_usage_input input) = 0;
  /// Meters one quantity; throws aws_error or system_error (errc::invalid_argument before sending).
  virtual awaitable<meter_usage_output> meter_usage(meter_usage_input input) = 0;
};

}  // namespace awsmp
