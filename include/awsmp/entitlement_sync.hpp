// sync_entitlements: mirror what the AWS Entitlement Service says about a product into an
// entitlement store, removing what AWS no longer returns.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/subscription_store.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awsmp {

/// What one synchronisation did.
struct entitlement_sync_result {
  std::size_t received = 0;   ///< entitlements AWS returned for the product
  std::size_t written = 0;    ///< rows inserted or changed
  std::size_t unchanged = 0;  ///< rows already as AWS says
  std::size_t removed = 0;    ///< rows of the product that AWS no longer returns
  std::size_t skipped = 0;    ///< AWS entitlements without a usable customer or dimension (logged)
  friend bool operator==(const entitlement_sync_result&, const entitlement_sync_result&) = default;
};

/// The changes that bring the stored rows of one product in line with AWS (pure).
struct entitlement_sync_plan {
  std::vector<entitlement> upserts;                               ///< put these
  std::vector<std::pair<billed_customer, std::string>> removals;  ///< erase these (customer, dimension)
  std::size_t unchanged = 0;
  std::size_t skipped = 0;
};

/// Pure: the stored form of an AWS entitlement, or empty when it has no usable customer or
/// dimension. It keeps all three ids AWS sent, so its customer() is the account form when AWS
/// sent CustomerAWSAccountId and LicenseArn, else the legacy form (CustomerIdentifier, else the
/// account id, as 0.1.0 stored it). Values map to `value` as IntegerValue as is; DoubleValue
/// rounded up (so 0.5 stays > 0) and saturated; BooleanValue 1/0; StringValue 1 when
/// non-empty; no value 1 (AWS listing it is the grant). No ExpirationDate maps to
/// never_expires. Never throws beyond std::bad_alloc.
std::optional<entitlement> to_entitlement(const marketplace_entitlement& aws);

/// Pure: compares AWS's entitlements of `product_code` with the stored rows and plans the
/// writes. Stored rows of other products (or with no product code) are never removed. When
/// AWS lists one key twice, the last one wins. Never throws beyond std::bad_alloc.
entitlement_sync_plan plan_entitlement_sync(std::string_view product_code,
                                            const std::vector<marketplace_entitlement>& from_aws,
                                            const std::vector<entitlement>& stored);

/// Fetches every page of GetEntitlements for `product_code`, then writes the changes through
/// `checker` (so its cache stays coherent). The customers examined for removals are those
/// AWS returns plus every customer of `subscriptions` (all statuses): entitlement_store has
/// no "list everything", so rows of a customer in neither are left alone. Nothing is written
/// unless every page was fetched, so a failed or partial fetch never revokes anything.
/// Throws system_error(errc::invalid_argument) for a bad product code, and what the service
/// and the stores throw (a write failure leaves the earlier writes in place; run it again).
awaitable<entitlement_sync_result> sync_entitlements(entitlement_service_api& service,
                                                     entitlement_checker& checker,
                                                     subscription_store& subscriptions,
                                                     std::string product_code);

/// As above, writing straight to `store` (use the checker overload when a checker caches it).
awaitable<entitlement_sync_result> sync_entitlements(entitlement_service_api& service,
                                                     entitlement_store& store,
                                                     subscription_store& subscriptions,
                                                     std::string product_code);

/// Re-syncs one customer's or one license's entitlements of `product_code` (GetEntitlements
/// with the CUSTOMER_IDENTIFIER filter for the legacy form, LICENSE_ARN +
/// CUSTOMER_AWS_ACCOUNT_ID for the account form), removing that customer's stored rows of the
/// product AWS no longer returns. Nothing is written unless every page was fetched. Throws
/// system_error(errc::invalid_argument) for a bad product code or customer, and what the
/// service and the store throw.
awaitable<entitlement_sync_result> sync_entitlements(entitlement_service_api& service,
                                                     entitlement_checker& checker, std::string product_code,
                                                     billed_customer who);

}  // namespace awsmp
