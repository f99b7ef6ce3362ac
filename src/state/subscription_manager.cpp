#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <awsmp/subscription_manager.hpp>
#include <awsmp/validation.hpp>

#include "core/async_mutex.hpp"
#include "core/log_line.hpp"
#include "core/throw.hpp"
#include "wire/rules.hpp"

namespace awsmp {

struct subscription_manager::impl {
  impl(asio::any_io_executor ex, subscription_store& s, metering_api& m, std::string product,
       clock_function c)
      : store(s), metering(m), product_code(std::move(product)), clock(std::move(c)), writes(std::move(ex)) {
    if (!product_code.empty()) validate_product_code(product_code);
    if (!clock) clock = [] { return std::chrono::system_clock::now(); };
  }

  subscription_store& store;
  metering_api& metering;
  std::string product_code;
  clock_function clock;
  detail::async_mutex writes;
};

subscription_manager::subscription_manager(asio::any_io_executor ex, subscription_store& store,
                                           metering_api& metering, std::string product_code)
    : subscription_manager(std::move(ex), store, metering, std::move(product_code), clock_function{}) {}

subscription_manager::subscription_manager(asio::any_io_executor ex, subscription_store& store,
                                           metering_api& metering, std::string product_code,
                                           clock_function clock)
    : impl_(std::make_unique<impl>(std::move(ex), store, metering, std::move(product_code),
                                   std::move(clock))) {}

subscription_manager::~subscription_manager() = default;

awaitable<subscription> subscription_manager::subscribe(std::string registration_token) {
  auto& self = *impl_;
  validate(resolve_customer_input{registration_token});
  const resolve_customer_output resolved =
      co_await self.metering.resolve_customer(std::move(registration_token));
  if (resolved.customer_identifier.empty() &&
      (resolved.customer_aws_account_id.empty() || resolved.license_arn.empty()))
    detail::throw_error(
        errc::malformed_message,
        "ResolveCustomer answered without a CustomerIdentifier or a CustomerAWSAccountId + LicenseArn");
  if (!self.product_code.empty() && resolved.product_code != self.product_code)
    detail::throw_error(errc::product_mismatch, "registration token belongs to product \"" +
                                                    resolved.product_code.substr(0, 255) + "\", not \"" +
                                                    self.product_code + "\"");
  subscription sub;
  sub.customer_identifier = resolved.customer_identifier;
  sub.product_code = resolved.product_code;
  sub.customer_aws_account_id = resolved.customer_aws_account_id;
  sub.license_arn = resolved.license_arn;
  sub.status = subscription_status::active;
  {
    auto guard = co_await self.writes.lock();
    sub.subscribed_at = self.clock();
    co_await self.store.put(sub);
  }
  if (detail::log_enabled(log_level::info))
    detail::log(log_level::info, "subscribed " + to_string(sub.customer()));
  co_return sub;
}

awaitable<subscription> subscription_manager::activate(billed_customer who, std::string product_code) {
  auto& self = *impl_;
  detail::check_billed_customer("customer", who);
  if (product_code.empty()) product_code = self.product_code;
  if (!product_code.empty()) validate_product_code(product_code);
  if (!self.product_code.empty() && product_code != self.product_code)
    detail::throw_error(errc::product_mismatch, "activate: product \"" + product_code +
                                                    "\" is not this manager's \"" + self.product_code + "\"");
  auto guard = co_await self.writes.lock();
  std::optional<subscription> sub = co_await self.store.get(who);
  if (sub && sub->status == subscription_status::active) co_return *sub;
  if (!sub) {
    sub.emplace();
    sub->customer_identifier = who.customer_identifier;
    sub->customer_aws_account_id = who.customer_aws_account_id;
    sub->license_arn = who.license_arn;
  }
  if (sub->product_code.empty()) sub->product_code = product_code;
  sub->status = subscription_status::active;
  sub->subscribed_at = self.clock();
  sub->unsubscribed_at.reset();
  co_await self.store.put(*sub);
  guard.release();
  if (detail::log_enabled(log_level::info))
    detail::log(log_level::info, "activated " + to_string(sub->customer()));
  co_return *sub;
}

awaitable<void> subscription_manager::unsubscribe(billed_customer who) {
  auto& self = *impl_;
  detail::check_billed_customer("customer", who);
  auto guard = co_await self.writes.lock();
  std::optional<subscription> sub = co_await self.store.get(who);
  if (!sub) detail::throw_error(errc::not_found, "unsubscribe: no subscription for " + to_string(who));
  if (sub->status == subscription_status::unsubscribed && sub->unsubscribed_at) co_return;
  sub->status = subscription_status::unsubscribed;
  sub->unsubscribed_at = self.clock();
  co_await self.store.put(*sub);
  guard.release();
  if (detail::log_enabled(log_level::info))
    detail::log(log_level::info, "unsubscribed " + to_string(sub->customer()));
}

awaitable<void> subscription_manager::unsubscribe(std::string customer_identifier) {
  return unsubscribe(billed_customer::legacy(std::move(customer_identifier)));
}

awaitable<bool> subscription_manager::is_active(billed_customer who) {
  const auto sub = co_await impl_->store.get(std::move(who));
  co_return sub && sub->status == subscription_status::active;
}

awaitable<bool> subscription_manager::is_active(std::string customer_identifier) {
  return is_active(billed_customer::legacy(std::move(customer_identifier)));
}

awaitable<std::optional<subscription>> subscription_manager::find(billed_customer who) {
  return impl_->store.get(std::move(who));
}

awaitable<std::optional<subscription>> subscription_manager::find(std::string customer_identifier) {
  return find(billed_customer::legacy(std::move(customer_identifier)));
}

}  // namespace awsmp
