#include <awsmp/error.hpp>
#include <awsmp/subscription_store.hpp>
#include <string>

#include "core/throw.hpp"

namespace awsmp {

std::string_view to_string(subscription_status status) noexcept {
  switch (status) {
    case subscription_status::active:
      return "active";
    case subscription_status::pending:
      return "pending";
    case subscription_status::unsubscribed:
      return "unsubscribed";
    case subscription_status::expired:
      return "expired";
  }
  return "unknown";
}

template <>
subscription_status from_string<subscription_status>(std::string_view text) {
  for (auto s : {subscription_status::active, subscription_status::pending, subscription_status::unsubscribed,
                 subscription_status::expired}) {
    if (to_string(s) == text) return s;
  }
  std::string rule = "must be active, pending, unsubscribed or expired, not \"";
  rule.append(text.substr(0, 64));
  rule += '"';
  detail::throw_invalid_argument("subscription_status", rule);
}

}  // namespace awsmp
