#include <awsmp/entitlement_store.hpp>
#include <awsmp/validation.hpp>

#include "state/store_support.hpp"

namespace awsmp {

memory_entitlement_store::memory_entitlement_store(asio::any_io_executor ex) : strand_(asio::make_strand(ex)) {}

awaitable<void> memory_entitlement_store::put(entitlement ent) {
  detail::validate_entitlement(ent);
  auto op = detail::run_on(strand_, [this, ent = std::move(ent)]() mutable -> awaitable<void> {
    auto key = std::make_pair(ent.customer_identifier, ent.dimension);
    rows_.insert_or_assign(std::move(key), std::move(ent));
    co_return;
  });
  co_await std::move(op);
}

awaitable<std::optional<entitlement>> memory_entitlement_store::get(std::string customer_identifier,
                                                                     std::string dimension) {
  validate_identifier("customer_identifier", customer_identifier);
  validate_identifier("dimension", dimension);
  auto op = detail::run_on(
      strand_, [this, key = std::make_pair(std::move(customer_identifier), std::move(dimension))]()
                   -> awaitable<std::optional<entitlement>> {
        auto it = rows_.find(key);
        if (it == rows_.end()) co_return std::nullopt;
        co_return it->second;
      });
  co_return co_await std::move(op);
}

awaitable<std::vector<entitlement>> memory_entitlement_store::list(std::string customer_identifier) {
  validate_identifier("customer_identifier", customer_identifier);
  auto op = detail::run_on(
      strand_, [this, customer = std::move(customer_identifier)]() -> awaitable<std::vector<entitlement>> {
        // Keys are ordered by (customer, dimension), so one customer's rows are contiguous
        // and already ordered by dimension.
        std::vector<entitlement> out;
        for (auto it = rows_.lower_bound(std::make_pair(customer, std::string()));
             it != rows_.end() && it->first.first == customer; ++it)
          out.push_back(it->second);
        co_return out;
      });
  co_return co_await std::move(op);
}

awaitable<void> memory_entitlement_store::erase(std::string customer_identifier, std::string dimension) {
  validate_identifier("customer_identifier", customer_identifier);
  validate_identifier("dimension", dimension);
  auto op = detail::run_on(strand_,
                          [this, key = std::make_pair(std::move(customer_identifier), std::move(dimension))]()
                              -> awaitable<void> {
                            rows_.erase(key);
                            co_return;
                          });
  co_await std::move(op);
}

}  // namespace awsmp
