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
#include <cstdint>
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
/// account id, product code in a store): 1..max_identifier_length (255) bytes, valid UTF-8 (the JSON encoder
/// would otherwise send U+FFFD and AWS would bill another string), no control characters.
std::string identifier_violation(std::string_view value);
/// Throws system_error(errc::invalid_argument) "<field>: <rule>" for an identifier_violation.
void check_identifier(std::string_view field, std::string_view value);

/// CustomerAWSAccountId: 1..255 bytes of ASCII digits (the model's ^[0-9]+$).
std::string account_id_violation(std::string_view value);

/// Pure: true when `arn` matches the Metering model's LicenseArn pattern; never throws.
bool is_license_arn(std::string_view arn) noexcept;

// ---- the models' limits (max_identifier_length, max_batch_records and max_quantity are public
// in awsmp/validation.hpp). Sources: the service models in tests/data/wire/models/.

/// ProductCode: 1..255 bytes (the Entitlement model's min; Metering's BatchMeterUsage allows it
/// absent, which callers decide before asking for the rule).
inline constexpr std::size_t max_product_code_length = 255;
/// UsageDimension: 1..255 bytes.
inline constexpr std::size_t max_dimension_length = 255;
/// UsageAllocations: 1..2500 allocations per record when present.
inline constexpr std::size_t max_allocations = 2500;
/// TagList: 1..5 tags per allocation when present.
inline constexpr std::size_t max_tags = 5;
/// TagKey: 1..100 bytes; TagValue: 1..256 bytes.
inline constexpr std::size_t max_tag_key_length = 100;
inline constexpr std::size_t max_tag_value_length = 256;
/// MeterUsage ClientToken: 1..64 bytes when present.
inline constexpr std::size_t max_client_token_length = 64;
/// GetEntitlements MaxResults (PageSizeInteger): 1..25.
inline constexpr int max_page_size = 25;
/// Not a model limit: real registration tokens are a few hundred bytes; this only stops a
/// request body from being inflated by whatever a browser posted.
inline constexpr std::size_t max_registration_token_length = 4096;

// ---- patterns of the models, as pure predicates (never throw)

/// ProductCode's ^[-a-zA-Z0-9/=:_.@]*$ (any length; the length rule is separate).
bool is_product_code_text(std::string_view value) noexcept;
/// TagKey's and TagValue's ^[a-zA-Z0-9+ -=._:\/@]+$, read literally: " -=" is the range
/// 0x20..0x3d and "\/" is '/'; false for the empty string.
bool is_tag_text(std::string_view value) noexcept;
/// CustomerAWSAccountId's ^[0-9]+$ within 1..255 bytes.
bool is_account_id(std::string_view value) noexcept;

// ---- rules of the models, as the rule a value breaks (empty when it keeps them)

/// A model string of min..max bytes that must be valid UTF-8 (CustomerIdentifier, Dimension,
/// ClientToken): the encoder would replace invalid bytes with U+FFFD and AWS would bill another
/// string.
std::string text_violation(std::string_view value, std::size_t min, std::size_t max);
/// ProductCode: 1..255 bytes of ^[-a-zA-Z0-9/=:_.@]*$.
std::string product_code_violation(std::string_view value);
/// UsageDimension: 1..255 bytes of valid UTF-8.
std::string dimension_violation(std::string_view value);
/// CustomerIdentifier as the model has it: 1..255 bytes of valid UTF-8 (identifier_violation
/// adds the key rule, no control characters, for what the library indexes by).
std::string customer_identifier_violation(std::string_view value);
/// LicenseArn: the model's pattern (see is_license_arn).
std::string license_arn_violation(std::string_view value);
/// TagKey: 1..100 bytes of the tag pattern; TagValue: 1..256 bytes of it.
std::string tag_key_violation(std::string_view value);
std::string tag_value_violation(std::string_view value);
/// Quantity, UsageQuantity and AllocatedUsageQuantity: 0..2147483647.
std::string quantity_violation(std::int64_t value);
/// Timestamp: set (after the epoch); a default time_point is a caller forgetting to set it,
/// and AWS would refuse 1970 as out of bounds.
std::string timestamp_violation(time_point value);
/// ClientToken: 1..64 bytes of valid UTF-8.
std::string client_token_violation(std::string_view value);
/// RegistrationToken: 1..4096 bytes of printable ASCII, no spaces. Never quotes the token.
std::string registration_token_violation(std::string_view value);
/// The count rules of the lists: UsageRecords 0..25, UsageAllocations 1..2500 (when present),
/// Tags 1..5 (when present).
std::string batch_size_violation(std::size_t records);
std::string allocation_count_violation(std::size_t allocations);
std::string tag_count_violation(std::size_t tags);
/// The allocations of a record must add up to its quantity (`quantity_member` names it).
std::string allocation_sum_violation(std::int64_t sum, std::int64_t quantity,
                                     std::string_view quantity_member);
/// A GetEntitlements filter value: not empty, valid UTF-8 (the model sets no limit).
std::string filter_value_violation(std::string_view value);
/// MaxResults: 1..25, or 0 for the service's default page size.
std::string page_size_violation(std::int64_t value);
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
