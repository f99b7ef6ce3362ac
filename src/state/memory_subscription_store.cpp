#include <awsmp/subscription_store.hpp>

#include "state/store_support.hpp"
#include "wire/rules.hpp"

namespace awsmp {
namespace {

// Among several licenses of one customer identifier, a legacy lookup answers an active one
// first, then the latest subscribed.
bool preferred(const subscription& a, const subscription& b) {
  const bool a_active = a.status == subscription_status::active;
  const bool b_active = b.status == subscription_status::active;
  if (a_active != b_active) return a_active;
  return a.subscribed_at > b.subscribed_at;
}

}  // namespace

memory_subscription_store::memory_subscription_store(asio::any_io_executor ex)
    : strand_(asio::make_strand(ex)) {}

awaitable<void> memory_subscription_store::put(subscription sub) {
  detail::validate_subscription(sub);
  auto op = detail::run_on(strand_, [this, sub = std::move(sub)]() mutable -> awaitable<void> {
    auto key = sub.customer();
    if (auto it = rows_.find(key); it != rows_.end() && key.is_account())
      by_identifier_.erase({it->second.customer_identifier, key});
    if (key.is_account() && !sub.customer_identifier.empty())
      by_identifier_.insert({sub.customer_identifier, key});
    rows_.insert_or_assign(std::move(key), std::move(sub));
    co_return;
  });
  co_await std::move(op);
}

awaitable<std::optional<subscription>> memory_subscription_store::get(billed_customer who) {
  detail::check_billed_customer("customer", who);
  auto op = detail::run_on(strand_, [this, who = std::move(who)]() -> awaitable<std::optional<subscription>> {
    if (auto it = rows_.find(who); it != rows_.end()) co_return it->second;
    if (who.is_account()) co_return std::nullopt;
    const subscription* best = nullptr;
    for (auto it = by_identifier_.lower_bound({who.customer_identifier, billed_customer{}});
         it != by_identifier_.end() && it->first == who.customer_identifier; ++it) {
      const subscription& candidate = rows_.at(it->second);
      if (!best || preferred(candidate, *best)) best = &candidate;
    }
    if (!best) co_return std::nullopt;
    co_return *best;
  });
  co_return co_await std::move(op);
}

awaitable<std::vector<subscription>> memory_subscription_store::list(subscription_status status) {
  auto op = detail::run_on(strand_, [this, status]() -> awaitable<std::vector<subscription>> {
    // A scan: listing by status is an hourly operator task, not a per-request one.
    std::vector<subscription> out;
    for (const auto& [key, sub] : rows_)
      if (sub.status == status) out.push_back(sub);
    co_return out;
  });
  co_return co_await std::move(op);
}

awaitable<void> memory_subscription_store::erase(billed_customer who) {
  detail::check_billed_customer("customer", who);
  auto op = detail::run_on(strand_, [this, who = std::move(who)]() -> awaitable<void> {
    if (who.is_account()) {
      if (auto it = rows_.find(who); it != rows_.end()) {
        by_identifier_.erase({it->second.customer_identifier, who});
        rows_.erase(it);
      }
      co_return;
    }
    rows_.erase(who);
    auto it = by_identifier_.lower_bound({who.customer_identifier, billed_customer{}});
    while (it != by_identifier_.end() && it->first == who.customer_identifier) {
      rows_.erase(it->second);
      it = by_identifier_.erase(it);
    }
    co_return;
  });
  co_await std::move(op);
}

}  // namespace awsmp
