// The AWS JSON 1.1 protocol of both services, pure: request bodies, response decoding, targets.
#pragma once

#include <awsmp/entitlement_service_types.hpp>
#include <awsmp/metering_types.hpp>

#include <string>
#include <string_view>

namespace awsmp::wire {

/// Content-Type of every request and response of both services.
inline constexpr std::string_view content_type = "application/x-amz-json-1.1";
/// SigV4 signing name of both services.
inline constexpr std::string_view signing_name = "aws-marketplace";
/// X-Amz-Target values.
inline constexpr std::string_view target_batch_meter_usage = "AWSMPMeteringService.BatchMeterUsage";
inline constexpr std::string_view target_meter_usage = "AWSMPMeteringService.MeterUsage";
inline constexpr std::string_view target_resolve_customer = "AWSMPMeteringService.ResolveCustomer";
inline constexpr std::string_view target_get_entitlements = "AWSMPEntitlementService.GetEntitlements";

/// Regional endpoint host names ("metering.marketplace.<region>.amazonaws.com"); never throw beyond bad_alloc.
std::string metering_host(std::string_view region);
std::string entitlement_host(std::string_view region);

/// Serialises a request body exactly as AWS expects it (members in model order, optional
/// members omitted when empty). Does not validate: call awsmp::validate first.
std::string encode(const batch_meter_usage_input& input);
std::string encode(const meter_usage_input& input);
std::string encode(const resolve_customer_input& input);
std::string encode(const get_entitlements_input& input);
/// Response bodies (used by the emulator and by tests).
std::string encode(const batch_meter_usage_output& output);
std::string encode(const meter_usage_output& output);
std::string encode(const resolve_customer_output& output);
std::string encode(const get_entitlements_output& output);

/// Parses a body into T (any request or response type above); unknown members are ignored.
/// Throws system_error(errc::malformed_message) naming the member that was wrong.
template <class T>
T decode(std::string_view body);

}  // namespace awsmp::wire
