// Internal helpers shared by the stores, the entitlement checker and the subscription manager.
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/subscription_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
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

/// Longest license ARN a store accepts (AWS ARNs are at most 2048 characters).
inline constexpr std::size_t max_license_arn_length = 2048;

/// Checks an optional text field: empty, or at most `max` bytes without control characters;
/// throws system_error(errc::invalid_argument) naming the field.
void validate_optional_field(std::string_view field, std::string_view value, std::size_t max);

/// Checks the key and fields of an entitlement before it is stored (product code optional).
void validate_entitlement(const entitlement& ent);

/// Checks the key and fields of a subscription before it is stored.
void validate_subscription(const subscription& sub);

}  // namespace awsmp::detail
