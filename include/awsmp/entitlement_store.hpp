// Where entitlements live: the interface and its in-memory implementation.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace awsmp {

/// The expires_at of an entitlement without end (time_point::max()).
inline constexpr time_point never_expires = time_point::max();

/// One customer's entitlement to a dimension of a product, as the application stores it.
/// It is in force while value > 0 and now < expires_at; the default expires_at (the epoch)
/// is already past, so set never_expires or a real end.
struct entitlement {
  std::string customer_identifier;
  std::string product_code;
  std::string dimension;
  std::int64_t value = 0;
  time_point expires_at{};
  std::string customer_aws_account_id{};  ///< account form (with license_arn)
  std::string license_arn{};              ///< account form: the license this entitlement belongs to

  /// Who it belongs to, by the rule of subscription::customer(): the account form when
  /// customer_aws_account_id and license_arn are both set, else the legacy form. Never throws
  /// beyond std::bad_alloc.
  billed_customer customer() const;

  friend bool operator==(const entitlement&, const entitlement&) = default;
};

/// Storage of entitlements keyed by (entitlement::customer(), dimension). A legacy lookup
/// (legacy(id), or the string overloads) finds the legacy row of `id`, else a row stored under
/// the account form whose customer_identifier is `id` (the first in license order).
/// Implementations refuse a key or field that breaks the rule book with
/// system_error(errc::invalid_argument) before touching storage; storage failures are thrown
/// as system_error.
class entitlement_store {
 public:
  virtual ~entitlement_store() = default;
  /// Inserts or replaces the row of (ent.customer(), ent.dimension).
  virtual awaitable<void> put(entitlement ent) = 0;
  /// The row of (who, dimension) (see the legacy lookup above), or empty when there is none.
  virtual awaitable<std::optional<entitlement>> get(billed_customer who, std::string dimension) = 0;
  /// Every row of `who`, ordered by dimension (legacy form: also the account-form rows carrying
  /// that customer identifier, after the legacy ones).
  virtual awaitable<std::vector<entitlement>> list(billed_customer who) = 0;
  /// Removes what get(who, dimension) could find (legacy form: the legacy row and every
  /// account-form row of that customer identifier and dimension); a missing row is not an error.
  virtual awaitable<void> erase(billed_customer who, std::string dimension) = 0;

  /// Legacy form: get(billed_customer::legacy(customer_identifier), dimension); throws like it.
  awaitable<std::optional<entitlement>> get(std::string customer_identifier, std::string dimension);
  /// Legacy form: list(billed_customer::legacy(customer_identifier)); throws like it.
  awaitable<std::vector<entitlement>> list(std::string customer_identifier);
  /// Legacy form: erase(billed_customer::legacy(customer_identifier), dimension); throws like it.
  awaitable<void> erase(std::string customer_identifier, std::string dimension);
};

/// An entitlement_store in memory, protected by its own strand of the given executor.
class memory_entitlement_store final : public entitlement_store {
 public:
  /// Never throws beyond std::bad_alloc.
  explicit memory_entitlement_store(asio::any_io_executor ex);
  using entitlement_store::erase;
  using entitlement_store::get;
  using entitlement_store::list;
  awaitable<void> put(entitlement ent) override;
  awaitable<std::optional<entitlement>> get(billed_customer who, std::string dimension) override;
  awaitable<std::vector<entitlement>> list(billed_customer who) override;
  awaitable<void> erase(billed_customer who, std::string dimension) override;

 private:
  asio::strand<asio::any_io_executor> strand_;
  std::map<std::pair<billed_customer, std::string>, entitlement> rows_;
  /// (customer_identifier, dimension, account-form key) of every account-form row, for legacy lookups.
  std::set<std::tuple<std::string, std::string, billed_customer>> by_identifier_;
};

}  // namespace awsmp
