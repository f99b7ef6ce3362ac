#include <awsmp/entitlement_sync.hpp>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/validation.hpp>
#include "core/log_line.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <type_traits>
#include <variant>

namespace awsmp {
namespace {

std::int64_t value_of(const entitlement_value& v) {
  return std::visit(
      [](const auto& x) -> std::int64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return 1;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return x;
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isnan(x)) return 0;
          const double up = std::ceil(x);
          if (up >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
          if (up <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
          return static_cast<std::int64_t>(up);
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? 1 : 0;
        } else {
          return x.empty() ? 0 : 1;
        }
      },
      v);
}

bool usable(std::string_view s) {
  if (s.empty() || s.size() > max_identifier_length) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

// The two ways of writing: through a checker (cache kept coherent) or to a bare store.
struct sync_target {
  std::function<awaitable<std::vector<entitlement>>(std::string)> list;
  std::function<awaitable<void>(entitlement)> put;
  std::function<awaitable<void>(std::string, std::string)> erase;
};

awaitable<entitlement_sync_result> run_sync(entitlement_service_api& service, subscription_store& subscriptions,
                                            std::string product_code, sync_target target) {
  validate_product_code(product_code);
  get_entitlements_input input;
  input.product_code = product_code;
  // Every page first: a failure part-way must not look like "AWS no longer lists these".
  const std::vector<marketplace_entitlement> from_aws = co_await service.get_all_entitlements(input);

  std::set<std::string> customers;
  for (const auto& aws : from_aws)
    if (auto e = to_entitlement(aws)) customers.insert(e->customer_identifier);
  for (auto status : {subscription_status::active, subscription_status::pending, subscription_status::unsubscribed,
                      subscription_status::expired}) {
    auto subs = co_await subscriptions.list(status);
    for (auto& sub : subs) customers.insert(std::move(sub.customer_identifier));
  }

  std::vector<entitlement> stored;
  for (const auto& customer : customers) {
    auto rows = co_await target.list(customer);
    stored.insert(stored.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
  }

  entitlement_sync_plan plan = plan_entitlement_sync(product_code, from_aws, stored);
  if (plan.skipped)
    detail::log(log_level::warning, "sync_entitlements: skipped " + std::to_string(plan.skipped) +
                                        " entitlements without a usable customer id or dimension");
  entitlement_sync_result result;
  result.received = from_aws.size();
  result.unchanged = plan.unchanged;
  result.skipped = plan.skipped;
  for (auto& e : plan.upserts) {
    co_await target.put(std::move(e));
    ++result.written;
  }
  for (auto& [customer, dimension] : plan.removals) {
    co_await target.erase(customer, dimension);
    ++result.removed;
  }
  detail::log(log_level::info, "sync_entitlements " + product_code + ": received " + std::to_string(result.received) +
                                   ", written " + std::to_string(result.written) + ", removed " +
                                   std::to_string(result.removed));
  co_return result;
}

}  // namespace

std::optional<entitlement> to_entitlement(const marketplace_entitlement& aws) {
  entitlement e;
  e.customer_identifier = aws.customer_identifier.empty() ? aws.customer_aws_account_id : aws.customer_identifier;
  e.dimension = aws.dimension;
  if (!usable(e.customer_identifier) || !usable(e.dimension)) return std::nullopt;
  e.product_code = aws.product_code;
  e.value = value_of(aws.value);
  e.expires_at = aws.expiration_date ? *aws.expiration_date : never_expires;
  return e;
}

entitlement_sync_plan plan_entitlement_sync(std::string_view product_code,
                                            const std::vector<marketplace_entitlement>& from_aws,
                                            const std::vector<entitlement>& stored) {
  entitlement_sync_plan plan;
  std::map<std::pair<std::string, std::string>, entitlement> wanted;
  for (const auto& aws : from_aws) {
    auto e = to_entitlement(aws);
    if (!e) {
      ++plan.skipped;
      continue;
    }
    // AWS was asked for this product; a row of another product would be a service bug, and
    // storing it under this sync would let the next sync of that product delete it.
    e->product_code = std::string(product_code);
    auto key = std::make_pair(e->customer_identifier, e->dimension);
    wanted.insert_or_assign(std::move(key), std::move(*e));
  }
  std::map<std::pair<std::string, std::string>, const entitlement*> have;
  for (const auto& row : stored) have.emplace(std::make_pair(row.customer_identifier, row.dimension), &row);

  for (auto& [key, e] : wanted) {
    auto it = have.find(key);
    if (it != have.end() && *it->second == e)
      ++plan.unchanged;
    else
      plan.upserts.push_back(e);
  }
  for (const auto& [key, row] : have)
    if (row->product_code == product_code && !wanted.contains(key)) plan.removals.push_back(key);
  return plan;
}

awaitable<entitlement_sync_result> sync_entitlements(entitlement_service_api& service, entitlement_checker& checker,
                                                     subscription_store& subscriptions, std::string product_code) {
  sync_target target{
      [&checker](std::string c) { return checker.store().list(std::move(c)); },
      [&checker](entitlement e) { return checker.grant_entitlement(std::move(e)); },
      [&checker](std::string c, std::string d) { return checker.revoke_entitlement(std::move(c), std::move(d)); }};
  co_return co_await run_sync(service, subscriptions, std::move(product_code), std::move(target));
}

awaitable<entitlement_sync_result> sync_entitlements(entitlement_service_api& service, entitlement_store& store,
                                                     subscription_store& subscriptions, std::string product_code) {
  sync_target target{[&store](std::string c) { return store.list(std::move(c)); },
                     [&store](entitlement e) { return store.put(std::move(e)); },
                     [&store](std::string c, std::string d) { return store.erase(std::move(c), std::move(d)); }};
  co_return co_await run_sync(service, subscriptions, std::move(product_code), std::move(target));
}

}  // namespace awsmp
