#include <atomic>
#include <awsmp/error.hpp>
#include <awsmp/sns_https_endpoint.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

#include "core/log_line.hpp"
#include "core/throw.hpp"
#include "events/sns_envelope.hpp"
#include "transport/http_client.hpp"

namespace awsmp {

namespace http = boost::beast::http;

namespace {

// A free coroutine with by-value parameters: it must not depend on the lambda that starts it.
awaitable<void> call_subscribe_url(asio::any_io_executor ex, std::string ca_file,
                                   std::chrono::milliseconds timeout, std::string url) {
  // The query (Action, TopicArn, Token) is the whole point of the URL, so it is kept.
  const detail::parsed_url parsed = detail::parse_url(url, "SubscribeURL", true);
  if (!parsed.ep.tls) detail::throw_invalid_argument("SubscribeURL", "must be https");
  detail::http_client_options options;
  options.timeout = timeout;
  options.max_connections = 1;
  options.max_response_bytes = 64 * 1024;
  options.ca_file = std::move(ca_file);
  options.verify_peer = true;
  detail::http_client client(ex, parsed.ep, options);
  http_request request{http::verb::get, parsed.target, 11};
  request.set(http::field::host, parsed.ep.host_header());
  request.set(http::field::user_agent, "awsmp/0.2");
  const detail::http_response response = co_await client.send(std::move(request));
  if (response.result_int() != 200)
    detail::throw_error(errc::service_error,
                        "ConfirmSubscription answered HTTP " + std::to_string(response.result_int()));
}

sns_https_endpoint::response answer(http::status status, unsigned version, std::string_view text) {
  sns_https_endpoint::response res{status, version};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::string(text);
  res.body() += '\n';
  res.prepare_payload();
  return res;
}

// SNS retries on 5xx (and on no answer); a 4xx tells it the message will never be accepted.
http::status status_of(const handled_event& h) {
  switch (h.outcome) {
    case event_outcome::applied:
    case event_outcome::ignored:
    case event_outcome::duplicate:
      return http::status::ok;
    case event_outcome::retry:
      return http::status::service_unavailable;
    case event_outcome::refused:
      break;
  }
  switch (h.refusal) {
    case event_refusal::too_large:
      return http::status::payload_too_large;
    case event_refusal::malformed:
    case event_refusal::unknown_event:
      return http::status::bad_request;
    case event_refusal::certificate_unavailable:
      // Possibly transient (the download failed): a genuine message must get another chance.
      return http::status::service_unavailable;
    default:
      return http::status::forbidden;
  }
}

}  // namespace

subscription_confirmer https_subscription_confirmer(asio::any_io_executor ex, std::string ca_file,
                                                    std::chrono::milliseconds timeout) {
  return [ex = std::move(ex), ca_file = std::move(ca_file), timeout](std::string url) {
    return call_subscribe_url(ex, ca_file, timeout, std::move(url));
  };
}

struct sns_https_endpoint::impl {
  marketplace_event_consumer& consumer;
  subscription_confirmer confirm;
  sns_https_endpoint_options options;
  std::atomic<std::uint64_t> requests{0}, method_refused{0}, too_large{0}, confirmations{0},
      confirmation_failures{0};

  impl(marketplace_event_consumer& c, subscription_confirmer f, sns_https_endpoint_options o)
      : consumer(c), confirm(std::move(f)), options(std::move(o)) {}

  std::optional<response> check(http::verb method, std::string_view target,
                                std::optional<std::uint64_t> content_length, unsigned version) {
    if (method != http::verb::post) {
      method_refused.fetch_add(1, std::memory_order_relaxed);
      auto res = answer(http::status::method_not_allowed, version, "only POST is served");
      res.set(http::field::allow, "POST");
      return res;
    }
    const std::string_view path = target.substr(0, target.find('?'));
    if (!options.path.empty() && path != options.path) {
      method_refused.fetch_add(1, std::memory_order_relaxed);
      return answer(http::status::not_found, version, "not found");
    }
    if (content_length && *content_length > options.max_body_bytes) {
      too_large.fetch_add(1, std::memory_order_relaxed);
      return answer(http::status::payload_too_large, version, "an SNS message is at most 256 KiB");
    }
    return std::nullopt;
  }
};

sns_https_endpoint::sns_https_endpoint(marketplace_event_consumer& consumer, subscription_confirmer confirm,
                                       sns_https_endpoint_options options) {
  if (!confirm) detail::throw_invalid_argument("confirm", "a subscription confirmer is required");
  if (options.max_body_bytes == 0) detail::throw_invalid_argument("max_body_bytes", "must be positive");
  impl_ = std::make_unique<impl>(consumer, std::move(confirm), std::move(options));
}

sns_https_endpoint::~sns_https_endpoint() = default;

std::optional<sns_https_endpoint::response> sns_https_endpoint::check_header(
    const http::request_header<>& header) {
  std::optional<std::uint64_t> length;
  if (auto it = header.find(http::field::content_length); it != header.end()) {
    std::uint64_t v = 0;
    bool digits = !it->value().empty();
    for (char c : it->value()) {
      if (c < '0' || c > '9' || v > (UINT64_MAX - 9) / 10) {
        digits = false;
        break;
      }
      v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    // Beast refuses a malformed Content-Length itself; an unreadable one here is "too large".
    length = digits ? v : UINT64_MAX;
  }
  return impl_->check(header.method(), header.target(), length, header.version());
}

awaitable<sns_https_endpoint::response> sns_https_endpoint::handle(request req) {
  impl& d = *impl_;
  d.requests.fetch_add(1, std::memory_order_relaxed);
  const unsigned version = req.version();
  // The body is judged by its size here too, for callers that read it without check_header().
  if (auto refusal = d.check(req.method(), req.target(), req.body().size(), version)) co_return *refusal;
  std::string body = std::move(req.body());
  const handled_event h = co_await d.consumer.handle_detailed(std::move(body));
  const bool confirmation = h.verified && h.event.kind == marketplace_event_kind::subscription_confirmation &&
                            (h.outcome == event_outcome::ignored || h.outcome == event_outcome::duplicate);
  if (!confirmation) {
    const auto status = status_of(h);
    std::string text =
        h.outcome == event_outcome::refused
            ? "refused: " + std::string(to_string(h.refusal))
            : std::string(h.outcome == event_outcome::retry ? "not applied, retry later" : "ok");
    co_return answer(status, version, text);
  }
  // Verified, so the topic is in the verifier's allow-list: only allowed topics are confirmed.
  // The SubscribeURL is signed, but it is still judged by the same host rule as SigningCertURL
  // before anything is called.
  const std::string region = detail::sns_topic_region(h.event.topic_arn);
  if (auto why = detail::subscribe_url_violation(h.event.subscribe_url, region, d.options.host_suffix);
      !why.empty()) {
    d.confirmation_failures.fetch_add(1, std::memory_order_relaxed);
    detail::log(log_level::warning, "awsmp events: SubscriptionConfirmation refused: " + why);
    co_return answer(http::status::forbidden, version, "refused: bad SubscribeURL");
  }
  std::string failure;
  try {
    std::string url = h.event.subscribe_url;
    co_await d.confirm(std::move(url));
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) throw;
    failure = e.what();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (!failure.empty()) {
    d.confirmation_failures.fetch_add(1, std::memory_order_relaxed);
    detail::log(log_level::warning, "awsmp events: confirming the subscription failed: " + failure);
    co_return answer(http::status::service_unavailable, version, "confirmation failed, retry later");
  }
  d.confirmations.fetch_add(1, std::memory_order_relaxed);
  detail::log(log_level::info, "awsmp events: subscription to " + h.event.topic_arn + " confirmed");
  co_return answer(http::status::ok, version, "subscription confirmed");
}

std::size_t sns_https_endpoint::max_body_bytes() const noexcept {
  return impl_->options.max_body_bytes;
}

sns_https_endpoint_stats sns_https_endpoint::stats() const noexcept {
  const impl& d = *impl_;
  sns_https_endpoint_stats s;
  s.requests = d.requests.load();
  s.method_refused = d.method_refused.load();
  s.too_large = d.too_large.load();
  s.confirmations = d.confirmations.load();
  s.confirmation_failures = d.confirmation_failures.load();
  return s;
}

}  // namespace awsmp
