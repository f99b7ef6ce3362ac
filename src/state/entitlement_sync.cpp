#include <awsmp/entitlement_sync.hpp>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/validation.hpp>
#include <boost/system/system_error.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <type_traits>
#include <variant>

#include "core/log_line.hpp"
#include "state/store_support.hpp"
#include "wire/rules.hpp"

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

// The two ways of writing: through a checker (cache kept coherent) or to a bare store.
struct sync_target {
  std::function<awaitable<std::vector<entitlement>>(billed_customer)> list;
  std::function<awaitable<void>(entitlement)> put;
  std::function<awaitable<void>(billed_customer, std::string)> erase;
};

awaitable<entitlement_sync_result> apply_plan(const std::string& product_code,
                                              const std::vector<marketplace_entitlement>& from_aws,
                                              const std::vector<entitlement>& stored, sync_target& target,
                                              const std::string& scope) {
  entitlement_sync_plan plan = plan_entitlement_sync(product_code, from_aws, stored);
  if (plan.skipped)
    detail::log(log_level::warning, "sync_entitlements: skipped " + std::to_string(plan.skipped) +
                                        " entitlements without a usable customer or dimension");
  entitlement_sync_result result;
  result.received = from_aws.size();
  result.unchanged = plan.unchanged;
  result.skipped = plan.skipped;
  for (auto& e : plan.upserts) {
    co_await target.put(std::move(e));
    ++result.written;
  }
  for (auto& [who, dimension] : plan.removals) {
    co_await target.erase(who, dimension);
    ++result.removed;
  }
  detail::log(log_level::info,
              "sync_entitlements " + scope + ": received " + std::to_string(result.received) + ", written " +
                  std::to_string(result.written) + ", removed " + std::to_string(result.removed));
  co_return result;
}

awaitable<entitlement_sync_result> run_sync(entitlement_service_api& service,
                                            subscription_store& subscriptions, std::string product_code,
                                            sync_target target) {
  validate_product_code(product_code);
  get_entitlements_input input;
  input.product_code = product_code;
  // Every page first: a failure part-way must not look like "AWS no longer lists these".
  const std::vector<marketplace_entitlement> from_aws = co_await service.get_all_entitlements(input);

  std::set<billed_customer> customers;
  for (const auto& aws : from_aws)
    if (auto e = to_entitlement(aws)) customers.insert(e->customer());
  for (auto status : {subscription_status::active, subscription_status::pending,
                      subscription_status::unsubscribed, subscription_status::expired}) {
    auto subs = co_await subscriptions.list(status);
    for (auto& sub : subs) {
      billed_customer who = sub.customer();
      // A row that breaks today's rules (e.g. from an older file) cannot be looked up; skip it.
      if (!who.is_account() && !detail::identifier_violation(who.customer_identifier).empty()) continue;
      customers.insert(std::move(who));
    }
  }

  // Rows are compared by their own key: a legacy list also returns account-form rows of that
  // customer identifier, which may appear under two customers here, so keep each key once.
  std::vector<entitlement> stored;
  std::set<std::pair<billed_customer, std::string>> seen;
  for (const auto& who : customers) {
    auto rows = co_await target.list(who);
    for (auto& row : rows)
      if (seen.insert({row.customer(), row.dimension}).second) stored.push_back(std::move(row));
  }
  co_return co_await apply_plan(product_code, from_aws, stored, target, product_code);
}

awaitable<entitlement_sync_result> run_customer_sync(entitlement_service_api& service,
                                                     std::string product_code, billed_customer who,
                                                     sync_target target) {
  validate_product_code(product_code);
  detail::check_billed_customer("customer", who);
  get_entitlements_input input;
  input.product_code = product_code;
  if (who.is_account()) {
    input.filter[entitlement_filter::license_arn] = {who.license_arn};
    input.filter[entitlement_filter::customer_aws_account_id] = {who.customer_aws_account_id};
  } else {
    input.filter[entitlement_filter::customer_identifier] = {who.customer_identifier};
  }
  const std::vector<marketplace_entitlement> from_aws = co_await service.get_all_entitlements(input);
  // Only this customer's rows may be written or removed, whatever the service returned.
  std::vector<marketplace_entitlement> mine;
  for (const auto& aws : from_aws) {
    auto e = to_entitlement(aws);
    if (!e) {
      mine.push_back(aws);  // counted as skipped by the plan
      continue;
    }
    const billed_customer key = e->customer();
    if (key == who || (!who.is_account() && e->customer_identifier == who.customer_identifier))
      mine.push_back(aws);
  }
  const std::vector<entitlement> stored = co_await target.list(who);
  auto result = co_await apply_plan(product_code, mine, stored, target, product_code + " " + to_string(who));
  result.received = from_aws.size();
  co_return result;
}

}  // namespace

std::optional<entitlement> to_entitlement(const marketplace_entitlement& aws) {
  entitlement e;
  e.customer_identifier = aws.customer_identifier;
  e.customer_aws_account_id = aws.customer_aws_account_id;
  e.license_arn = aws.license_arn;
  if (e.customer_identifier.empty() && e.license_arn.empty()) {
    // 0.1.0 stored an entitlement without CustomerIdentifier under its account id.
    e.customer_identifier = std::move(e.customer_aws_account_id);
    e.customer_aws_account_id.clear();
  }
  e.dimension = aws.dimension;
  try {
    detail::check_identifier("dimension", e.dimension);
    detail::validate_entitlement(e);
  } catch (const boost::system::system_error&) {
    return std::nullopt;
  }
  e.product_code = aws.product_code;
  e.value = value_of(aws.value);
  e.expires_at = aws.expiration_date ? *aws.expiration_date : never_expires;
  return e;
}

entitlement_sync_plan plan_entitlement_sync(std::string_view product_code,
                                            const std::vector<marketplace_entitlement>& from_aws,
                                            const std::vector<entitlement>& stored) {
  entitlement_sync_plan plan;
  std::map<std::pair<billed_customer, std::string>, entitlement> wanted;
  for (const auto& aws : from_aws) {
    auto e = to_entitlement(aws);
    if (!e) {
      ++plan.skipped;
      continue;
    }
    // AWS was asked for this product; a row of another product would be a service bug, and
    // storing it under this sync would let the next sync of that product delete it.
    e->product_code = std::string(product_code);
    auto key = std::make_pair(e->customer(), e->dimension);
    wanted.insert_or_assign(std::move(key), std::move(*e));
  }
  std::map<std::pair<billed_customer, std::string>, const entitlement*> have;
  for (const auto& row : stored) have.emplace(std::make_pair(row.customer(), row.dimension), &row);

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

namespace {

sync_target checker_target(entitlement_checker& checker) {
  return sync_target{[&checker](billed_customer c) { return checker.store().list(std::move(c)); },
                     [&checker](entitlement e) { return checker.grant_entitlement(std::move(e)); },
                     [&checker](billed_customer c, std::string d) {
                       return checker.revoke_entitlement(std::move(c), std::move(d));
                     }};
}

}  // namespace

awaitable<entitlement_sync_result> sync_entitlements(entitlement_service_api& service,
                                                     entitlement_checker& checker,
                                                     subscription_store& subscriptions,
                                                     std::string product_code) {
  auto target = checker_target(checker);
  co_return co_await run_sync(service, subscriptions, std::move(product_code), std::move(target));
}

awaitable<entitlement_sync_result> sync_entitlements(entitlement_service_api& service,
                                                     entitlement_store& store,
                                                     subscription_store& subscriptions,
                                                     std::string product_code) {
  sync_target target{
      [&store](billed_customer c) { return store.list(std::move(c)); },
      [&store](entitlement e) { return store.put(std::move(e)); },
      [&store](billed_customer c, std::string d) { return store.erase(std::move(c), std::move(d)); }};
  co_return co_await run_sync(service, subscriptions, std::move(product_code), std::move(target));
}

awaitable<entitlement_sync_result> sync_entitlements(entitlement_service_api& service,
                                                     entitlement_checker& checker, std::string product_code,
                                                     billed_customer who) {
  auto target = checker_target(checker);
  co_return co_await run_customer_sync(service, std::move(product_code), std::move(who), std::move(target));
}

}  // namespace awsmp
