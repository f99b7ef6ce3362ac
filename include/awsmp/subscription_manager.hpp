// subscription_manager: turns AWS Marketplace registration tokens into stored subscriptions.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/metering_api.hpp>
#include <awsmp/subscription_store.hpp>
#include <memory>
#include <optional>
#include <string>

namespace awsmp {

/// Subscribes and unsubscribes customers of one product (or of any product when
/// product_code is empty). Its writes are serialised among themselves (an async lock held
/// across the store calls), so a subscribe racing an unsubscribe of the same customer
/// leaves one of the two results, never a mix. Thread-safe; `store` and `metering` must
/// outlive the manager, and operations must complete before it is destroyed.
class subscription_manager {
 public:
  /// product_code empty: accept any product; else a token resolving to another product is
  /// rejected. Throws system_error(errc::invalid_argument) for a malformed product code.
  subscription_manager(asio::any_io_executor ex, subscription_store& store, metering_api& metering,
                       std::string product_code = {});
  /// As above with an injectable wall clock (empty: system_clock::now), for tests.
  subscription_manager(asio::any_io_executor ex, subscription_store& store, metering_api& metering,
                       std::string product_code, clock_function clock);
  ~subscription_manager();
  subscription_manager(const subscription_manager&) = delete;
  subscription_manager& operator=(const subscription_manager&) = delete;

  /// Resolves the token (ResolveCustomer) and stores an active subscription with all four
  /// ids and subscribed_at = now, under subscription::customer() (the license when AWS returns
  /// an account id and a LicenseArn, so each concurrent agreement is its own subscription);
  /// subscribing again after unsubscribing reactivates that key with a new subscribed_at.
  /// Throws system_error(errc::invalid_argument) for a token of bad length or characters
  /// before anything is sent, errc::product_mismatch when the token belongs to another
  /// product, errc::malformed_message when AWS's answer lacks a customer id, and what
  /// metering_api and the store throw. The token never appears in messages or logs.
  awaitable<subscription> subscribe(std::string registration_token);
  /// Creates or reactivates an active subscription for `who` without a registration token
  /// (what an SNS subscribe-success or an EventBridge "Purchase Agreement Created" says).
  /// Idempotent: an active subscription is returned unchanged. product_code empty: the
  /// manager's. Throws system_error(errc::invalid_argument) for a bad id or product code,
  /// errc::product_mismatch when the manager is bound to another product code, and what the
  /// store throws.
  awaitable<subscription> activate(billed_customer who, std::string product_code);
  /// Marks the subscription of `who` unsubscribed with unsubscribed_at = now (an already
  /// unsubscribed one keeps its first unsubscribed_at). Throws system_error(errc::not_found)
  /// when there is none, errc::invalid_argument for a bad id, and what the store throws.
  awaitable<void> unsubscribe(billed_customer who);
  /// Legacy form: unsubscribe(billed_customer::legacy(customer_identifier)).
  awaitable<void> unsubscribe(std::string customer_identifier);
  /// True when the subscription of `who` is active; throws like the store's get.
  awaitable<bool> is_active(billed_customer who);
  /// Legacy form: is_active(billed_customer::legacy(customer_identifier)).
  awaitable<bool> is_active(std::string customer_identifier);
  /// The subscription of `who`, or empty; throws like the store's get.
  awaitable<std::optional<subscription>> find(billed_customer who);
  /// Legacy form: find(billed_customer::legacy(customer_identifier)).
  awaitable<std::optional<subscription>> find(std::string customer_identifier);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace awsmp
