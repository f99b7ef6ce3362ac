#include "state/store_support.hpp"
#include "core/throw.hpp"

#include <awsmp/error.hpp>
#include <awsmp/validation.hpp>

#include <string>

namespace awsmp::detail {

void validate_optional_field(std::string_view field, std::string_view value, std::size_t max) {
  if (value.size() > max) throw_invalid_argument(field, "must be at most " + std::to_string(max) + " bytes");
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) throw_invalid_argument(field, "must not contain control characters");
  }
}

void validate_entitlement(const entitlement& ent) {
  validate_identifier("customer_identifier", ent.customer_identifier);
  validate_identifier("dimension", ent.dimension);
  validate_optional_field("product_code", ent.product_code, max_identifier_length);
}

void validate_subscription(const subscription& sub) {
  validate_identifier("customer_identifier", sub.customer_identifier);
  validate_optional_field("product_code", sub.product_code, max_identifier_length);
  validate_optional_field("customer_aws_account_id", sub.customer_aws_account_id, max_identifier_length);
  validate_optional_field("license_arn", sub.license_arn, max_license_arn_length);
}

}  // namespace awsmp::detail
