#include <awsmp/entitlement_sync.hpp>
#include <awsmp/error.hpp>
#include <awsmp/marketplace_components_sink.hpp>
#include <set>
#include <utility>

#include "core/throw.hpp"

namespace awsmp {

marketplace_components_sink::marketplace_components_sink(
    subscription_manager& subscriptions, subscription_store& store, token_billing_tracker& tracker,
    entitlement_service_api& entitlements, entitlement_checker& checker, std::string product_code)
    : subscriptions_(subscriptions),
      store_(store),
      tracker_(tracker),
      entitlements_(entitlements),
      checker_(checker),
      product_code_(std::move(product_code)) {
  if (product_code_.empty()) detail::throw_invalid_argument("product_code", "must not be empty");
}

awaitable<void> marketplace_components_sink::activate(billed_customer who, std::string product_code,
                                                      time_point event_time) {
  const auto existing = co_await subscriptions_.find(who);
  // A subscribe that arrives after the unsubscribe that followed it (reordering) must not bring
  // the customer back: unsubscribed_at is when that unsubscribe was applied, after AWS sent it.
  if (existing && existing->status != subscription_status::active && existing->unsubscribed_at &&
      *existing->unsubscribed_at > event_time)
    co_return;
  std::string code = product_code.empty() ? product_code_ : std::move(product_code);
  co_await subscriptions_.activate(std::move(who), std::move(code));
}

awaitable<void> marketplace_components_sink::bill_now(billed_customer who, time_point) {
  co_await tracker_.bill_now(std::move(who));
}

// No time guard here: the stores keep when an event was *applied*, not when AWS sent it, so an
// unsubscribe that waited in the queue behind its subscribe would look older than it. The
// subscribe side carries the guard instead (see activate).
awaitable<void> marketplace_components_sink::settle_and_deactivate(billed_customer who, time_point) {
  const auto existing = co_await subscriptions_.find(who);
  co_await tracker_.settle(who);
  if (!existing || existing->status != subscription_status::active) co_return;
  try {
    co_await subscriptions_.unsubscribe(std::move(who));
  } catch (const boost::system::system_error& e) {
    if (e.code() != make_error_code(errc::not_found)) throw;  // gone meanwhile: nothing to do
  }
}

awaitable<void> marketplace_components_sink::sync_entitlements(billed_customer who) {
  co_await awsmp::sync_entitlements(entitlements_, checker_, product_code_, std::move(who));
}

awaitable<std::vector<billed_customer>> marketplace_components_sink::licenses_of(std::string account_id) {
  std::set<billed_customer> found;
  for (const auto status : {subscription_status::active, subscription_status::pending,
                            subscription_status::unsubscribed, subscription_status::expired}) {
    const auto subs = co_await store_.list(status);
    for (const auto& s : subs) {
      if (s.customer_aws_account_id == account_id && !s.license_arn.empty()) found.insert(s.customer());
    }
  }
  co_return std::vector<billed_customer>(found.begin(), found.end());
}

}  // namespace awsmp
