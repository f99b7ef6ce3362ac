// Where entitlements live: the interface and its in-memory implementation.
#pragma once

#include <awsmp/common.hpp>

#include <boost/asio/strand.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
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
  friend bool operator==(const entitlement&, const entitlement&) = default;
};

/// Storage of entitlements keyed by (customer, dimension). Implementations reject empty or
/// over-long (>255) ids and dimensions with system_error(errc::invalid_argument) before
/// touching storage; storage failures are thrown as system_error.
class entitlement_store {
public:
  virtual ~entitlement_store() = default;
  /// Inserts or replaces the row of (customer, dimension).
  virtual awaitable<void> put(entitlement ent) = 0;
  /// The row of (customer, dimension), or empty when there is none.
  virtual awaitable<std::optional<entitlement>> get(std::string customer_identifier, std::string dimension) = 0;
  /// Every row of one customer, ordered by dimension.
  virtual awaitable<std::vector<entitlement>> list(std::string customer_identifier) = 0;
  /// Removes the row of (customer, dimension); removing a missing row is not an error.
  virtual awaitable<void> erase(std::string customer_identifier, std::string dimension) = 0;
};

/// An entitlement_store in memory, protected by its own strand of the given executor.
class memory_entitlement_store final : public entitlement_store {
public:
  /// Never throws beyond std::bad_alloc.
  explicit memory_entitlement_store(asio::any_io_executor ex);
  awaitable<void> put(entitlement ent) override;
  awaitable<std::optional<entitlement>> get(std::string customer_identifier, std::string dimension) override;
  awaitable<std::vector<entitlement>> list(std::string customer_identifier) override;
  awaitable<void> erase(std::string customer_identifier, std::string dimension) override;

private:
  asio::strand<asio::any_io_executor> strand_;
  std::map<std::pair<std::string, std::string>, entitlement> rows_;
};

}  // namespace awsmp
