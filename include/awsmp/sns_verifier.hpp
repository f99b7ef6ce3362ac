// sns_verifier: authenticates Amazon SNS envelopes (Notification, SubscriptionConfirmation,
// UnsubscribeConfirmation) before their Marketplace message is believed: topic allow-list,
// SigningCertURL rules checked before any fetch, signing certificate cached, SignatureVersion 1
// (SHA1withRSA) and 2 (SHA256withRSA) over the canonical string of the Type's fields.
#pragma once

#include <awsmp/common.hpp>
#include <awsmp/marketplace_event.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace awsmp {

/// Why a message was not believed.
enum class event_refusal {
  none,                     ///< accepted
  too_large,                ///< over max_event_bytes
  malformed,                ///< not JSON, or a member missing or of the wrong type
  unknown_event,            ///< an SNS Type, action, source or detail-type this library does not know
  unsigned_message,         ///< no Signature / SignatureVersion / SigningCertURL (e.g. raw delivery)
  bad_signature_version,    ///< SignatureVersion other than "1" or "2"
  wrong_topic,              ///< TopicArn not in the allow-list
  bad_cert_url,             ///< SigningCertURL not https://sns.<topic region>.amazonaws.com/....pem
  certificate_unavailable,  ///< the fetch failed or the PEM did not parse
  untrusted_certificate,    ///< outside its validity period, or not issued by the configured anchor
  bad_signature,            ///< the signature does not match the canonical string
  expired,                  ///< Timestamp older than max_age (or too far in the future)
  wrong_account,            ///< EventBridge event for another seller account than expected
  wrong_product,            ///< an event for a product code other than the one expected
};

/// The name of a refusal ("wrong_topic", ...); never throws.
std::string_view to_string(event_refusal refusal) noexcept;

/// The outcome of verifying one message: the event, or the refusal and a reason for the log.
struct verified_event {
  event_refusal refusal = event_refusal::none;
  std::string reason;  ///< human-readable, never contains the signature or the body
  marketplace_event event;
  /// True when the message was accepted.
  bool ok() const noexcept { return refusal == event_refusal::none; }
};

/// Downloads a signing certificate (PEM) from an https URL that already passed the URL rules.
/// Throws on failure (any exception: the message is refused as certificate_unavailable).
using certificate_fetcher = std::function<awaitable<std::string>(std::string url)>;

/// Settings of an sns_verifier.
struct sns_verifier_options {
  /// TopicArns whose messages are accepted (exact match); must not be empty.
  std::vector<std::string> allowed_topic_arns;
  /// Messages whose Timestamp is older than this are refused as expired (SQS keeps messages up
  /// to 14 days; the default leaves a day on top). Also bounds how far in the future it may be.
  std::chrono::seconds max_age = std::chrono::hours{24 * 15};
  std::chrono::seconds max_clock_skew = std::chrono::minutes{15};
  /// When set (PEM), the signing certificate must chain to this anchor; when empty, trust rests
  /// on the certificate having been fetched over verified HTTPS from an sns.*.amazonaws.com host.
  std::string trust_anchor_pem;
  std::size_t max_cached_certificates = 16;
  /// The host suffix of SigningCertURL after "sns.<region>."; AWS's commercial partition.
  std::string cert_host_suffix = ".amazonaws.com";
};

/// Verifies SNS envelopes. Thread-safe: verify() may run concurrently (the cache is locked).
class sns_verifier {
 public:
  /// `fetch` downloads certificates (see https_certificate_fetcher); `clock` defaults to the
  /// system clock. Throws system_error(errc::invalid_argument) for an empty allow-list or
  /// fetcher, a malformed TopicArn in the list, or an unparsable trust anchor.
  sns_verifier(sns_verifier_options options, certificate_fetcher fetch, clock_function clock = {});
  ~sns_verifier();
  sns_verifier(const sns_verifier&) = delete;
  sns_verifier& operator=(const sns_verifier&) = delete;

  /// Verifies one SNS envelope (the body of an SQS message or of an HTTPS POST) and parses its
  /// Marketplace message; never throws beyond std::bad_alloc and operation_aborted: every
  /// other failure is a refusal with a reason.
  awaitable<verified_event> verify(std::string body);

  /// Certificates downloaded so far (cache misses); never throws.
  std::uint64_t certificate_fetches() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The real fetcher: GETs the URL with the library's HTTPS client, verifying the peer against
/// the system trust store (plus `ca_file` when given), with `timeout`, refusing answers over
/// 64 KiB. Never throws when created; the returned function throws system_error on failure.
certificate_fetcher https_certificate_fetcher(asio::any_io_executor ex, std::string ca_file = {},
                                              std::chrono::milliseconds timeout = std::chrono::seconds{10});

}  // namespace awsmp
