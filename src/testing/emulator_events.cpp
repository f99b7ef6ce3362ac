#include "testing/emulator_events.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <awsmp/credentials.hpp>
#include <awsmp/error.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/sqs_client.hpp>
#include <awsmp/testing/test_certificates.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <ctime>
#include <random>

#include "core/throw.hpp"
#include "events/sns_envelope.hpp"
#include "transport/http_client.hpp"

namespace awsmp::testing::detail {

namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

// The account that owns AWS Marketplace's SNS topics in us-east-1 (the Seller Guide's ARNs).
constexpr std::string_view marketplace_topic_owner = "287250355862";

std::string iso8601_millis(time_point t) {
  const auto ms = std::chrono::time_point_cast<std::chrono::milliseconds>(t);
  const auto secs = std::chrono::time_point_cast<std::chrono::seconds>(ms);
  const std::time_t tt = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((ms - secs).count()));
  return buf;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// The scheme and authority of a URL ("http://127.0.0.1:5000/1234/q" -> "http://127.0.0.1:5000").
std::string origin_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return {};
  const auto path = url.find('/', scheme + 3);
  return path == std::string::npos ? url : url.substr(0, path);
}

std::string marketplace_message(std::string_view action, const emulated_customer& c, bool offer) {
  json::object m;
  m["action"] = action;
  m["customer-identifier"] = c.identity.customer_identifier;
  m["product-code"] = c.identity.product_code;
  if (offer) m["offer-identifier"] = "offer-awsmpemulator";
  m["isFreeTrialTermPresent"] = "false";
  return json::serialize(m);
}

}  // namespace

resolved_event_options resolve_event_options(const emulator_event_options& o,
                                             const std::vector<emulated_product>& products, time_point now) {
  resolved_event_options r;
  r.options = o;
  auto& e = r.options;
  switch (e.target) {
    case event_target::none:
      return r;
    case event_target::sqs:
      if (e.queue_url.empty())
        awsmp::detail::throw_invalid_argument("emulator_options.events.queue_url",
                                              "required for the sqs target");
      if (e.sqs_endpoint.empty()) e.sqs_endpoint = origin_of(e.queue_url);
      if (e.sqs_endpoint.empty())
        awsmp::detail::throw_invalid_argument("emulator_options.events.queue_url", "must be a URL");
      break;
    case event_target::https:
      if (e.https_url.empty())
        awsmp::detail::throw_invalid_argument("emulator_options.events.https_url",
                                              "required for the https target");
      (void)awsmp::detail::parse_url(e.https_url, "emulator_options.events.https_url", true);
      break;
  }
  if (e.max_delivery_attempts < 1 || e.max_delivery_attempts > 10)
    awsmp::detail::throw_invalid_argument("emulator_options.events.max_delivery_attempts", "must be 1..10");
  if (e.region.empty()) awsmp::detail::throw_invalid_argument("emulator_options.events.region", "required");
  if (e.product_code.empty() && !products.empty()) e.product_code = products.front().product_code;
  if (e.product_code.empty())
    awsmp::detail::throw_invalid_argument("emulator_options.events.product_code",
                                          "required when emulator_options.products is empty");
  const std::string prefix = "arn:aws:sns:" + e.region + ":" + std::string(marketplace_topic_owner) + ":";
  if (e.subscription_topic_arn.empty())
    e.subscription_topic_arn = prefix + "aws-mp-subscription-notification-" + e.product_code;
  if (e.entitlement_topic_arn.empty())
    e.entitlement_topic_arn = prefix + "aws-mp-entitlement-notification-" + e.product_code;
  if (e.signing_cert_url.empty())
    e.signing_cert_url =
        "https://sns." + e.region + ".amazonaws.com/SimpleNotificationService-awsmp-emulator.pem";
  // Valid for years around the emulator's clock: a compressed or manual clock may run far
  // from the system's, and a verifier checks validity by its own (matching) clock.
  auto bundle = make_sns_signing_certificate(std::chrono::hours{24 * 365 * 5}, now);
  r.ca_pem = std::move(bundle.ca_cert_pem);
  r.cert_pem = std::move(bundle.cert_pem);
  r.key_pem = std::move(bundle.key_pem);
  return r;
}

struct event_publisher::key_holder {
  EVP_PKEY* key = nullptr;
  ~key_holder() { EVP_PKEY_free(key); }
};

event_publisher::event_publisher(resolved_event_options options)
    : settings_(std::move(options)), key_(std::make_unique<key_holder>()) {
  std::random_device rd;
  seed_ = (std::uint64_t{rd()} << 32) ^ rd();
  if (settings_.key_pem.empty()) return;
  BIO* bio = BIO_new_mem_buf(settings_.key_pem.data(), static_cast<int>(settings_.key_pem.size()));
  if (bio) key_->key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (!key_->key) throw std::runtime_error("emulator events: cannot read the generated signing key");
}

event_publisher::~event_publisher() = default;

std::string event_publisher::next_id() {
  // UUID-shaped and unique per publisher; SNS MessageIds and EventBridge ids look like this.
  std::uint64_t x = seed_ + 0x9e3779b97f4a7c15ULL * (counter_.fetch_add(1) + 1);
  auto mix = [](std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  const std::uint64_t a = mix(x), b = mix(x ^ 0x5bd1e995ULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>((b >> 48) & 0xfff),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::string event_publisher::sign_notification(const std::string& message, const std::string& topic_arn,
                                               const std::string& cert_url, time_point now) {
  if (!key_->key)
    awsmp::detail::throw_invalid_argument("marketplace_emulator", "no event target is configured");
  awsmp::detail::sns_envelope env;
  env.type = "Notification";
  env.message_id = next_id();
  env.topic_arn = topic_arn;
  env.message = message;
  env.timestamp = iso8601_millis(now);
  env.signature_version = "2";
  env.signing_cert_url = cert_url;
  // The library's own string-to-sign: the verifier's tests pin it against an independent copy.
  const std::string to_sign = *awsmp::detail::sns_string_to_sign(env);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t n = 0;
  std::string signature;
  bool ok = ctx && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_->key) == 1 &&
            EVP_DigestSign(ctx, nullptr, &n, reinterpret_cast<const unsigned char*>(to_sign.data()),
                           to_sign.size()) == 1;
  if (ok) {
    signature.resize(n);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &n,
                        reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size()) == 1;
    signature.resize(n);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("emulator events: signing failed");
  json::object o;
  o["Type"] = env.type;
  o["MessageId"] = env.message_id;
  o["TopicArn"] = env.topic_arn;
  o["Message"] = env.message;
  o["Timestamp"] = env.timestamp;
  o["SignatureVersion"] = env.signature_version;
  o["Signature"] = base64(signature);
  o["SigningCertURL"] = env.signing_cert_url;
  o["UnsubscribeURL"] = "https://sns." + settings_.options.region +
                        ".amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + topic_arn + ":" + next_id();
  return json::serialize(o);
}

std::vector<std::string> event_publisher::bodies(lifecycle_change change, const emulated_customer& c,
                                                 time_point now) {
  const auto& e = settings_.options;
  std::vector<std::string> out;
  if (e.format == event_format::sns) {
    if (c.identity.customer_identifier.empty())
      awsmp::detail::throw_invalid_argument(
          "customer", "SNS notifications name a customer-identifier; this customer has none");
    switch (change) {
      case lifecycle_change::subscribed:
        out.push_back(sign_notification(marketplace_message("subscribe-success", c, true),
                                        e.subscription_topic_arn, e.signing_cert_url, now));
        break;
      case lifecycle_change::unsubscribe_pending:
        out.push_back(sign_notification(marketplace_message("unsubscribe-pending", c, false),
                                        e.subscription_topic_arn, e.signing_cert_url, now));
        break;
      case lifecycle_change::unsubscribed:
        out.push_back(sign_notification(marketplace_message("unsubscribe-success", c, false),
                                        e.subscription_topic_arn, e.signing_cert_url, now));
        break;
      case lifecycle_change::entitlements_changed:
        out.push_back(sign_notification(marketplace_message("entitlement-updated", c, false),
                                        e.entitlement_topic_arn, e.signing_cert_url, now));
        break;
    }
    return out;
  }
  const auto& id = c.identity;
  if (id.customer_aws_account_id.empty() || id.license_arn.empty())
    awsmp::detail::throw_invalid_argument(
        "customer", "EventBridge events name an account and a license; this customer lacks one");
  const std::string agreement = "agmt-" + id.license_arn.substr(id.license_arn.rfind(':') + 1);
  auto event = [&](std::string_view type, json::object detail) {
    json::object o;
    o["version"] = "0";
    o["id"] = next_id();
    o["detail-type"] = type;
    o["source"] = "aws.agreement-marketplace";
    o["account"] = e.seller_account;
    o["time"] = iso8601_millis(now).substr(0, 19) + "Z";
    o["region"] = e.region;
    o["resources"] = json::array{};
    o["detail"] = std::move(detail);
    return json::serialize(o);
  };
  auto agreement_detail = [&](std::string_view status) {
    json::object d;
    d["agreement"] = json::object{{"id", agreement}, {"intent", "NEW"}, {"status", status}};
    d["acceptor"] = json::object{{"accountId", id.customer_aws_account_id}};
    d["proposer"] = json::object{{"accountId", e.seller_account}};
    d["offer"] = json::object{{"id", "offer-awsmpemulator"}};
    return d;
  };
  auto license_detail = [&] {
    json::object d;
    d["agreement"] = json::object{{"id", agreement}};
    d["product"] = json::object{{"code", id.product_code.empty() ? e.product_code : id.product_code},
                                {"id", "prod-awsmpemulator"}};
    d["license"] = json::object{{"arn", id.license_arn}};
    d["acceptor"] = json::object{{"accountId", id.customer_aws_account_id}};
    d["offer"] = json::object{{"id", "offer-awsmpemulator"}};
    return d;
  };
  switch (change) {
    case lifecycle_change::subscribed:
      out.push_back(event("Purchase Agreement Created - Manufacturer", agreement_detail("ACTIVE")));
      out.push_back(event("License Updated - Manufacturer", license_detail()));
      break;
    case lifecycle_change::unsubscribe_pending:
      out.push_back(event("Purchase Agreement Ended - Manufacturer", agreement_detail("CANCELLED")));
      break;
    case lifecycle_change::unsubscribed:
      out.push_back(event("License Deprovisioned - Manufacturer", license_detail()));
      break;
    case lifecycle_change::entitlements_changed:
      out.push_back(event("License Updated - Manufacturer", license_detail()));
      break;
  }
  return out;
}

awaitable<unsigned> event_publisher::deliver(std::string body, std::atomic<std::uint64_t>& published,
                                             std::atomic<std::uint64_t>& failures) {
  const auto& e = settings_.options;
  auto ex = co_await asio::this_coro::executor;
  if (e.target == event_target::none)
    awsmp::detail::throw_invalid_argument("marketplace_emulator", "no event target is configured");
  if (e.target == event_target::sqs) {
    // moto does not check signatures; the well-known example key is enough on loopback.
    static_credentials_provider provider(
        credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt});
    sigv4_signer signer(provider, e.region, "sqs");
    client_options co;
    co.endpoint = e.sqs_endpoint;
    co.region = e.region;
    co.timeout = e.delivery_timeout;
    co.max_attempts = e.max_delivery_attempts;
    co.ca_file = e.https_ca_file;
    sqs_client sqs(ex, signer, co);
    try {
      std::string url = e.queue_url;
      co_await sqs.send_message(std::move(url), std::move(body));
    } catch (...) {
      failures.fetch_add(1, std::memory_order_relaxed);
      throw;
    }
    published.fetch_add(1, std::memory_order_relaxed);
    co_return 200;
  }
  // SNS's HTTPS delivery: a POST of the envelope as text/plain with the x-amz-sns-* headers.
  std::string type, message_id, topic;
  {
    boost::system::error_code ec;
    const auto doc = json::parse(body, ec);
    if (!ec && doc.is_object()) {
      const auto& o = doc.as_object();
      auto member = [&o](std::string_view k) {
        const auto* v = o.if_contains(k);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      type = member("Type");
      message_id = member("MessageId");
      topic = member("TopicArn");
    }
  }
  const awsmp::detail::parsed_url url =
      awsmp::detail::parse_url(e.https_url, "emulator_options.events.https_url", true);
  awsmp::detail::http_client_options ho;
  ho.timeout = e.delivery_timeout;
  ho.max_connections = 1;
  ho.max_response_bytes = 64 * 1024;
  ho.ca_file = e.https_ca_file;
  ho.verify_peer = true;
  awsmp::detail::http_client client(ex, url.ep, ho);
  std::string failure;
  for (int attempt = 1; attempt <= e.max_delivery_attempts; ++attempt) {
    if (attempt > 1) {
      asio::steady_timer pause(ex, std::chrono::milliseconds{50 * attempt});
      co_await pause.async_wait(asio::use_awaitable);
    }
    http_request req{http::verb::post, url.target, 11};
    req.set(http::field::host, url.ep.host_header());
    req.set(http::field::content_type, "text/plain; charset=UTF-8");
    req.set(http::field::user_agent, "Amazon Simple Notification Service Agent");
    if (!type.empty()) req.set("x-amz-sns-message-type", type);
    if (!message_id.empty()) req.set("x-amz-sns-message-id", message_id);
    if (!topic.empty()) req.set("x-amz-sns-topic-arn", topic);
    req.body() = body;
    req.prepare_payload();
    try {
      const auto res = co_await client.send(std::move(req));
      const unsigned status = res.result_int();
      if (status >= 200 && status < 300) {
        published.fetch_add(1, std::memory_order_relaxed);
        co_return status;
      }
      if (status < 500) {  // the endpoint will never take it: not retried
        failures.fetch_add(1, std::memory_order_relaxed);
        co_return status;
      }
      failure = "the endpoint answered HTTP " + std::to_string(status);
    } catch (const boost::system::system_error& err) {
      if (err.code() == asio::error::operation_aborted) throw;
      failure = err.what();
    }
  }
  failures.fetch_add(1, std::memory_order_relaxed);
  awsmp::detail::throw_error(errc::service_error, "emulator events: delivery failed: " + failure);
}

}  // namespace awsmp::testing::detail
