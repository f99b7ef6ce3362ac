// AWS Marketplace Entitlement Service (GetEntitlements) types and their AWS JSON 1.1 conversions.
#pragma once

#include <awsmp/common.hpp>

#include <boost/json/fwd.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace awsmp {

/// GetEntitlements filter names (wire: CUSTOMER_IDENTIFIER, DIMENSION, CUSTOMER_AWS_ACCOUNT_ID, LICENSE_ARN).
enum class entitlement_filter { customer_identifier, dimension, customer_aws_account_id, license_arn };

/// The AWS wire spelling of a filter name; never throws.
std::string_view to_string(entitlement_filter filter) noexcept;
template <>
entitlement_filter from_string<entitlement_filter>(std::string_view text);

/// An entitlement's value: exactly one of IntegerValue, DoubleValue, BooleanValue, StringValue
/// (monostate when AWS sent none).
using entitlement_value = std::variant<std::monostate, std::int64_t, double, bool, std::string>;

/// One entitlement as AWS reports it (wire: Entitlement).
struct marketplace_entitlement {
  std::string product_code;
  std::string dimension;
  std::string customer_identifier;
  std::string customer_aws_account_id;
  std::string license_arn;
  entitlement_value value;
  std::optional<time_point> expiration_date;
  friend bool operator==(const marketplace_entitlement&, const marketplace_entitlement&) = default;
};

/// GetEntitlements request: one page.
struct get_entitlements_input {
  std::string product_code;
  std::map<entitlement_filter, std::vector<std::string>> filter;
  std::string next_token;   ///< empty: first page
  int max_results = 0;      ///< 0: the service's default; else 1..25
  friend bool operator==(const get_entitlements_input&, const get_entitlements_input&) = default;
};

/// GetEntitlements response: one page, and the token of the next (empty when last).
struct get_entitlements_output {
  std::vector<marketplace_entitlement> entitlements;
  std::string next_token;
  friend bool operator==(const get_entitlements_output&, const get_entitlements_output&) = default;
};

// Boost.JSON conversions in the AWS wire shapes (value_to throws system_error(errc::malformed_message)).
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const entitlement_filter& v);
entitlement_filter tag_invoke(const boost::json::value_to_tag<entitlement_filter>&, const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const marketplace_entitlement& v);
marketplace_entitlement tag_invoke(const boost::json::value_to_tag<marketplace_entitlement>&, const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const get_entitlements_input& v);
get_entitlements_input tag_invoke(const boost::json::value_to_tag<get_entitlements_input>&, const boost::json::value& jv);
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const get_entitlements_output& v);
get_entitlements_output tag_invoke(const boost::json::value_to_tag<get_entitlements_output>&, const boost::json::value& jv);

}  // namespace awsmp
