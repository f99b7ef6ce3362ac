// Where subscriptions live: the interface and its in-memory implementation.
#pragma once

#include <awsmp/common.hpp>

#include <boost/asio/strand.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp {

/// Lifecycle state of a subscription (wire/storage spelling: "active", "pending", ...).
enum class subscription_status { active, pending, unsubscribed, expired };

/// The storage spelling of a status; never throws.
std::string_view to_string(subscription_status status) noexcept;
template <>
subscription_status from_string<subscription_status>(std::string_view text);

/// One customer's subscription to the product, with all four ids AWS resolves.
struct subscription {
  std::string customer_identifier;
  std::string product_code;
  std::string customer_aws_account_id;
  std::string license_arn;
  subscription_status status = subscription_status::pending;
  time_point subscribed_at{};
  std::optional<time_point> unsubscribed_at;
  friend bool operator==(const subscription&, const subscription&) = default;
};

/// Storage of subscriptions keyed by customer. Implementations reject empty or over-long
/// (>255) ids with system_error(errc::invalid_argument) before touching storage.
class subscription_store {
public:
  virtual ~subscription_store() = default;
  /// Inserts or replaces the subscription of its customer.
  virtual awaitable<void> put(subscription sub) = 0;
  /// The subscription of a customer, or empty when there is none.
  virtual awaitable<std::optional<subscription>> get(std::string customer_identifier) = 0;
  /// Every subscription in `status`, ordered by customer.
  virtual awaitable<std::vector<subscription>> list(subscription_status status) = 0;
  /// Removes a customer's subscription; removing a missing one is not an error.
  virtual awaitable<void> erase(std::string customer_identifier) = 0;
};

/// A subscription_store in memory, protected by its own strand of the given executor.
class memory_subscription_store final : public subscription_store {
public:
  /// Never throws beyond std::bad_alloc.
  explicit memory_subscription_store(asio::any_io_executor ex);
  awaitable<void> put(subscription sub) override;
  awaitable<std::optional<subscription>> get(std::string customer_identifier) override;
  awaitable<std::vector<subscription>> list(subscription_status status) override;
  awaitable<void> erase(std::string customer_identifier) override;

private:
  asio::strand<asio::any_io_executor> strand_;
  std::map<std::string, subscription, std::less<>> rows_;
};

}  // namespace awsmp
