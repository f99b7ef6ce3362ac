// billed_customer: who a usage record bills, in either of AWS Marketplace's two identity forms.
#pragma once

#include <compare>
#include <string>

namespace awsmp {

/// Who a usage record bills. Account form: CustomerAWSAccountId + LicenseArn (required for
/// products listed from 2026-06-01; one account may hold several licenses of one product, and
/// usage names the license it is metered against). Legacy form: CustomerIdentifier (the request
/// then carries the tracker's ProductCode). Exactly one form is set; the rule book
/// (validation) refuses anything else with errc::invalid_argument before it is used.
struct billed_customer {
  std::string customer_aws_account_id;  ///< account form: the buyer's 12-digit AWS account id
  std::string license_arn;              ///< account form: the license (agreement) metered against
  std::string customer_identifier;      ///< legacy form: ResolveCustomer's CustomerIdentifier

  /// The account form; never throws beyond std::bad_alloc (checked where it is used).
  static billed_customer account(std::string aws_account_id, std::string license_arn) {
    billed_customer b;
    b.customer_aws_account_id = std::move(aws_account_id);
    b.license_arn = std::move(license_arn);
    return b;
  }
  /// The legacy form; never throws beyond std::bad_alloc (checked where it is used).
  static billed_customer legacy(std::string customer_identifier) {
    billed_customer b;
    b.customer_identifier = std::move(customer_identifier);
    return b;
  }
  /// True for the account form (account id or license set); never throws.
  bool is_account() const noexcept { return !customer_aws_account_id.empty() || !license_arn.empty(); }

  friend auto operator<=>(const billed_customer&, const billed_customer&) = default;
};

/// "legacy:<id>" or "account:<account id>/<license arn>", for logs and messages; never throws
/// beyond std::bad_alloc.
std::string to_string(const billed_customer& who);

}  // namespace awsmp
