// marketplace_components_sink: the event_sink of a real deployment. It applies AWS Marketplace
// lifecycle events to subscription_manager, token_billing_tracker and sync_entitlements.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/marketplace_event_consumer.hpp>
#include <awsmp/subscription_manager.hpp>
#include <awsmp/subscription_store.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <string>
#include <vector>

namespace awsmp {

/// Applies lifecycle events to the seller's components. Every operation is idempotent, and a
/// subscribe older than the unsubscribe already applied is ignored (SNS and SQS deliver at least
/// once and out of order). Every reference must outlive the sink; its operations run on the callers'
/// executors and the components serialise themselves.
class marketplace_components_sink final : public event_sink {
 public:
  /// `product_code`: the product whose entitlements are synced (GetEntitlements needs it) and
  /// the code used when an event names none. Throws system_error(errc::invalid_argument) when it
  /// is empty.
  marketplace_components_sink(subscription_manager& subscriptions, subscription_store& store,
                              token_billing_tracker& tracker, entitlement_service_api& entitlements,
                              entitlement_checker& checker, std::string product_code);

  /// Activates `who` unless it was unsubscribed after `event_time`; throws what the manager throws.
  awaitable<void> activate(billed_customer who, std::string product_code, time_point event_time) override;
  /// Bills `who`'s open usage now (tracker.bill_now); throws what the tracker throws.
  awaitable<void> bill_now(billed_customer who, time_point event_time) override;
  /// Settles `who`'s remainder, then unsubscribes it (an unknown or inactive customer is settled
  /// only). Throws what the components throw.
  awaitable<void> settle_and_deactivate(billed_customer who, time_point event_time) override;
  /// Re-syncs `who`'s entitlements (the per-customer sync_entitlements); throws what it throws.
  awaitable<void> sync_entitlements(billed_customer who) override;
  /// The account-form subscriptions of `account_id`, in any status; throws what the store throws.
  awaitable<std::vector<billed_customer>> licenses_of(std::string account_id) override;

 private:
  subscription_manager& subscriptions_;
  subscription_store& store_;
  token_billing_tracker& tracker_;
  entitlement_service_api& entitlements_;
  entitlement_checker& checker_;
  std::string product_code_;
};

}  // namespace awsmp
