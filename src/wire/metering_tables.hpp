// Internal: the member tables of the AWS Marketplace Metering Service types, in the service
// model's member order (botocore writes members in that order, so the bytes match its bodies).
// Presence: "required" members are the model's required ones (plus the result's UsageRecord and
// Status, without which a result cannot be acted on safely); Quantity and UsageQuantity are
// always sent, 0 included, because AWS wants an explicit zero-usage record every hour.
#pragma once

#include <array>
#include <awsmp/metering_types.hpp>
#include <tuple>

#include "wire/member_table.hpp"

namespace awsmp::detail {

template <>
struct wire_enum<usage_record_status> {
  static constexpr std::array values{usage_record_status::success,
                                     usage_record_status::customer_not_subscribed,
                                     usage_record_status::duplicate_record};
  /// A Status AWS adds later decodes to this instead of failing the whole answer.
  static constexpr usage_record_status unrecognised = usage_record_status::unknown;
};

template <>
struct wire_table<tag> {
  static constexpr std::tuple members{
      member<presence::required>("Key", &tag::key),
      member<presence::required>("Value", &tag::value),
  };
};

template <>
struct wire_table<usage_allocation> {
  static constexpr std::tuple members{
      member<presence::required>("AllocatedUsageQuantity", &usage_allocation::allocated_usage_quantity),
      member<presence::optional>("Tags", &usage_allocation::tags),
  };
};

template <>
struct wire_table<usage_record> {
  static constexpr std::tuple members{
      member<presence::required>("Timestamp", &usage_record::timestamp),
      member<presence::optional>("CustomerIdentifier", &usage_record::customer_identifier),
      member<presence::required>("Dimension", &usage_record::dimension),
      member<presence::defaulted>("Quantity", &usage_record::quantity),
      member<presence::optional>("UsageAllocations", &usage_record::usage_allocations),
      member<presence::optional>("CustomerAWSAccountId", &usage_record::customer_aws_account_id),
      member<presence::optional>("LicenseArn", &usage_record::license_arn),
  };
};

template <>
struct wire_table<usage_record_result> {
  static constexpr std::tuple members{
      member<presence::required>("UsageRecord", &usage_record_result::record),
      member<presence::optional>("MeteringRecordId", &usage_record_result::metering_record_id),
      member<presence::required>("Status", &usage_record_result::status),
  };
};

template <>
struct wire_table<batch_meter_usage_input> {
  static constexpr std::tuple members{
      member<presence::required>("UsageRecords", &batch_meter_usage_input::usage_records),
      member<presence::optional>("ProductCode", &batch_meter_usage_input::product_code),
  };
};

template <>
struct wire_table<batch_meter_usage_output> {
  static constexpr std::tuple members{
      member<presence::defaulted>("Results", &batch_meter_usage_output::results),
      member<presence::defaulted>("UnprocessedRecords", &batch_meter_usage_output::unprocessed_records),
  };
};

template <>
struct wire_table<meter_usage_input> {
  static constexpr std::tuple members{
      member<presence::required>("ProductCode", &meter_usage_input::product_code),
      member<presence::required>("Timestamp", &meter_usage_input::timestamp),
      member<presence::required>("UsageDimension", &meter_usage_input::dimension),
      member<presence::defaulted>("UsageQuantity", &meter_usage_input::quantity),
      member<presence::optional>("DryRun", &meter_usage_input::dry_run),
      member<presence::optional>("UsageAllocations", &meter_usage_input::usage_allocations),
      member<presence::optional>("ClientToken", &meter_usage_input::client_token),
  };
};

template <>
struct wire_table<meter_usage_output> {
  static constexpr std::tuple members{
      member<presence::defaulted>("MeteringRecordId", &meter_usage_output::metering_record_id),
  };
};

template <>
struct wire_table<resolve_customer_input> {
  static constexpr std::tuple members{
      member<presence::required>("RegistrationToken", &resolve_customer_input::registration_token),
  };
};

template <>
struct wire_table<resolve_customer_output> {
  static constexpr std::tuple members{
      member<presence::optional>("CustomerIdentifier", &resolve_customer_output::customer_identifier),
      member<presence::optional>("ProductCode", &resolve_customer_output::product_code),
      member<presence::optional>("CustomerAWSAccountId", &resolve_customer_output::customer_aws_account_id),
      member<presence::optional>("LicenseArn", &resolve_customer_output::license_arn),
  };
};

}  // namespace awsmp::detail
