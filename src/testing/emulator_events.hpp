// Internal: the emulator's event publisher. It shapes lifecycle events as AWS sends them (SNS
// envelopes signed like SNS's, or EventBridge events) and delivers them to an SQS queue or an
// HTTPS endpoint. The shaping is pure (time and ids are parameters); delivery is async.
#pragma once

#include <atomic>
#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <memory>
#include <string>
#include <vector>

namespace awsmp::testing::detail {

/// One lifecycle change, before it is shaped for a channel.
enum class lifecycle_change { subscribed, unsubscribe_pending, unsubscribed, entitlements_changed };

/// The settings of emulator_event_options with every default resolved.
struct resolved_event_options {
  emulator_event_options options;  ///< topic ARNs, cert URL and product code filled in
  std::string ca_pem, cert_pem, key_pem;
};

/// Fills the defaults of `o` (product code from `products`), checks the target's settings and
/// generates the signing key, valid around `now` (the emulator's clock). Throws
/// system_error(errc::invalid_argument) naming the option.
resolved_event_options resolve_event_options(const emulator_event_options& o,
                                             const std::vector<emulated_product>& products, time_point now);

/// Shapes, signs and delivers events. Thread-safe (the counters are atomics; the rest is const).
class event_publisher {
 public:
  explicit event_publisher(resolved_event_options options);
  ~event_publisher();

  const resolved_event_options& settings() const noexcept { return settings_; }

  /// The bodies `change` of `customer` produces in the configured format, stamped `now`
  /// (SNS: one envelope; EventBridge: one or two events). Throws system_error(invalid_argument)
  /// for an EventBridge customer without an account and license.
  std::vector<std::string> bodies(lifecycle_change change, const emulated_customer& customer, time_point now);
  /// A Notification of `topic_arn` carrying `message`, stamped `now`, signed with the key.
  std::string sign_notification(const std::string& message, const std::string& topic_arn,
                                const std::string& cert_url, time_point now);
  /// Delivers one body to the target on the calling coroutine's executor and returns the HTTP
  /// status of the HTTPS target (200 for SQS). https: 5xx and transport failures are retried up
  /// to max_delivery_attempts, a 4xx is returned at once (and counted as a failure). Throws the
  /// last failure as system_error when every attempt failed.
  awaitable<unsigned> deliver(std::string body, std::atomic<std::uint64_t>& published,
                              std::atomic<std::uint64_t>& failures);

 private:
  std::string next_id();
  resolved_event_options settings_;
  struct key_holder;
  std::unique_ptr<key_holder> key_;
  std::atomic<std::uint64_t> counter_{0};
  std::uint64_t seed_ = 0;
};

}  // namespace awsmp::testing::detail
