// The demo's event path: customers leave through AWS Marketplace events, as in production with
// an SNS HTTPS subscription. The in-process emulator POSTs signed SNS notifications to an
// sns_https_endpoint served over HTTPS on 127.0.0.1; a marketplace_event_consumer verifies them
// and marketplace_components_sink applies them to the demo's subscription manager, tracker and
// entitlements. A few forged messages are posted too, and must be refused.
#pragma once

#include <atomic>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/subscription_manager.hpp>
#include <awsmp/subscription_store.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace demo {

class event_path {
 public:
  /// Binds the HTTPS server on 127.0.0.1 (its CA is written into `dir`), so that the emulator
  /// can be configured with its URL before it starts.
  event_path(boost::asio::any_io_executor ex, const std::filesystem::path& dir);
  ~event_path();
  event_path(const event_path&) = delete;
  event_path& operator=(const event_path&) = delete;

  /// Points the emulator's SNS HTTPS delivery at this server.
  void configure(awsmp::testing::emulator_options& options) const;
  /// Builds the verifier (trusting the emulator's SNS CA), consumer, sink and endpoint, once the
  /// emulator has started and the components exist. Every reference must outlive this object.
  void attach(awsmp::testing::marketplace_emulator& emulator, awsmp::subscription_manager& manager,
              awsmp::subscription_store& store, awsmp::token_billing_tracker& tracker,
              awsmp::entitlement_service_api& entitlements, awsmp::entitlement_checker& checker,
              const std::string& product_code, awsmp::clock_function now);

  /// Half-way: each leaver gets unsubscribe-pending (billed now) and loses its entitlements
  /// (entitlement-updated, re-synced); then the forged messages are posted, naming `victim`.
  /// Runs in the background, so that the demo's hours keep their pace; customers_left() waits
  /// for it.
  void customers_leaving(std::vector<std::string> leavers, std::string victim);
  /// At the end: unsubscribe-success for each leaver (settled, then deactivated), after the
  /// half-way events were all delivered.
  boost::asio::awaitable<void> customers_left(std::vector<std::string> leavers);
  /// Prints the "events:" summary line; false when a forged message was applied (its victim was
  /// deactivated, or the endpoint did not refuse it) or a genuine event was not applied.
  boost::asio::awaitable<bool> report(awsmp::subscription_manager& manager);
  /// Stops accepting connections.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace demo
