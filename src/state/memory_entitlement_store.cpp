#include <awsmp/entitlement_store.hpp>

#include "state/store_support.hpp"
#include "wire/rules.hpp"

namespace awsmp {

memory_entitlement_store::memory_entitlement_store(asio::any_io_executor ex)
    : strand_(asio::make_strand(ex)) {}

awaitable<void> memory_entitlement_store::put(entitlement ent) {
  detail::validate_entitlement(ent);
  auto op = detail::run_on(strand_, [this, ent = std::move(ent)]() mutable -> awaitable<void> {
    auto key = std::make_pair(ent.customer(), ent.dimension);
    if (key.first.is_account()) {
      if (auto it = rows_.find(key); it != rows_.end())
        by_identifier_.erase({it->second.customer_identifier, key.second, key.first});
      if (!ent.customer_identifier.empty())
        by_identifier_.insert({ent.customer_identifier, key.second, key.first});
    }
    rows_.insert_or_assign(std::move(key), std::move(ent));
    co_return;
  });
  co_await std::move(op);
}

awaitable<std::optional<entitlement>> memory_entitlement_store::get(billed_customer who,
                                                                    std::string dimension) {
  detail::check_billed_customer("customer", who);
  detail::check_identifier("dimension", dimension);
  auto op = detail::run_on(
      strand_,
      [this, key = std::make_pair(std::move(who),
                                  std::move(dimension))]() -> awaitable<std::optional<entitlement>> {
        if (auto it = rows_.find(key); it != rows_.end()) co_return it->second;
        if (key.first.is_account()) co_return std::nullopt;
        // Legacy lookup of an account-form row: the first license in key order.
        auto it = by_identifier_.lower_bound({key.first.customer_identifier, key.second, billed_customer{}});
        if (it == by_identifier_.end() || std::get<0>(*it) != key.first.customer_identifier ||
            std::get<1>(*it) != key.second)
          co_return std::nullopt;
        co_return rows_.at(std::make_pair(std::get<2>(*it), key.second));
      });
  co_return co_await std::move(op);
}

awaitable<std::vector<entitlement>> memory_entitlement_store::list(billed_customer who) {
  detail::check_billed_customer("customer", who);
  auto op = detail::run_on(strand_, [this, who = std::move(who)]() -> awaitable<std::vector<entitlement>> {
    // Keys are ordered by (customer, dimension), so one customer's rows are contiguous and
    // already ordered by dimension.
    std::vector<entitlement> out;
    for (auto it = rows_.lower_bound(std::make_pair(who, std::string()));
         it != rows_.end() && it->first.first == who; ++it)
      out.push_back(it->second);
    if (!who.is_account()) {
      for (auto it = by_identifier_.lower_bound({who.customer_identifier, std::string(), billed_customer{}});
           it != by_identifier_.end() && std::get<0>(*it) == who.customer_identifier; ++it)
        out.push_back(rows_.at(std::make_pair(std::get<2>(*it), std::get<1>(*it))));
    }
    co_return out;
  });
  co_return co_await std::move(op);
}

awaitable<void> memory_entitlement_store::erase(billed_customer who, std::string dimension) {
  detail::check_billed_customer("customer", who);
  detail::check_identifier("dimension", dimension);
  auto op = detail::run_on(
      strand_, [this, key = std::make_pair(std::move(who), std::move(dimension))]() -> awaitable<void> {
        if (key.first.is_account()) {
          if (auto it = rows_.find(key); it != rows_.end()) {
            by_identifier_.erase({it->second.customer_identifier, key.second, key.first});
            rows_.erase(it);
          }
          co_return;
        }
        rows_.erase(key);
        auto it = by_identifier_.lower_bound({key.first.customer_identifier, key.second, billed_customer{}});
        while (it != by_identifier_.end() && std::get<0>(*it) == key.first.customer_identifier &&
               std::get<1>(*it) == key.second) {
          rows_.erase(std::make_pair(std::get<2>(*it), key.second));
          it = by_identifier_.erase(it);
        }
        co_return;
      });
  co_await std::move(op);
}

}  // namespace awsmp
