// Internal helpers shared by the stores, the entitlement checker and the subscription manager.
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/subscription_store.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace awsmp::detail {

/// Runs `fn` (a callable returning awaitable<T>) as a coroutine on `strand` and resumes the
/// caller on its own executor with the result or the exception. This is how a coroutine
/// enters a strand: `co_await post(strand)` would resume on the caller's executor instead.
/// Name the result before awaiting it (`auto op = run_on(...); co_await std::move(op);`):
/// g++ 12 destroys an aggregate temporary, such as a lambda with init-captures, twice when
/// it is created inside a co_await full-expression.
template <class Strand, class Fn>
auto run_on(const Strand& strand, Fn fn) {
  return asio::co_spawn(strand, std::move(fn), asio::use_awaitable);
}

/// The billed customer a record of these ids belongs to: the account form when the account
/// id and the license ARN are both set, else the legacy form. Never throws beyond bad_alloc.
billed_customer customer_of(const std::string& customer_identifier, const std::string& account_id,
                            const std::string& license_arn);

/// The store key text of a billed customer ("legacy:<id>" / "account:<digits>/<arn>"): the
/// account id is digits only, so the text is unambiguous. Never throws beyond bad_alloc.
std::string store_key(const billed_customer& who);

/// Checks the key and fields of an entitlement before it is stored (product code optional).
void validate_entitlement(const entitlement& ent);

/// Checks the key and fields of a subscription before it is stored.
void validate_subscription(const subscription& sub);

}  // namespace awsmp::detail
