// The legacy-form (customer identifier) overloads of the store interfaces: thin forwarders,
// not coroutines, so that they cost no extra frame.
#include <awsmp/entitlement_store.hpp>
#include <awsmp/subscription_store.hpp>

namespace awsmp {

awaitable<std::optional<subscription>> subscription_store::get(std::string customer_identifier) {
  return get(billed_customer::legacy(std::move(customer_identifier)));
}

awaitable<void> subscription_store::erase(std::string customer_identifier) {
  return erase(billed_customer::legacy(std::move(customer_identifier)));
}

awaitable<std::optional<entitlement>> entitlement_store::get(std::string customer_identifier,
                                                             std::string dimension) {
  return get(billed_customer::legacy(std::move(customer_identifier)), std::move(dimension));
}

awaitable<std::vector<entitlement>> entitlement_store::list(std::string customer_identifier) {
  return list(billed_customer::legacy(std::move(customer_identifier)));
}

awaitable<void> entitlement_store::erase(std::string customer_identifier, std::string dimension) {
  return erase(billed_customer::legacy(std::move(customer_identifier)), std::move(dimension));
}

}  // namespace awsmp
