// Internal: the member tables of the AWS Marketplace Entitlement Service types, in the service
// model's member order. Two members have a shape of their own: the entitlement value (a union:
// one of IntegerValue, DoubleValue, BooleanValue, StringValue) and the filter (a map from filter
// name to a list of strings); their wire forms are defined in entitlement_service_types.cpp.
#pragma once

#include <array>
#include <awsmp/entitlement_service_types.hpp>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "wire/member_table.hpp"

namespace awsmp::detail {

template <>
struct wire_enum<entitlement_filter> {
  static constexpr std::array values{entitlement_filter::customer_identifier, entitlement_filter::dimension,
                                     entitlement_filter::customer_aws_account_id,
                                     entitlement_filter::license_arn};
};

/// The Value union: an object holding exactly one typed member (none when monostate).
template <>
struct wire_form<entitlement_value> {
  static void write(std::string& out, const entitlement_value& v);
  static void read(const boost::json::value& jv, const json_path& path, entitlement_value& out);
  static boost::json::value to_value(const entitlement_value& v, boost::json::storage_ptr sp);
  static bool is_set(const entitlement_value& v) noexcept {
    return !std::holds_alternative<std::monostate>(v);
  }
};

/// The Filter map: {"<FILTER_NAME>": ["value", ...], ...} in filter-name order.
using entitlement_filter_map = std::map<entitlement_filter, std::vector<std::string>>;
template <>
struct wire_form<entitlement_filter_map> {
  static void write(std::string& out, const entitlement_filter_map& v);
  static void read(const boost::json::value& jv, const json_path& path, entitlement_filter_map& out);
  static boost::json::value to_value(const entitlement_filter_map& v, boost::json::storage_ptr sp);
  static bool is_set(const entitlement_filter_map& v) noexcept { return !v.empty(); }
};

template <>
struct wire_table<marketplace_entitlement> {
  static constexpr std::tuple members{
      member<presence::optional>("ProductCode", &marketplace_entitlement::product_code),
      member<presence::optional>("Dimension", &marketplace_entitlement::dimension),
      member<presence::optional>("CustomerIdentifier", &marketplace_entitlement::customer_identifier),
      member<presence::optional>("CustomerAWSAccountId", &marketplace_entitlement::customer_aws_account_id),
      member<presence::optional>("Value", &marketplace_entitlement::value),
      member<presence::optional>("ExpirationDate", &marketplace_entitlement::expiration_date),
      member<presence::optional>("LicenseArn", &marketplace_entitlement::license_arn),
  };
};

template <>
struct wire_table<get_entitlements_input> {
  static constexpr std::tuple members{
      member<presence::required>("ProductCode", &get_entitlements_input::product_code),
      member<presence::optional>("Filter", &get_entitlements_input::filter),
      member<presence::optional>("NextToken", &get_entitlements_input::next_token),
      member<presence::optional>("MaxResults", &get_entitlements_input::max_results),
  };
};

template <>
struct wire_table<get_entitlements_output> {
  static constexpr std::tuple members{
      member<presence::defaulted>("Entitlements", &get_entitlements_output::entitlements),
      member<presence::optional>("NextToken", &get_entitlements_output::next_token),
  };
};

}  // namespace awsmp::detail
