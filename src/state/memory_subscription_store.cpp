#include <awsmp/subscription_store.hpp>
#include <awsmp/validation.hpp>

#include "state/store_support.hpp"

namespace awsmp {

memory_subscription_store::memory_subscription_store(asio::any_io_executor ex) : strand_(asio::make_strand(ex)) {}

awaitable<void> memory_subscription_store::put(subscription sub) {
  detail::validate_subscription(sub);
  auto op = detail::run_on(strand_, [this, sub = std::move(sub)]() mutable -> awaitable<void> {
    auto key = sub.customer_identifier;
    rows_.insert_or_assign(std::move(key), std::move(sub));
    co_return;
  });
  co_await std::move(op);
}

awaitable<std::optional<subscription>> memory_subscription_store::get(std::string customer_identifier) {
  validate_identifier("customer_identifier", customer_identifier);
  auto op = detail::run_on(
      strand_, [this, customer = std::move(customer_identifier)]() -> awaitable<std::optional<subscription>> {
        auto it = rows_.find(customer);
        if (it == rows_.end()) co_return std::nullopt;
        co_return it->second;
      });
  co_return co_await std::move(op);
}

awaitable<std::vector<subscription>> memory_subscription_store::list(subscription_status status) {
  auto op = detail::run_on(strand_, [this, status]() -> awaitable<std::vector<subscription>> {
    // A scan: listing by status is an hourly operator task, not a per-request one.
    std::vector<subscription> out;
    for (const auto& [customer, sub] : rows_)
      if (sub.status == status) out.push_back(sub);
    co_return out;
  });
  co_return co_await std::move(op);
}

awaitable<void> memory_subscription_store::erase(std::string customer_identifier) {
  validate_identifier("customer_identifier", customer_identifier);
  auto op = detail::run_on(strand_, [this, customer = std::move(customer_identifier)]() -> awaitable<void> {
    rows_.erase(customer);
    co_return;
  });
  co_await std::move(op);
}

}  // namespace awsmp
