// AWS Marketplace Metering Service types and their AWS JSON 1.1 conversions.
#pragma once

#include <awsmp/common.hpp>
#include <boost/json/fwd.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp {

/// A key/value tag on a usage allocation (wire: {"Key","Value"}).
struct tag {
  std::string key;
  std::string value;
  friend bool operator==(const tag&, const tag&) = default;
};

/// Part of a record's quantity attributed to a set of tags (wire: UsageAllocation).
struct usage_allocation {
  std::int32_t allocated_usage_quantity = 0;
  std::vector<tag> tags;
  friend bool operator==(const usage_allocation&, const usage_allocation&) = default;
};

/// One usage record of BatchMeterUsage (wire: UsageRecord).
struct usage_record {
  std::string customer_identifier;  ///< exactly one of these two is set
  std::string customer_aws_account_id;
  std::string license_arn;  ///< optional
  std::string dimension;
  std::int32_t quantity = 0;
  time_point timestamp{};  ///< sent as epoch seconds; AWS ignores the seconds
  std::vector<usage_allocation> usage_allocations;
  friend bool operator==(const usage_record&, const usage_record&) = default;
};

/// AWS's verdict on one record (wire: "Success", "CustomerNotSubscribed", "DuplicateRecord").
/// `unknown`: the answer carried a Status this version does not know (AWS may add some); it is
/// decoded rather than refused so that it affects only its own record (the tracker keeps that
/// record pending and logs it). Never sent, and from_string refuses it.
enum class usage_record_status { success, customer_not_subscribed, duplicate_record, unknown };

/// The AWS wire spelling of a status; never throws.
std::string_view to_string(usage_record_status status) noexcept;
template <>
usage_record_status from_string<usage_record_status>(std::string_view text);

/// One result of BatchMeterUsage (wire: UsageRecordResult).
struct usage_record_result {
  usage_record record;
  std::string metering_record_id;
  usage_record_status status = usage_record_status::success;
  friend bool operator==(const usage_record_result&, const usage_record_result&) = default;
};

/// BatchMeterUsage request: up to 25 records of one product.
struct batch_meter_usage_input {
  std::string product_code;
  std::vector<usage_record> usage_records;
  friend bool operator==(const batch_meter_usage_input&, const batch_meter_usage_input&) = default;
};

/// BatchMeterUsage response: results, and the records AWS did not process (send them again).
struct batch_meter_usage_output {
  std::vector<usage_record_result> results;
  std::vector<usage_record> unprocessed_records;
  friend bool operator==(const batch_meter_usage_output&, const batch_meter_usage_output&) = default;
};

/// MeterUsage request (wire: UsageDimension/UsageQuantity, optional DryRun and ClientToken).
struct meter_usage_input {
  std::string product_code;
  std::string dimension;
  std::int32_t quantity = 0;
  time_point timestamp{};
  std::vector<usage_allocation> usage_allocations;
  std::string client_token;  ///< optional idempotency token
  bool dry_run = false;
  friend bool operator==(const meter_usage_input&, const meter_usage_input&) = default;
};

/// MeterUsage response.
struct meter_usage_output {
  std::string metering_record_id;
  friend bool operator==(const meter_usage_output&, const meter_usage_output&) = default;
};

/// ResolveCustomer request (wire: {"RegistrationToken": ...}).
struct resolve_customer_input {
  std::string registration_token;
  friend bool operator==(const resolve_customer_input&, const resolve_customer_input&) = default;
};

/// ResolveCustomer response: all four ids of the subscriber.
struct resolve_customer_output {
  std::string customer_identifier;
  std::string product_code;
  std::string customer_aws_account_id;
  std::string license_arn;
  friend bool operator==(const resolve_customer_output&, const resolve_customer_output&) = default;
};

// Boost.JSON conversions in the exact AWS JSON 1.1 shapes. value_from never throws beyond
// std::bad_alloc; value_to throws system_error(errc::malformed_message) naming the member.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const tag& v);
tag tag_invoke(const boost::json::value_to_tag<tag>&, const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const usage_allocation& v);
usage_allocation tag_invoke(const boost::json::value_to_tag<usage_allocation>&, const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const usage_record& v);
usage_record tag_invoke(const boost::json::value_to_tag<usage_record>&, const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const usage_record_status& v);
usage_record_status tag_invoke(const boost::json::value_to_tag<usage_record_status>&,
                               const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const usage_record_result& v);
usage_record_result tag_invoke(const boost::json::value_to_tag<usage_record_result>&,
                               const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const batch_meter_usage_input& v);
batch_meter_usage_input tag_invoke(const boost::json::value_to_tag<batch_meter_usage_input>&,
                                   const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const batch_meter_usage_output& v);
batch_meter_usage_output tag_invoke(const boost::json::value_to_tag<batch_meter_usage_output>&,
                                    const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const meter_usage_input& v);
meter_usage_input tag_invoke(const boost::json::value_to_tag<meter_usage_input>&,
                             const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const meter_usage_output& v);
meter_usage_output tag_invoke(const boost::json::value_to_tag<meter_usage_output>&,
                              const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const resolve_customer_input& v);
resolve_customer_input tag_invoke(const boost::json::value_to_tag<resolve_customer_input>&,
                                  const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const resolve_customer_output& v);
resolve_customer_output tag_invoke(const boost::json::value_to_tag<resolve_customer_output>&,
                                   const boost::json::value& jv);

}  // namespace awsmp
