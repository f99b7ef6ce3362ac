// subscription_manager: turns AWS Marketplace registration tokens into stored subscriptions.
#pragma once

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
  /// ids and subscribed_at = now; subscribing again after unsubscribing reactivates with a
  /// new subscribed_at. Throws system_error(errc::invalid_argument) for a token of bad length
  /// or characters before anything is sent, errc::product_mismatch when the token belongs to
  /// another product, errc::malformed_message when AWS's answer lacks a customer id, and what
  /// metering_api and the store throw. The token never appears in messages or logs.
  awaitable<subscription> subscribe(std::string registration_token);
  /// Marks the subscription unsubscribed with unsubscribed_at = now (an already
  /// unsubscribed one keeps its first unsubscribed_at). Throws system_error(errc::not_found)
  /// for an unknown customer, errc::invalid_argument for a bad id, and what the store throws.
  awaitable<void> unsubscribe(std::string customer_identifier);
  /// True when the customer's subscription is active; throws like the store's get.
  awaitable<bool> is_active(std::string customer_identifier);
  /// The customer's subscription, or empty; throws like the store's get.
  awaitable<std::optional<subscription>> find(std::string customer_identifier);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace awsmp
