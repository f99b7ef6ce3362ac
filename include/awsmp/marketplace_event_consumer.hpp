// marketplace_event_consumer: long-polls an SQS queue that receives the Marketplace SNS topics
// and/or the EventBridge agreement and license events, verifies every message, applies it to
// the seller's components through an event_sink, and deletes a message only once its effect is
// durable. Anything refused or failing stays on the queue, so that the queue's redrive policy
// moves it to the dead-letter queue after maxReceiveCount deliveries.
#pragma once

#include <atomic>
#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/marketplace_event.hpp>
#include <awsmp/sns_verifier.hpp>
#include <awsmp/sqs_client.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace awsmp {

/// What the consumer applies events to (in production: subscription_manager, the token billing
/// tracker and sync_entitlements). Every operation must be idempotent (delivery is at least
/// once) and durable when it returns (the message is deleted right after). Throwing leaves the
/// message on the queue to be retried.
class event_sink {
 public:
  virtual ~event_sink() = default;
  /// subscribe-success, License Updated: create or reactivate an active subscription. An event
  /// older than the subscription's last change (reordering) should be ignored by the sink.
  virtual awaitable<void> activate(billed_customer who, std::string product_code, time_point event_time) = 0;
  /// unsubscribe-pending, Purchase Agreement Ended: bill `who`'s open usage now (one hour left).
  virtual awaitable<void> bill_now(billed_customer who, time_point event_time) = 0;
  /// unsubscribe-success, License Deprovisioned: settle, then deactivate; unknown: nothing to do.
  virtual awaitable<void> settle_and_deactivate(billed_customer who, time_point event_time) = 0;
  /// entitlement-updated, Purchase Agreement Amended, License Updated: re-sync entitlements.
  virtual awaitable<void> sync_entitlements(billed_customer who) = 0;
  /// The licenses (account form) the sink knows for a buyer account: the Purchase Agreement
  /// events name the account and the agreement but no license.
  virtual awaitable<std::vector<billed_customer>> licenses_of(std::string account_id) = 0;
};

/// Settings of a marketplace_event_consumer.
struct marketplace_event_consumer_options {
  std::string queue_url;                  ///< required
  int wait_time_seconds = 20;             ///< long poll (0..20); sqs_client's timeout must exceed it
  int max_messages = 10;                  ///< per ReceiveMessage (1..10)
  std::optional<int> visibility_timeout;  ///< queue default when absent
  /// When set, events for another product code are refused (wrong_product).
  std::string expected_product_code;
  /// When set, EventBridge events sent to another seller account are refused (wrong_account).
  std::string expected_seller_account;
  std::chrono::milliseconds receive_error_backoff{1000};  ///< pause after a failed ReceiveMessage
  std::size_t remembered_events = 4096;                   ///< applied dedup ids kept to skip redeliveries
};

/// Counters since construction.
struct marketplace_event_consumer_stats {
  std::uint64_t received = 0;    ///< messages received (redeliveries included)
  std::uint64_t applied = 0;     ///< events applied and deleted
  std::uint64_t ignored = 0;     ///< verified but nothing to do (subscribe-fail, confirmations, ...); deleted
  std::uint64_t duplicates = 0;  ///< already applied (same dedup id); deleted without applying again
  std::uint64_t refused = 0;     ///< unverifiable, malformed, unknown or oversized; left on the queue
  std::uint64_t retried = 0;     ///< applying failed; left on the queue for a later delivery
  std::uint64_t delete_failures = 0;   ///< applied but the delete failed (redelivery is harmless)
  std::uint64_t receive_failures = 0;  ///< ReceiveMessage calls that failed
};

/// What became of one message.
enum class event_outcome {
  applied,    ///< the sink applied it: delete it
  ignored,    ///< verified, nothing to do: delete it
  duplicate,  ///< applied before (same dedup id): delete it
  refused,    ///< not believed or not understood: leave it for the redrive policy
  retry,      ///< the sink failed: leave it for a later delivery
};

/// What handle_detailed() did with one body: the outcome and, once verified, the event (also
/// for duplicate and ignored ones, so that an HTTPS endpoint can confirm a subscription).
struct handled_event {
  event_outcome outcome = event_outcome::refused;  ///< what became of the message
  event_refusal refusal = event_refusal::none;     ///< why, when refused
  std::string reason;                              ///< for the log; never the body or the signature
  bool verified = false;                           ///< `event` holds the verified event
  marketplace_event event;                         ///< the event, when verified
};

/// Consumes Marketplace events from one queue. run() and poll_once() must run on the executor
/// given to the constructor; stop() and stats() may be called from any thread.
class marketplace_event_consumer {
 public:
  /// `verifier` may be null when the queue carries EventBridge events only (SNS envelopes are
  /// then refused). `sqs`, `verifier` and `sink` must outlive the consumer. Throws
  /// system_error(errc::invalid_argument) for an empty queue_url or out-of-range options.
  marketplace_event_consumer(asio::any_io_executor ex, sqs_client& sqs, sns_verifier* verifier,
                             event_sink& sink, marketplace_event_consumer_options options);
  /// A consumer without a queue, for bodies that arrive by HTTPS (sns_https_endpoint): only
  /// handle() and handle_detailed() may be used (run() and poll_once() throw
  /// errc::invalid_argument). `verifier` and `sink` must outlive it. Throws
  /// system_error(errc::invalid_argument) for out-of-range options.
  marketplace_event_consumer(asio::any_io_executor ex, sns_verifier* verifier, event_sink& sink,
                             marketplace_event_consumer_options options = {});
  ~marketplace_event_consumer();
  marketplace_event_consumer(const marketplace_event_consumer&) = delete;
  marketplace_event_consumer& operator=(const marketplace_event_consumer&) = delete;

  /// Polls and processes until stop(); never throws for a message or a failed receive (those
  /// are counted and logged); returns after stop(). Throws errc::stopped if already stopped.
  awaitable<void> run();
  /// Ends run() soon (the pending long poll is cancelled); thread-safe; never throws.
  void stop() noexcept;
  /// One ReceiveMessage and the processing of what it returned; returns the number of messages
  /// received. Throws what sqs_client throws for the receive itself.
  awaitable<std::size_t> poll_once();
  /// Verifies and applies one message body (as from SQS or an HTTPS POST); never throws beyond
  /// std::bad_alloc and operation_aborted. Deleting is the caller's business.
  awaitable<event_outcome> handle(std::string body);
  /// handle(), also returning the verified event and the refusal; never throws beyond
  /// std::bad_alloc and operation_aborted.
  awaitable<handled_event> handle_detailed(std::string body);
  /// A snapshot of the counters; never throws.
  marketplace_event_consumer_stats stats() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace awsmp
