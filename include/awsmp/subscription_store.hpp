// Where subscriptions live: the interface and its in-memory implementation.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
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

  /// Who it bills: the account form when customer_aws_account_id and license_arn are both set
  /// (then the store key is the license: two concurrent agreements of one account are two
  /// subscriptions), else the legacy form (customer_identifier). Never throws beyond bad_alloc.
  billed_customer customer() const;

  friend bool operator==(const subscription&, const subscription&) = default;
};

/// Storage of subscriptions keyed by subscription::customer(): the license in the account
/// form, the customer identifier in the legacy form. A legacy lookup (legacy(id), or the
/// string overloads) finds the legacy row of `id`, else a row stored under the account form
/// whose customer_identifier is `id` (ResolveCustomer returns all four ids); among several
/// such licenses it answers an active one first, then the latest subscribed_at.
/// Implementations refuse a key or field that breaks the rule book (UTF-8, 1..255 bytes, no
/// control characters; account id digits; LicenseArn pattern) with
/// system_error(errc::invalid_argument) before touching storage.
class subscription_store {
 public:
  virtual ~subscription_store() = default;
  /// Inserts or replaces the subscription stored under sub.customer().
  virtual awaitable<void> put(subscription sub) = 0;
  /// The subscription of `who` (see the legacy lookup above), or empty when there is none.
  virtual awaitable<std::optional<subscription>> get(billed_customer who) = 0;
  /// Every subscription in `status`, ordered by key.
  virtual awaitable<std::vector<subscription>> list(subscription_status status) = 0;
  /// Removes what get(who) would find: the license's row in the account form; in the legacy
  /// form the legacy row and every account-form row of that customer identifier. Removing a
  /// missing one is not an error.
  virtual awaitable<void> erase(billed_customer who) = 0;

  /// Legacy form: get(billed_customer::legacy(customer_identifier)); throws like it.
  awaitable<std::optional<subscription>> get(std::string customer_identifier);
  /// Legacy form: erase(billed_customer::legacy(customer_identifier)); throws like it.
  awaitable<void> erase(std::string customer_identifier);
};

/// A subscription_store in memory, protected by its own strand of the given executor.
class memory_subscription_store final : public subscription_store {
 public:
  /// Never throws beyond std::bad_alloc.
  explicit memory_subscription_store(asio::any_io_executor ex);
  using subscription_store::erase;
  using subscription_store::get;
  awaitable<void> put(subscription sub) override;
  awaitable<std::optional<subscription>> get(billed_customer who) override;
  awaitable<std::vector<subscription>> list(subscription_status status) override;
  awaitable<void> erase(billed_customer who) override;

 private:
  asio::strand<asio::any_io_executor> strand_;
  std::map<billed_customer, subscription> rows_;
  /// (customer_identifier, account-form key) of every account-form row, for legacy lookups.
  std::set<std::pair<std::string, billed_customer>> by_identifier_;
};

}  // namespace awsmp
