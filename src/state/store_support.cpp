#include "state/store_support.hpp"

#include <string>

#include "core/throw.hpp"
#include "wire/rules.hpp"

namespace awsmp {

billed_customer subscription::customer() const {
  return detail::customer_of(customer_identifier, customer_aws_account_id, license_arn);
}

billed_customer entitlement::customer() const {
  return detail::customer_of(customer_identifier, customer_aws_account_id, license_arn);
}

namespace detail {
namespace {

// The ids that are not the key: optional, but when present they keep the rule book, so that a
// later lookup by them (a legacy lookup, a re-sync) can never be refused for data we stored.
void check_other_ids(const billed_customer& key, const std::string& customer_identifier,
                     const std::string& account_id, const std::string& license_arn) {
  if (key.is_account()) {
    if (!customer_identifier.empty()) check_identifier("customer_identifier", customer_identifier);
    return;
  }
  if (!account_id.empty()) {
    if (auto rule = account_id_violation(account_id); !rule.empty())
      throw_invalid_argument("customer_aws_account_id", rule);
  }
  if (!license_arn.empty() && !is_license_arn(license_arn))
    throw_invalid_argument(
        "license_arn", "must match the LicenseArn pattern arn:aws*:<service>:<region>:<account>:<resource>");
}

}  // namespace

billed_customer customer_of(const std::string& customer_identifier, const std::string& account_id,
                            const std::string& license_arn) {
  if (!account_id.empty() && !license_arn.empty()) return billed_customer::account(account_id, license_arn);
  return billed_customer::legacy(customer_identifier);
}

std::string store_key(const billed_customer& who) {
  return to_string(who);
}

void validate_entitlement(const entitlement& ent) {
  const billed_customer key = ent.customer();
  check_billed_customer("customer", key);
  check_other_ids(key, ent.customer_identifier, ent.customer_aws_account_id, ent.license_arn);
  check_identifier("dimension", ent.dimension);
  if (!ent.product_code.empty()) check_identifier("product_code", ent.product_code);
}

void validate_subscription(const subscription& sub) {
  const billed_customer key = sub.customer();
  check_billed_customer("customer", key);
  check_other_ids(key, sub.customer_identifier, sub.customer_aws_account_id, sub.license_arn);
  if (!sub.product_code.empty()) check_identifier("product_code", sub.product_code);
}

}  // namespace detail
}  // namespace awsmp
