// The rule book: every model rule of the Metering and Entitlement services (identifiers,
// product codes, dimensions, account ids, license ARNs, regions, tags, allocations) in one
// place, used by validation, the tracker, the stores and the emulator alike. Pure; no I/O.
//
// A *_violation function returns the rule a value breaks ("must be 1..255 bytes, got 300"), or
// an empty string when the value keeps every rule; a check_* function throws
// system_error(errc::invalid_argument) with "<field>: <rule>" instead.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/validation.hpp>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace awsmp::detail {

/// AWS keeps one record per (product or license, customer, dimension, UTC hour); a second one
/// in the hour with another quantity is answered DuplicateRecord and never added (AWS
/// Marketplace Seller Guide, "Configuring metering for usage with SaaS subscriptions"; see
/// docs/aws_facts.md).
inline constexpr std::chrono::hours record_identity_period{1};
/// AWS accepts records up to this far in the past (the UsageRecord and BatchMeterUsage docs).
inline constexpr std::chrono::hours record_max_age{6};

/// A key the tracker, the stores and the emulator index by (customer identifier, dimension,
/// account id, product code in a store): 1..max_identifier_length (255) bytes, valid UTF-8 (the JSON encoder would
/// otherwise send U+FFFD and AWS would bill another string), no control characters.
std::string identifier_violation(std::string_view value);
/// Throws system_error(errc::invalid_argument) "<field>: <rule>" for an identifier_violation.
void check_identifier(std::string_view field, std::string_view value);

/// CustomerAWSAccountId: 1..255 bytes of ASCII digits (the model's ^[0-9]+$).
std::string account_id_violation(std::string_view value);

/// Pure: true when `arn` matches the Metering model's LicenseArn pattern; never throws.
bool is_license_arn(std::string_view arn) noexcept;

/// A region name, which awsmp puts into host names (metering.marketplace.<region>.amazonaws.com,
/// sts.<region>.amazonaws.com): one DNS label of 1..63 bytes of a-z, 0-9 and '-', starting with
/// a letter and not ending with '-'. So "evil.example/" can never redirect a request. Pure;
/// never throws.
bool is_region_name(std::string_view region) noexcept;

/// A billed_customer: exactly one form set; the legacy id an identifier; the account form an
/// account id plus a LicenseArn. Throws system_error(errc::invalid_argument) naming
/// `<field>.<member>` and the rule.
void check_billed_customer(std::string_view field, const billed_customer& who);

}  // namespace awsmp::detail
