#include "transport/aws_json_client.hpp"

#include <algorithm>
#include <atomic>
#include <awsmp/error.hpp>
#include <awsmp/log.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>
#include <optional>

#include "core/log_line.hpp"
#include "core/redact.hpp"
#include "core/throw.hpp"
#include "transport/rate_limiter.hpp"
#include "transport/retry_strategy.hpp"
#include "wire/rules.hpp"

namespace awsmp::detail {

namespace http = boost::beast::http;

namespace {

// The Signature= part of an Authorization header, or empty.
std::string signature_of(std::string_view authorization) {
  const auto at = authorization.find("Signature=");
  return at == std::string_view::npos ? std::string() : std::string(authorization.substr(at + 10));
}

// The registration token of a ResolveCustomer body, or empty (only read on the error path).
std::string registration_token_of(std::string_view body) {
  if (body.find("\"RegistrationToken\"") == std::string_view::npos) return {};
  boost::system::error_code ec;
  const auto doc = boost::json::parse(body, ec);
  if (ec || !doc.is_object()) return {};
  const auto* v = doc.get_object().if_contains("RegistrationToken");
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The error with every piece (8 bytes or more) of what the request carried removed from the
// peer's text, in whatever form the peer echoed it (quoted, repeated, split by separators or
// line breaks): decode_aws_error only knows the forms AWS itself uses.
aws_error redacted(aws_error error, std::initializer_list<std::string_view> secrets) {
  std::string message = error.aws_message(), type = error.type(), request_id = error.request_id();
  for (const auto secret : secrets) {
    redact_secret(message, secret);
    redact_secret(type, secret);
    redact_secret(request_id, secret);
  }
  return aws_error(error.http_status(), std::move(type), std::move(message), std::move(request_id));
}

endpoint resolve_endpoint(const client_options& options, const std::string& default_host) {
  if (options.endpoint.empty()) {
    if (!is_region_name(options.region))
      throw_invalid_argument(
          "region", "must be an AWS region name such as us-east-1 (lower-case letters, digits, '-')");
    endpoint ep;
    ep.tls = true;
    ep.host = default_host;
    ep.port = "443";
    return ep;
  }
  endpoint ep = endpoint::parse(options.endpoint);
  // Signed billing traffic in clear text is acceptable only when it never leaves the machine.
  if (!ep.tls && !is_loopback_host(ep.host))
    throw_invalid_argument(
        "endpoint", "http:// is allowed only for loopback hosts (localhost, 127.0.0.1, ::1); use https");
  return ep;
}

http_client_options transport_options(const client_options& options) {
  if (options.max_attempts < 1) throw_invalid_argument("max_attempts", "must be at least 1");
  if (options.timeout.count() <= 0) throw_invalid_argument("timeout", "must be positive");
  if (options.max_connections == 0) throw_invalid_argument("max_connections", "must be at least 1");
  if (options.max_response_bytes == 0) throw_invalid_argument("max_response_bytes", "must be positive");
  if (options.max_requests_per_second < 0)
    throw_invalid_argument("max_requests_per_second", "must not be negative");
  if (options.base_backoff.count() < 0 || options.max_backoff.count() < 0)
    throw_invalid_argument("base_backoff/max_backoff", "must not be negative");
  http_client_options t;
  t.timeout = options.timeout;
  t.max_connections = options.max_connections;
  t.max_response_bytes = options.max_response_bytes;
  t.ca_file = options.ca_file;
  t.verify_peer = options.verify_peer;
  t.allow_insecure_remote = options.allow_insecure_remote;
  return t;
}

std::string header_or_empty(const http_response& response, std::string_view name) {
  auto it = response.find(name);
  return it == response.end() ? std::string() : std::string(it->value());
}

}  // namespace

struct aws_json_client::impl {
  impl(asio::any_io_executor ex, request_signer& s, client_options o, const std::string& default_host,
       std::string ct)
      : signer(s),
        options(std::move(o)),
        http(ex, resolve_endpoint(options, default_host), transport_options(options)),
        content_type(std::move(ct)),
        quota(options.retry_quota) {
    retry.max_attempts = options.max_attempts;
    retry.base_backoff = options.base_backoff;
    retry.max_backoff = options.max_backoff;
    retry.retry_quota = options.retry_quota;
    if (options.max_requests_per_second > 0) limiter.emplace(options.max_requests_per_second);
    // The signature's region must be the endpoint's, or AWS refuses every call; say so early.
    if (auto* s4 = dynamic_cast<sigv4_signer*>(&signer);
        s4 && s4->region() != options.region && options.endpoint.empty())
      log(log_level::warning, "awsmp: the signer's region (" + s4->region() +
                                  ") differs from client_options.region (" + options.region +
                                  "); AWS will reject the signatures");
  }

  request_signer& signer;
  client_options options;
  http_client http;
  std::string content_type;
  retry_options retry;
  retry_quota quota;
  std::optional<rate_limiter> limiter;
  std::function<double()> random01 = default_random01;
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> attempts{0};
  std::atomic<std::uint64_t> retries{0};
};

aws_json_client::aws_json_client(asio::any_io_executor ex, request_signer& signer, client_options options,
                                 std::string default_host, std::string content_type)
    : impl_(std::make_unique<impl>(std::move(ex), signer, std::move(options), default_host,
                                   std::move(content_type))) {}

aws_json_client::~aws_json_client() = default;

awaitable<std::string> aws_json_client::call(std::string target, std::string body) {
  std::vector<std::string> none;
  json_answer answer = co_await call_answering(std::move(target), std::move(body), std::move(none));
  co_return std::move(answer.body);
}

awaitable<json_answer> aws_json_client::call_answering(std::string target, std::string body,
                                                       std::vector<std::string> answered_errors) {
  impl& d = *impl_;
  d.requests.fetch_add(1, std::memory_order_relaxed);
  const endpoint& ep = d.http.target();
  http_request base{http::verb::post, ep.path, 11};
  base.set(http::field::host, ep.host_header());
  base.set(http::field::content_type, d.content_type);
  base.set("X-Amz-Target", target);
  base.set(http::field::user_agent, "awsmp/0.1");
  base.body() = std::move(body);
  base.prepare_payload();

  retry_strategy strategy(d.retry, d.quota, d.random01);
  const int max_attempts = d.retry.max_attempts;
  for (;;) {
    const int attempt = strategy.begin_attempt();
    d.attempts.fetch_add(1, std::memory_order_relaxed);
    if (attempt > 1) d.retries.fetch_add(1, std::memory_order_relaxed);
    std::exception_ptr failure;
    try {
      if (d.limiter) co_await d.limiter->acquire();
      http_request request = base;
      // What the SDKs send so that AWS can tell retries apart in its metrics.
      request.set("amz-sdk-request",
                  "attempt=" + std::to_string(attempt) + "; max=" + std::to_string(max_attempts));
      // Signed per attempt: a retry after a long backoff must carry a fresh X-Amz-Date.
      co_await d.signer.sign(request);
      // What this attempt sent that a peer could echo back into an error: kept only to redact it.
      const std::string session_token(request["X-Amz-Security-Token"]);
      const std::string signature = signature_of(request[http::field::authorization]);
      http_response response = co_await d.http.send(std::move(request));
      const unsigned status = response.result_int();
      if (status >= 200 && status < 300) {
        strategy.on_success();
        json_answer answer;
        answer.body = std::move(response.body());
        answer.http_status = status;
        co_return answer;
      }
      aws_error error = decode_aws_error(status, header_or_empty(response, "x-amzn-ErrorType"),
                                         header_or_empty(response, "x-amzn-RequestId"), response.body());
      // An error the caller handles is an answer of the service: the exchange itself succeeded.
      if (std::find(answered_errors.begin(), answered_errors.end(), error.type()) != answered_errors.end()) {
        strategy.on_success();
        json_answer answer;
        answer.error_type = error.type();
        answer.body = std::move(response.body());
        answer.http_status = status;
        co_return answer;
      }
      throw redacted(std::move(error), {session_token, signature, registration_token_of(base.body())});
    } catch (...) {
      failure = std::current_exception();
    }
    const auto decision = strategy.on_failure(classify_failure(failure));
    if (!decision.retry) {
      if (decision.quota_exhausted)
        log(log_level::warning, std::string("awsmp ") + target + ": " +
                                    make_error_code(errc::retry_quota_exhausted).message() +
                                    "; giving up after attempt " + std::to_string(attempt));
      std::rethrow_exception(failure);
    }
    if (log_enabled(log_level::info)) {
      std::string why = "unknown error";
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        why = e.what();
      } catch (...) {
      }
      log(log_level::info, std::string("awsmp ") + target + ": attempt " + std::to_string(attempt) + " of " +
                               std::to_string(max_attempts) + " failed (" + why + "); retrying in " +
                               std::to_string(decision.delay.count()) + " ms");
    }
    if (decision.delay.count() > 0) {
      asio::steady_timer timer(co_await asio::this_coro::executor);
      timer.expires_after(decision.delay);
      co_await timer.async_wait(asio::use_awaitable);  // throws operation_aborted when cancelled
    }
  }
}

client_stats aws_json_client::stats() const noexcept {
  client_stats s;
  s.requests = impl_->requests.load(std::memory_order_relaxed);
  s.attempts = impl_->attempts.load(std::memory_order_relaxed);
  s.retries = impl_->retries.load(std::memory_order_relaxed);
  const auto transport = impl_->http.stats();
  s.connections_opened = transport.connections_opened;
  s.stale_reconnects = transport.stale_reconnects;
  s.certificate_checks_disabled = transport.certificate_checks_disabled;
  return s;
}

const endpoint& aws_json_client::target() const noexcept {
  return impl_->http.target();
}

unsigned aws_json_client::retry_quota_available() const noexcept {
  return impl_->quota.available();
}

void aws_json_client::set_random_source(std::function<double()> random01) {
  impl_->random01 = random01 ? std::move(random01) : std::function<double()>(default_random01);
}

}  // namespace awsmp::detail
