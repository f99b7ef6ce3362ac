// Validation before sending: every rule of the service models, checked locally.
// Each function throws system_error(errc::invalid_argument) whose message names the field
// (e.g. "UsageRecords[3].Quantity") and the rule it broke; none of them does I/O.
#pragma once

#include <awsmp/entitlement_service_types.hpp>
#include <awsmp/metering_types.hpp>
#include <cstddef>
#include <string_view>

namespace awsmp {

/// Largest request body AWS accepts (exclusive): 1 MB.
inline constexpr std::size_t max_request_body_bytes = 1024 * 1024;
/// Most records one BatchMeterUsage may carry.
inline constexpr std::size_t max_batch_records = 25;
/// Largest Quantity / AllocatedUsageQuantity AWS accepts (2^31-1).
inline constexpr std::int64_t max_quantity = 2147483647;
/// Longest id or dimension the stores and the tracker accept.
inline constexpr std::size_t max_identifier_length = 255;

/// Checks a BatchMeterUsage request: product code, 0..25 records, each record's rules.
void validate(const batch_meter_usage_input& input);
/// Checks a MeterUsage request.
void validate(const meter_usage_input& input);
/// Checks a ResolveCustomer request (token present, bounded length, printable characters).
void validate(const resolve_customer_input& input);
/// Checks a GetEntitlements request (product code, filter values, MaxResults 1..25).
void validate(const get_entitlements_input& input);
/// Checks one usage record; `field` prefixes the names in messages (e.g. "UsageRecords[3]").
void validate(const usage_record& record, std::string_view field);
/// Checks a product code (1..255, the model's pattern).
void validate_product_code(std::string_view product_code);
/// Checks an id or dimension used as a store or tracker key: 1..255 bytes, no control characters.
void validate_identifier(std::string_view field, std::string_view value);
/// Checks an encoded body against the 1 MB request limit.
void validate_request_body_size(std::size_t bytes);

}  // namespace awsmp
