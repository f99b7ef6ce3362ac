// sns_https_endpoint: the Beast request handler for sellers who subscribe an HTTPS URL to the
// AWS Marketplace SNS topics instead of an SQS queue. It refuses what is not a small POST before
// parsing anything, lets the consumer verify and apply Notifications (the same logic as the SQS
// path), confirms SubscriptionConfirmations of allowed topics by calling their SubscribeURL,
// and answers with the status SNS's delivery policy understands (2xx done, 5xx retry later).
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/marketplace_event_consumer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace awsmp {

/// Calls a SubscribeURL that already passed the URL rules (https, host sns.<topic region>
/// .amazonaws.com, Action=ConfirmSubscription). Throws on failure (any exception: the endpoint
/// answers 5xx so that SNS sends the confirmation again).
using subscription_confirmer = std::function<awaitable<void>(std::string subscribe_url)>;

/// The real confirmer: GETs the URL with the library's HTTPS client, verifying the peer against
/// the system trust store (plus `ca_file` when given), within `timeout`, and requires HTTP 200.
/// Never throws when created; the returned function throws system_error on failure.
subscription_confirmer https_subscription_confirmer(asio::any_io_executor ex, std::string ca_file = {},
                                                    std::chrono::milliseconds timeout = std::chrono::seconds{
                                                        10});

/// Settings of an sns_https_endpoint.
struct sns_https_endpoint_options {
  /// The request target served (other targets answer 404); empty: any target.
  std::string path = "/sns";
  /// Bodies larger than this are refused (413) before being parsed; SNS messages are at most
  /// 256 KiB.
  std::size_t max_body_bytes = 256 * 1024;
  /// The host suffix of SubscribeURL after "sns.<region>."; the verifier's cert_host_suffix.
  std::string host_suffix = ".amazonaws.com";
};

/// Counters of the endpoint's own decisions; what the consumer decided (applied, refused,
/// retried, duplicates) is in the consumer's stats().
struct sns_https_endpoint_stats {
  std::uint64_t requests = 0;               ///< requests handled
  std::uint64_t method_refused = 0;         ///< not POST (405) or another target (404)
  std::uint64_t too_large = 0;              ///< body over max_body_bytes (413)
  std::uint64_t confirmations = 0;          ///< SubscribeURLs called successfully
  std::uint64_t confirmation_failures = 0;  ///< SubscribeURL refused by the rules or the call failed
};

/// Handles the HTTP requests that SNS posts. Thread-safe; the consumer, and through it the
/// verifier and the sink, must outlive it.
class sns_https_endpoint {
 public:
  /// The request type handle() takes (Beast's string body).
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  /// The response type handle() and check_header() return, ready to write (payload prepared).
  using response = boost::beast::http::response<boost::beast::http::string_body>;

  /// `consumer` verifies and applies (it may be the queue-less constructor's); `confirm` calls
  /// SubscribeURLs (https_subscription_confirmer in production; tests map it to loopback).
  /// Throws system_error(errc::invalid_argument) for an empty `confirm` or max_body_bytes 0.
  sns_https_endpoint(marketplace_event_consumer& consumer, subscription_confirmer confirm,
                     sns_https_endpoint_options options = {});
  /// Never throws.
  ~sns_https_endpoint();
  sns_https_endpoint(const sns_https_endpoint&) = delete;
  sns_https_endpoint& operator=(const sns_https_endpoint&) = delete;

  /// Judges a request by its header alone, before its body is read: the refusal (405 for a
  /// method other than POST, 404 for another target, 413 for a Content-Length over
  /// max_body_bytes), or nullopt when the body may be read (with a parser body_limit of
  /// max_body_bytes()). Never throws beyond std::bad_alloc.
  std::optional<response> check_header(const boost::beast::http::request_header<>& header);

  /// Answers one complete request: 200 when applied, ignored, a duplicate or a confirmed
  /// subscription; 400 for a malformed or unknown message; 403 for one that fails
  /// verification (signature, certificate URL, topic, age, product) or a SubscribeURL the rules
  /// refuse; 503 when the sink failed, the certificate could not be fetched or the
  /// confirmation call failed (SNS retries). Never throws beyond std::bad_alloc and
  /// operation_aborted.
  awaitable<response> handle(request req);

  /// The largest body accepted (options.max_body_bytes); set it as the parser's body_limit.
  std::size_t max_body_bytes() const noexcept;
  /// A snapshot of the counters; never throws.
  sns_https_endpoint_stats stats() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace awsmp
