#include <atomic>
#include <awsmp/error.hpp>
#include <awsmp/sns_verifier.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <deque>
#include <map>
#include <mutex>

#include "core/log_line.hpp"
#include "core/throw.hpp"
#include "credentials/credentials_json.hpp"
#include "events/sns_envelope.hpp"
#include "events/sns_signature.hpp"
#include "transport/http_client.hpp"

namespace awsmp {

namespace {

verified_event refuse(event_refusal why, std::string reason) {
  verified_event v;
  v.refusal = why;
  v.reason = std::move(reason);
  return v;
}

}  // namespace

std::string_view to_string(event_refusal refusal) noexcept {
  switch (refusal) {
    case event_refusal::none:
      return "none";
    case event_refusal::too_large:
      return "too_large";
    case event_refusal::malformed:
      return "malformed";
    case event_refusal::unknown_event:
      return "unknown_event";
    case event_refusal::unsigned_message:
      return "unsigned_message";
    case event_refusal::bad_signature_version:
      return "bad_signature_version";
    case event_refusal::wrong_topic:
      return "wrong_topic";
    case event_refusal::bad_cert_url:
      return "bad_cert_url";
    case event_refusal::certificate_unavailable:
      return "certificate_unavailable";
    case event_refusal::untrusted_certificate:
      return "untrusted_certificate";
    case event_refusal::bad_signature:
      return "bad_signature";
    case event_refusal::expired:
      return "expired";
    case event_refusal::wrong_account:
      return "wrong_account";
    case event_refusal::wrong_product:
      return "wrong_product";
  }
  return "unknown";
}

struct sns_verifier::impl {
  sns_verifier_options options;
  certificate_fetcher fetch;
  clock_function clock;
  std::shared_ptr<const detail::x509_certificate> anchor;
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const detail::x509_certificate>> cache;  // by URL
  std::deque<std::string> order;  // insertion order, for eviction
  std::atomic<std::uint64_t> fetches{0};

  std::shared_ptr<const detail::x509_certificate> cached(const std::string& url) {
    std::lock_guard lock(mutex);
    auto it = cache.find(url);
    return it == cache.end() ? nullptr : it->second;
  }

  void remember(const std::string& url, std::shared_ptr<const detail::x509_certificate> cert) {
    std::lock_guard lock(mutex);
    if (cache.emplace(url, std::move(cert)).second) order.push_back(url);
    while (cache.size() > options.max_cached_certificates && !order.empty()) {
      cache.erase(order.front());
      order.pop_front();
    }
  }
};

sns_verifier::sns_verifier(sns_verifier_options options, certificate_fetcher fetch, clock_function clock)
    : impl_(std::make_unique<impl>()) {
  if (options.allowed_topic_arns.empty())
    detail::throw_invalid_argument("allowed_topic_arns", "must name at least one SNS topic");
  for (const auto& arn : options.allowed_topic_arns)
    if (detail::sns_topic_region(arn).empty())
      detail::throw_invalid_argument("allowed_topic_arns",
                                     "each must be an SNS TopicArn arn:aws:sns:<region>:<account>:<name>");
  if (!fetch) detail::throw_invalid_argument("fetch", "a certificate fetcher is required");
  if (options.max_cached_certificates == 0)
    detail::throw_invalid_argument("max_cached_certificates", "must be at least 1");
  if (!options.trust_anchor_pem.empty()) {
    try {
      impl_->anchor = detail::x509_certificate::from_pem(options.trust_anchor_pem);
    } catch (const std::exception&) {
      detail::throw_invalid_argument("trust_anchor_pem", "must be one PEM X.509 certificate");
    }
  }
  impl_->options = std::move(options);
  impl_->fetch = std::move(fetch);
  impl_->clock = clock ? std::move(clock) : clock_function([] { return std::chrono::system_clock::now(); });
}

sns_verifier::~sns_verifier() = default;

std::uint64_t sns_verifier::certificate_fetches() const noexcept {
  return impl_->fetches.load();
}

awaitable<verified_event> sns_verifier::verify(std::string body) {
  impl& d = *impl_;
  if (body.size() > max_event_bytes)
    co_return refuse(event_refusal::too_large, "the message is larger than 256 KiB");
  detail::sns_envelope env;
  try {
    env = detail::parse_sns_envelope(body);
  } catch (const std::exception& e) {
    co_return refuse(event_refusal::malformed, std::string("not an SNS envelope: ") + e.what());
  }
  const auto to_sign = detail::sns_string_to_sign(env);
  if (!to_sign)
    co_return refuse(event_refusal::unknown_event, "unknown SNS Type (not Notification or a confirmation)");
  if (env.signature.empty() || env.signature_version.empty() || env.signing_cert_url.empty())
    co_return refuse(event_refusal::unsigned_message, "no Signature, SignatureVersion or SigningCertURL");
  if (env.signature_version != "1" && env.signature_version != "2")
    co_return refuse(event_refusal::bad_signature_version, "SignatureVersion must be 1 or 2");
  if (env.message_id.empty() || env.timestamp.empty() || env.topic_arn.empty())
    co_return refuse(event_refusal::malformed, "MessageId, Timestamp and TopicArn are required");
  bool allowed = false;
  for (const auto& arn : d.options.allowed_topic_arns) allowed = allowed || arn == env.topic_arn;
  if (!allowed) co_return refuse(event_refusal::wrong_topic, "TopicArn is not in the allow-list");
  const auto stamp = detail::parse_iso8601(env.timestamp);
  if (!stamp) co_return refuse(event_refusal::malformed, "Timestamp is not an ISO 8601 time");
  const time_point now = d.clock();
  if (*stamp < now - d.options.max_age)
    co_return refuse(event_refusal::expired, "Timestamp is older than max_age");
  if (*stamp > now + d.options.max_clock_skew)
    co_return refuse(event_refusal::expired, "Timestamp is in the future beyond max_clock_skew");
  // The URL is judged before anything is fetched: a forged message must not make us connect
  // to a host of its choosing.
  const std::string region = detail::sns_topic_region(env.topic_arn);
  if (auto why = detail::cert_url_violation(env.signing_cert_url, region, d.options.cert_host_suffix);
      !why.empty())
    co_return refuse(event_refusal::bad_cert_url, std::move(why));

  auto cert = d.cached(env.signing_cert_url);
  if (!cert) {
    std::string pem;
    std::string failure;
    try {
      d.fetches.fetch_add(1, std::memory_order_relaxed);
      pem = co_await d.fetch(env.signing_cert_url);
    } catch (const boost::system::system_error& e) {
      if (e.code() == boost::asio::error::operation_aborted) throw;
      failure = e.what();
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (!failure.empty())
      co_return refuse(event_refusal::certificate_unavailable, "fetching the certificate failed: " + failure);
    try {
      cert = detail::x509_certificate::from_pem(pem);
    } catch (const std::exception& e) {
      co_return refuse(event_refusal::certificate_unavailable, e.what());
    }
    d.remember(env.signing_cert_url, cert);
  }
  if (auto why = detail::certificate_violation(*cert, now, d.anchor.get()); !why.empty())
    co_return refuse(event_refusal::untrusted_certificate, std::move(why));
  std::string signature;
  if (!detail::decode_base64(env.signature, signature))
    co_return refuse(event_refusal::bad_signature, "Signature is not base64");
  if (!detail::verify_rsa_signature(*cert, env.signature_version, *to_sign, signature))
    co_return refuse(event_refusal::bad_signature, "the signature does not match the message");

  verified_event out;
  out.event.channel = marketplace_event_channel::sns;
  out.event.time = *stamp;
  out.event.dedup_id = "sns:" + env.message_id;
  out.event.topic_arn = env.topic_arn;
  if (env.type == "SubscriptionConfirmation") {
    out.event.kind = marketplace_event_kind::subscription_confirmation;
    out.event.subscribe_url = env.subscribe_url;
    co_return out;
  }
  if (env.type == "UnsubscribeConfirmation") {
    out.event.kind = marketplace_event_kind::unsubscribe_confirmation;
    co_return out;
  }
  try {
    parse_marketplace_message(env.message, out.event);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    const bool unknown = what.find("Message.action") != std::string::npos;
    co_return refuse(unknown ? event_refusal::unknown_event : event_refusal::malformed, what);
  }
  co_return out;
}

namespace {

// A free coroutine with by-value parameters: it must not depend on the lambda that starts it.
awaitable<std::string> fetch_certificate(asio::any_io_executor ex, std::string ca_file,
                                         std::chrono::milliseconds timeout, std::string url) {
  const detail::endpoint ep = detail::endpoint::parse(url);
  if (!ep.tls) detail::throw_invalid_argument("SigningCertURL", "must be https");
  detail::http_client_options options;
  options.timeout = timeout;
  options.max_connections = 1;
  options.max_response_bytes = 64 * 1024;
  options.ca_file = std::move(ca_file);
  options.verify_peer = true;
  detail::http_client client(ex, ep, options);
  http_request request{boost::beast::http::verb::get, ep.path, 11};
  request.set(boost::beast::http::field::host, ep.host_header());
  request.set(boost::beast::http::field::user_agent, "awsmp/0.1");
  detail::http_response response = co_await client.send(std::move(request));
  if (response.result_int() != 200)
    detail::throw_error(errc::service_error,
                        "certificate download answered HTTP " + std::to_string(response.result_int()));
  co_return std::move(response.body());
}

}  // namespace

certificate_fetcher https_certificate_fetcher(asio::any_io_executor ex, std::string ca_file,
                                              std::chrono::milliseconds timeout) {
  return [ex = std::move(ex), ca_file = std::move(ca_file), timeout](std::string url) {
    return fetch_certificate(ex, ca_file, timeout, std::move(url));
  };
}

}  // namespace awsmp
