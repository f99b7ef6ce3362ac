// marketplace_emulator: a local, faithful AWS Marketplace Metering + Entitlement endpoint for
// tests and benchmarks (HTTPS or HTTP on loopback, real SigV4 checks, real error shapes).
#pragma once

#include <awsmp/billed_customer.hpp>
#include <awsmp/common.hpp>
#include <awsmp/entitlement_service_types.hpp>
#include <awsmp/metering_types.hpp>
#include <awsmp/sns_verifier.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace awsmp::testing {

/// One subscriber the emulator knows: what its registration token resolves to.
struct emulated_customer {
  std::string registration_token;              ///< what ResolveCustomer accepts
  resolve_customer_output identity;            ///< the four ids ResolveCustomer answers
  std::optional<time_point> token_expires_at;  ///< ResolveCustomer after this: ExpiredTokenException
  bool subscribed = true;                      ///< false: BatchMeterUsage answers CustomerNotSubscribed
  /// Set by unsubscribe(): records stamped before it are still accepted although `subscribed`
  /// is false (the final usage of the hour after unsubscribe-pending may be resent late).
  std::optional<time_point> unsubscribed_at;
};

/// A product the seller (every configured credential) owns, and its metering dimensions.
struct emulated_product {
  std::string product_code;
  std::vector<std::string>
      dimensions;  ///< empty: any dimension; else others get InvalidUsageDimensionException
};

/// Randomised failures, drawn from a generator seeded with `seed`: the same seed and the same
/// sequence of requests give the same faults. Percentages are 0..100.
struct fault_options {
  double throttle_percent = 0;         ///< answer ThrottlingException (HTTP 400) before processing
  double server_error_percent = 0;     ///< answer InternalServiceErrorException (HTTP 500) before processing
  double drop_connection_percent = 0;  ///< close the connection without answering, before processing
  double drop_after_commit_percent = 0;  ///< process and record, then close without answering
  double unprocessed_percent = 0;        ///< per BatchMeterUsage record: return it in UnprocessedRecords
  std::chrono::milliseconds latency{0};  ///< added before every service answer
  std::uint64_t seed = 1;
  friend bool operator==(const fault_options&, const fault_options&) = default;
};

/// A fault that inject() queues for the next service requests, ahead of the random ones.
enum class fault_kind { throttle, server_error, drop_connection, drop_after_commit };

/// Where the emulator publishes the lifecycle events of subscribe(), unsubscribe() and
/// set_entitlements().
enum class event_target {
  none,  ///< events are not published
  sqs,  ///< SendMessage into events.queue_url (as an SNS topic subscribed by a queue, or an EventBridge rule)
  https,  ///< POSTed to events.https_url (an SNS HTTPS subscription); 5xx and failures retried
};

/// The shape of a published event.
enum class event_format {
  sns,          ///< an SNS envelope (SignatureVersion 2, SHA256withRSA) of the aws-mp-* topics
  eventbridge,  ///< an EventBridge event of source aws.agreement-marketplace (account-form customers)
};

/// How the emulator publishes events; the defaults publish nothing.
struct emulator_event_options {
  event_target target = event_target::none;
  event_format format = event_format::sns;
  std::string queue_url;             ///< sqs: the queue's URL
  std::string sqs_endpoint;          ///< sqs: the SQS endpoint; empty: the scheme and authority of queue_url
  std::string https_url;             ///< https: where SNS envelopes are POSTed
  std::string https_ca_file;         ///< https: a PEM trust anchor for that server (peer verification is on)
  std::string region = "us-east-1";  ///< of the topics, the SigningCertURL and the SQS signature
  std::string product_code;          ///< in topic names; empty: the first of emulator_options::products
  /// Empty: arn:aws:sns:<region>:287250355862:aws-mp-subscription-notification-<product code>.
  std::string subscription_topic_arn;
  /// Empty: arn:aws:sns:<region>:287250355862:aws-mp-entitlement-notification-<product code>.
  std::string entitlement_topic_arn;
  /// Empty: https://sns.<region>.amazonaws.com/SimpleNotificationService-awsmp-emulator.pem
  std::string signing_cert_url;
  std::string seller_account = "111122223333";         ///< EventBridge "account"
  int max_delivery_attempts = 3;                       ///< https: attempts per event (1..10)
  std::chrono::milliseconds delivery_timeout{10'000};  ///< per attempt
};

/// Every setting of the emulator; each default is what a test usually wants.
struct emulator_options {
  std::string bind_address = "127.0.0.1";  ///< loopback unless allow_non_loopback
  bool allow_non_loopback = false;         ///< must be true to bind anything but 127.0.0.1/::1/localhost
  std::uint16_t port = 0;                  ///< 0: an ephemeral port (read it with port())
  bool tls = true;                         ///< HTTPS with a certificate generated at start(); false: HTTP
  std::string ca_file;                     ///< where start() writes the CA PEM (empty: not written)
  std::string tls_certificate_pem;         ///< own server certificate chain (empty: generated)
  std::string tls_private_key_pem;         ///< its key (with tls_certificate_pem)
  /// Access key id -> secret key the emulator accepts (SigV4 is verified for every request).
  std::map<std::string, std::string, std::less<>> credentials{
      {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}};
  bool verify_signatures = true;           ///< false: accept unsigned requests (never in a security test)
  std::string region;                      ///< non-empty: the credential scope must name this region
  std::vector<emulated_product> products;  ///< empty: any product code is accepted
  std::vector<emulated_customer> customers;
  std::vector<marketplace_entitlement> entitlements;  ///< what GetEntitlements answers, in this order
  fault_options faults;
  clock_function clock;                          ///< empty: system_clock::now (signature skew, 6-hour window)
  std::chrono::seconds max_clock_skew{15 * 60};  ///< X-Amz-Date further than this: InvalidSignatureException
  std::chrono::seconds record_window{6 * 3600};  ///< records this old or older: TimestampOutOfBoundsException
  std::chrono::seconds future_tolerance{
      5 * 60};  ///< records further in the future: TimestampOutOfBoundsException
  std::chrono::seconds meter_usage_window{
      3600};                          ///< MeterUsage identity truncates the timestamp to this (AWS: the hour)
  int default_page_size = 25;         ///< GetEntitlements page size when MaxResults is absent
  std::size_t max_records = 500'000;  ///< accepted records kept; beyond: EmulatorLimitExceededException
  std::size_t max_idempotency_entries = 100'000;         ///< MeterUsage ClientTokens kept; beyond: same error
  std::size_t max_connections = 256;                     ///< more are accepted and closed at once
  std::size_t max_body_bytes = 1024 * 1024 + 64 * 1024;  ///< bodies larger than this are refused (413)
  std::chrono::milliseconds header_timeout{
      10'000};  ///< a request's headers (or TLS handshake) must arrive within this
  std::chrono::milliseconds idle_timeout{60'000};  ///< keep-alive connections idle this long are closed
  bool admin_endpoint = true;  ///< serve /_emulator/* (unsigned; loopback only by default)
  /// Non-empty: admin requests need "Authorization: Bearer <admin_token>". Bound beyond
  /// loopback, the admin endpoint is served only when this is set.
  std::string admin_token;
  /// Lifecycle events (subscribe, unsubscribe, entitlement changes) and where they go.
  emulator_event_options events;
};

/// Which part of an unsubscription unsubscribe() performs.
enum class unsubscribe_stage {
  pending,  ///< unsubscribe-pending (EventBridge: Purchase Agreement Ended); still subscribed
  success,  ///< not subscribed from now on, then unsubscribe-success (License Deprovisioned)
  both,     ///< pending, then success
};

/// One record the emulator accepted (billed), as received.
struct accepted_record {
  std::string metering_record_id;
  std::string operation;  ///< "BatchMeterUsage" or "MeterUsage"
  std::string product_code;
  usage_record record;       ///< MeterUsage records have no customer ids (the caller's account is billed)
  time_point accepted_at{};  ///< the emulator's clock when it was committed
};

/// Sum of accepted quantities for one (product, customer, dimension, license).
struct usage_total {
  std::string product_code;  ///< the request's ProductCode, else the product of the record's license
  std::string customer;      ///< CustomerIdentifier, else CustomerAWSAccountId, else "" (MeterUsage)
  std::string dimension;
  std::int64_t quantity = 0;
  std::uint64_t records = 0;
  std::string license_arn{};  ///< the record's LicenseArn (empty for the legacy form)
};

/// Counters since start (or the last reset()).
struct emulator_stats {
  std::uint64_t requests = 0;              ///< HTTP requests read (service and admin)
  std::uint64_t connections = 0;           ///< TCP connections accepted
  std::uint64_t connections_rejected = 0;  ///< closed at once because max_connections were open
  std::uint64_t active_connections = 0;
  std::uint64_t tls_handshakes = 0;           ///< successful handshakes
  std::uint64_t auth_failures = 0;            ///< requests refused for their signature
  std::uint64_t errors = 0;                   ///< error responses of service operations (faults included)
  std::uint64_t throttled = 0;                ///< faults: ThrottlingException answers
  std::uint64_t server_errors = 0;            ///< faults: InternalServiceErrorException answers
  std::uint64_t dropped_before = 0;           ///< faults: connections closed before processing
  std::uint64_t dropped_after_commit = 0;     ///< faults: connections closed after recording
  std::uint64_t unprocessed_records = 0;      ///< faults: records returned in UnprocessedRecords
  std::uint64_t records_accepted = 0;         ///< new records recorded (idempotent resends excluded)
  std::uint64_t records_idempotent = 0;       ///< identical resends answered with the earlier id
  std::uint64_t records_duplicate = 0;        ///< DuplicateRecord results
  std::uint64_t records_not_subscribed = 0;   ///< CustomerNotSubscribed results
  std::uint64_t events_published = 0;         ///< events delivered to the target
  std::uint64_t event_delivery_failures = 0;  ///< deliveries that failed after every attempt
  /// Sum of every injected fault (throttled + server_errors + drops + unprocessed records).
  std::uint64_t faults_injected() const noexcept {
    return throttled + server_errors + dropped_before + dropped_after_commit + unprocessed_records;
  }
};

namespace detail {
class emulator_server;
struct emulator_runner;
}  // namespace detail

/// A local Metering + Entitlement endpoint. Thread-safe: every method may be called from any
/// thread while it serves. It never creates a thread when given an executor; the other
/// constructor runs it on one thread of its own (convenient in tests with blocking clients).
class marketplace_emulator {
 public:
  /// Serves on `ex` (e.g. your io_context); creates no thread. Throws
  /// system_error(errc::invalid_argument) for inconsistent options (e.g. a non-loopback bind
  /// address without allow_non_loopback).
  marketplace_emulator(asio::any_io_executor ex, emulator_options options = {});
  /// Serves on a private io_context run by one thread that start() creates and stop() joins.
  explicit marketplace_emulator(emulator_options options = {});
  /// Calls stop(); never throws.
  ~marketplace_emulator();
  marketplace_emulator(const marketplace_emulator&) = delete;
  marketplace_emulator& operator=(const marketplace_emulator&) = delete;

  /// Generates the certificate (TLS), writes ca_file, binds and starts accepting; when it
  /// returns, port() and endpoint() are valid. Throws system_error when binding or writing the
  /// CA file fails, or errc::invalid_argument when already started.
  void start();
  /// Stops accepting and closes every connection; idempotent, never throws. With your
  /// executor it returns at once and the executor finishes the closing (your io_context's
  /// run() then returns if nothing else is pending); with its own thread it joins it.
  void stop() noexcept;

  /// The bound port (0 before start()).
  std::uint16_t port() const noexcept;
  /// "https://127.0.0.1:<port>" (or http://, [::1] for IPv6); empty before start().
  std::string endpoint() const;
  /// The CA certificate PEM clients must trust (empty for HTTP or before start()).
  std::string ca_certificate_pem() const;
  /// The path the CA was written to (options.ca_file).
  const std::string& ca_file() const noexcept;

  /// Every record accepted so far, in the order accepted.
  std::vector<accepted_record> accepted_records() const;
  /// Sums per (product, customer, dimension, license), ordered by them.
  std::vector<usage_total> totals() const;
  /// Sum of accepted quantities of `customer` (identifier or AWS account id) for `dimension`,
  /// over every product.
  std::int64_t total(std::string_view customer, std::string_view dimension) const;
  /// Sum of accepted quantities billed to `who` for `dimension`: one license in the account
  /// form (another license of the same account is not counted), the customer identifier in
  /// the legacy form.
  std::int64_t total(const billed_customer& who, std::string_view dimension) const;
  /// A snapshot of the counters.
  emulator_stats stats() const noexcept;

  /// Replaces the random faults and reseeds their generator with faults.seed.
  void set_faults(const fault_options& faults);
  /// Makes the next `count` service requests fail with `kind` (before the random faults).
  void inject(fault_kind kind, std::size_t count = 1);
  /// Adds (or replaces, by registration token) a customer.
  void add_customer(emulated_customer customer);
  /// Adds an entitlement that GetEntitlements then answers.
  void add_entitlement(marketplace_entitlement entitlement);
  /// Forgets every accepted record, idempotency entry and counter (customers, products,
  /// entitlements and faults are kept).
  void reset();

  /// Adds (or replaces) `customer` as subscribed and publishes subscribe-success (EventBridge:
  /// Purchase Agreement Created, then License Updated). Completes once the target has the
  /// event(s). Throws system_error(errc::invalid_argument) for a bad customer or an EventBridge
  /// customer without an account and license, and the delivery's error when it fails.
  awaitable<void> subscribe(emulated_customer customer);
  /// Unsubscribes `who` in `stage`: pending publishes unsubscribe-pending and leaves the
  /// customer subscribed (AWS leaves an hour for final usage); success publishes
  /// unsubscribe-success and then marks it not subscribed (records stamped before that are
  /// still accepted). Throws system_error(errc::not_found) for an unknown customer, and the
  /// delivery's error when it fails.
  awaitable<void> unsubscribe(billed_customer who, unsubscribe_stage stage = unsubscribe_stage::both);
  /// Replaces `who`'s entitlements (the identity members are filled from `who`, an empty
  /// product code from the customer's) and publishes entitlement-updated (EventBridge: License Updated).
  /// Throws system_error(errc::not_found) for an unknown customer, errc::invalid_argument, and the delivery's
  /// error.
  awaitable<void> set_entitlements(billed_customer who, std::vector<marketplace_entitlement> entitlements);
  /// Delivers `body` to the event target as it is (tests and the demo forge messages with it)
  /// and returns the HTTPS endpoint's status (200 for SQS); a 4xx is returned, not thrown.
  /// Throws system_error(errc::invalid_argument) when no target is configured, and the
  /// delivery's error when every attempt failed.
  awaitable<unsigned> publish_raw(std::string body);
  /// A Notification of `topic_arn` (empty: the subscription topic) carrying `message`, signed
  /// with the emulator's SNS key; `signing_cert_url` empty: the configured one. For forging
  /// variants (change a byte after signing, another topic, an http URL). Throws
  /// system_error(errc::invalid_argument) before start() or without a target.
  std::string signed_sns_notification(std::string message, std::string topic_arn = {},
                                      std::string signing_cert_url = {}) const;

  /// The SNS signing certificate (RSA, PEM) the emulator generated at start() when a target
  /// is configured; empty otherwise. Throws only std::bad_alloc (so do the getters below).
  std::string sns_signing_certificate_pem() const;
  /// The CA that issued it: set it as sns_verifier_options::trust_anchor_pem.
  std::string sns_ca_certificate_pem() const;
  /// The SigningCertURL its envelopes carry (https://sns.<region>.amazonaws.com/...pem).
  std::string sns_signing_cert_url() const;
  /// The TopicArn of its subscription notifications (for the verifier's allow-list).
  std::string subscription_topic_arn() const;
  /// The TopicArn of its entitlement notifications (for the verifier's allow-list).
  std::string entitlement_topic_arn() const;
  /// A certificate fetcher for sns_verifier that answers the emulator's SigningCertURL with
  /// sns_signing_certificate_pem() and throws std::runtime_error for any other URL (no network).
  certificate_fetcher sns_certificate_fetcher() const;

 private:
  // Declared first so that it is destroyed last: coroutines parked in its io_context may still
  // hold the server.
  std::unique_ptr<detail::emulator_runner> runner_;
  std::shared_ptr<detail::emulator_server> server_;
};

}  // namespace awsmp::testing
