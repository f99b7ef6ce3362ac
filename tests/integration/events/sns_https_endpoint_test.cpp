// sns_https_endpoint over real TLS on loopback: the emulator POSTs signed notifications as SNS's
// HTTPS delivery does, the endpoint applies them through the consumer (2xx), refuses forgeries
// (403) and malformed bodies (400) before anything is applied, asks SNS to retry when the sink
// fails (503), refuses non-POST and oversized requests from the header alone, and confirms a
// SubscriptionConfirmation of an allowed topic by calling its SubscribeURL with the library's
// HTTPS client (mapped to a loopback peer) - never one of another topic or another host.
#include <awsmp/marketplace_event_consumer.hpp>
#include <awsmp/sns_https_endpoint.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>

#include "integration/events/sns_endpoint_server.hpp"
#include "integration/security/loopback_peer.hpp"
#include "support/run_sync.hpp"
#include "transport/http_client.hpp"
#include "unit/events/fake_event_sink.hpp"
#include "unit/events/sns_test_signer.hpp"

using namespace awsmp;
using namespace events_test;
using awsmp::test::run_sync;

namespace {

const std::string product = "prodcode123";

testing::emulated_customer customer(const std::string& id) {
  testing::emulated_customer c;
  c.registration_token = "token-" + id;
  c.identity.customer_identifier = id;
  c.identity.product_code = product;
  c.identity.customer_aws_account_id = "845735284135";
  c.identity.license_arn = "arn:aws:license-manager::845735284135:license:l-" + id;
  return c;
}

// The emulator, an HTTPS endpoint server on the test's io_context, and a consumer behind it
// that trusts the emulator's SNS signing CA.
struct https_rig {
  boost::asio::io_context io;
  fake_event_sink sink;
  sns_endpoint_server server{io.get_executor()};
  std::unique_ptr<testing::marketplace_emulator> emulator;
  std::unique_ptr<sns_verifier> verifier;
  std::unique_ptr<marketplace_event_consumer> consumer;
  std::unique_ptr<sns_https_endpoint> endpoint;
  std::vector<std::string> confirmed;

  https_rig() {
    testing::emulator_options eo;
    eo.products = {{product, {"tokens_1m"}}};
    eo.events.target = testing::event_target::https;
    eo.events.https_url = server.url();
    eo.events.https_ca_file = server.ca_file();
    emulator = std::make_unique<testing::marketplace_emulator>(eo);
    emulator->start();
    sns_verifier_options vo;
    vo.allowed_topic_arns = {emulator->subscription_topic_arn(), emulator->entitlement_topic_arn()};
    vo.trust_anchor_pem = emulator->sns_ca_certificate_pem();
    verifier = std::make_unique<sns_verifier>(vo, emulator->sns_certificate_fetcher());
    marketplace_event_consumer_options co;
    co.expected_product_code = product;
    consumer = std::make_unique<marketplace_event_consumer>(io.get_executor(), verifier.get(), sink, co);
    endpoint = std::make_unique<sns_https_endpoint>(*consumer, [this](std::string url) -> awaitable<void> {
      confirmed.push_back(url);
      co_return;
    });
    server.endpoint = endpoint.get();
  }

  unsigned post(std::string body) { return run_sync(io, emulator->publish_raw(std::move(body))); }
};

// Replaces the first occurrence of `from` in `s` by `to` (one changed byte of a signed field).
std::string tamper(std::string s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  BOOST_TEST_REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string message(const std::string& action, const std::string& id) {
  return R"({"action":")" + action + R"(","customer-identifier":")" + id + R"(","product-code":")" + product +
         R"("})";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sns_https_endpoint_suite)

BOOST_AUTO_TEST_CASE(emulator_events_are_applied_and_forgeries_refused) {
  https_rig r;
  // Genuine events, published by the emulator's admin operations over HTTPS.
  run_sync(r.io, r.emulator->subscribe(customer("cust-1")));
  run_sync(r.io, r.emulator->set_entitlements(billed_customer::legacy("cust-1"), {}));
  run_sync(r.io, r.emulator->unsubscribe(billed_customer::legacy("cust-1")));
  BOOST_TEST(
      r.sink.calls == (std::vector<std::string>{"activate legacy:cust-1 " + product, "sync legacy:cust-1",
                                                "bill_now legacy:cust-1", "settle legacy:cust-1"}),
      boost::test_tools::per_element());
  BOOST_TEST(r.consumer->stats().applied == 4u);
  BOOST_TEST(r.emulator->stats().events_published == 4u);
}

BOOST_AUTO_TEST_CASE(forgeries_are_refused_with_403_and_never_applied) {
  https_rig r;
  const std::string genuine = r.emulator->signed_sns_notification(message("unsubscribe-success", "cust-2"));
  // Control: the untampered envelope is accepted, so each refusal below is the forgery's doing.
  const std::string other = r.emulator->signed_sns_notification(message("unsubscribe-pending", "cust-2"));
  BOOST_TEST(r.post(other) == 200u);
  BOOST_TEST(r.sink.calls.size() == 1u);
  const std::string forged[] = {
      tamper(genuine, "unsubscribe-success", "unsubscribe-succesS"),  // a signed byte changed
      r.emulator->signed_sns_notification(
          message("unsubscribe-success", "cust-2"),
          "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-other"),
      r.emulator->signed_sns_notification(
          message("unsubscribe-success", "cust-2"), {},
          "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem"),
      tamper(genuine, "\"SignatureVersion\":\"2\"", "\"SignatureVersion\":\"1\""),
  };
  for (const auto& body : forged) BOOST_TEST(r.post(body) == 403u);
  BOOST_TEST(r.post("{not json") == 400u);
  BOOST_TEST(r.post(R"({"Type":"Notification","Message":"x"})") == 403u);  // unsigned
  BOOST_TEST(r.sink.calls.size() == 1u);                                   // nothing forged was applied
  const auto s = r.consumer->stats();
  BOOST_TEST(s.applied == 1u);
  BOOST_TEST(s.refused == 6u);
  BOOST_TEST(r.emulator->stats().event_delivery_failures == 6u);  // 4xx: SNS would not retry
}

BOOST_AUTO_TEST_CASE(duplicates_are_acknowledged_and_sink_failures_retried) {
  https_rig r;
  const std::string body = r.emulator->signed_sns_notification(message("unsubscribe-pending", "cust-3"));
  r.sink.fail_next = 10;  // more than the emulator's attempts: every one answers 503
  BOOST_CHECK_THROW(r.post(body), boost::system::system_error);
  BOOST_TEST(r.consumer->stats().retried == 3u);  // max_delivery_attempts, each a 503
  BOOST_TEST(r.sink.calls.empty());
  r.sink.fail_next = 0;
  BOOST_TEST(r.post(body) == 200u);
  BOOST_TEST(r.post(body) == 200u);  // SNS redelivers: acknowledged, not applied twice
  BOOST_TEST(r.sink.calls == std::vector<std::string>{"bill_now legacy:cust-3"},
             boost::test_tools::per_element());
  BOOST_TEST(r.consumer->stats().duplicates == 1u);
}

BOOST_AUTO_TEST_CASE(header_is_judged_before_the_body) {
  https_rig r;
  namespace http = boost::beast::http;
  http::request_header<> get;
  get.method(http::verb::get);
  get.target("/sns");
  auto refusal = r.endpoint->check_header(get);
  BOOST_TEST_REQUIRE(refusal.has_value());
  BOOST_TEST(refusal->result_int() == 405u);
  http::request_header<> elsewhere;
  elsewhere.method(http::verb::post);
  elsewhere.target("/other");
  BOOST_TEST(r.endpoint->check_header(elsewhere)->result_int() == 404u);
  http::request_header<> big;
  big.method(http::verb::post);
  big.target("/sns");
  big.set(http::field::content_length, std::to_string(256 * 1024 + 1));
  BOOST_TEST(r.endpoint->check_header(big)->result_int() == 413u);
  big.set(http::field::content_length, std::to_string(256 * 1024));
  BOOST_TEST(!r.endpoint->check_header(big).has_value());

  // A reader that skipped check_header(): handle() still refuses the body by its size.
  sns_https_endpoint::request oversized{http::verb::post, "/sns", 11};
  oversized.body() = std::string(300 * 1024, 'x');
  BOOST_TEST(run_sync(r.io, r.endpoint->handle(std::move(oversized))).result_int() == 413u);
  // Over the wire, through the TLS server: a GET is refused from its header.
  detail::http_client_options ho;
  ho.ca_file = r.server.ca_file();
  detail::http_client client(r.io.get_executor(), detail::endpoint::parse(r.server.url()), ho);
  http_request get_req{http::verb::get, "/sns", 11};
  BOOST_TEST(run_sync(r.io, client.send(std::move(get_req))).result_int() == 405u);
  BOOST_TEST(r.endpoint->stats().too_large == 2u);
  BOOST_TEST(r.endpoint->stats().method_refused == 3u);  // GET, /other, GET over the wire
  BOOST_TEST(r.consumer->stats().refused == 0u);         // the consumer never saw them
  BOOST_TEST(r.sink.calls.empty());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

std::string confirmation(const std::string& topic_arn, const std::string& subscribe_url) {
  fields f{{"Type", "SubscriptionConfirmation"},
           {"MessageId", "165545c9-2a5c-472c-8df2-7ff2be2b3b1b"},
           {"Token",
            "2336412f37fb687f5d51e6e241d09c805a5a57b30d712f794cc5f6a988666d92768dd60a747ba6f3beb71854e285d6ad"
            "02428b09ceece29417f1f02d609c582afbacc99c583a916b9981dd2728f4ae6fdb82efd087cc3b7849e05798d2d2785c"
            "03b0879594eeac82c01f235d0e717736"},
           {"TopicArn", topic_arn},
           {"Message", "You have chosen to subscribe to the topic. To confirm, visit the SubscribeURL."},
           {"SubscribeURL", subscribe_url},
           {"Timestamp", iso8601(std::chrono::system_clock::now())},
           {"SignatureVersion", "2"},
           {"SigningCertURL", cert_url}};
  return sign_and_serialize(f, sns_keys::get().signing_key);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sns_https_endpoint_confirmation)

BOOST_AUTO_TEST_CASE(confirms_allowed_topics_through_the_https_client) {
  // The SubscribeURL names AWS's host (the rules need it); the real confirmer's GET goes to a
  // loopback HTTPS peer with the same path and query, verified against a run-time CA.
  const auto certs = testing::make_test_certificates();
  unsigned answer = 200;
  test::loopback_peer peer(
      [&](const test::peer_request&) { return test::http_answer(answer, "<ConfirmSubscriptionResponse/>"); },
      [&] {
        auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
        ctx->use_certificate_chain(boost::asio::buffer(certs.server_cert_pem));
        ctx->use_private_key(boost::asio::buffer(certs.server_key_pem), boost::asio::ssl::context::pem);
        return ctx;
      }());
  const std::string ca_path =
      std::string(AWSMP_TEST_BINARY_DIR) + "/confirm_ca_" + std::to_string(::getpid()) + ".pem";
  std::ofstream(ca_path) << certs.ca_cert_pem;
  boost::asio::io_context io;
  auto real = https_subscription_confirmer(io.get_executor(), ca_path, std::chrono::seconds{10});
  const std::string aws_host = "https://sns.us-east-1.amazonaws.com";
  sns_verifier_options vo;
  vo.allowed_topic_arns = {topic};
  vo.trust_anchor_pem = sns_keys::get().ca_pem;
  sns_verifier verifier(vo,
                        [](std::string) -> awaitable<std::string> { co_return sns_keys::get().signing_pem; });
  fake_event_sink sink;
  marketplace_event_consumer consumer(io.get_executor(), &verifier, sink);
  sns_https_endpoint endpoint(consumer, [&](std::string url) {
    BOOST_TEST_REQUIRE(url.rfind(aws_host, 0) == 0u);
    return real(peer.url() + url.substr(aws_host.size()));
  });
  auto post = [&](std::string body) {
    sns_https_endpoint::request req{boost::beast::http::verb::post, "/sns", 11};
    req.body() = std::move(body);
    return run_sync(io, endpoint.handle(std::move(req))).result_int();
  };
  const std::string query = "/?Action=ConfirmSubscription&TopicArn=" + topic + "&Token=2336412f37fb";
  BOOST_TEST(post(confirmation(topic, aws_host + query)) == 200u);
  BOOST_TEST_REQUIRE(peer.requests().size() == 1u);
  BOOST_TEST(std::string(peer.requests()[0].target()) == query);
  BOOST_TEST((peer.requests()[0].method() == boost::beast::http::verb::get));
  BOOST_TEST(endpoint.stats().confirmations == 1u);

  // Another topic (not allowed), another host, another action: refused, nothing called.
  const std::string other_topic = "arn:aws:sns:us-east-1:123456789012:someone-elses-topic";
  BOOST_TEST(post(confirmation(other_topic,
                               aws_host + "/?Action=ConfirmSubscription&TopicArn=" + other_topic)) == 403u);
  BOOST_TEST(post(confirmation(topic, "https://sns.us-east-1.amazonaws.com.evil.example" + query)) == 403u);
  BOOST_TEST(post(confirmation(topic, aws_host + "/?Action=Unsubscribe&SubscriptionArn=x")) == 403u);
  BOOST_TEST(peer.requests().size() == 1u);
  // The confirmation call fails: 503, so that SNS sends the confirmation again; then it works.
  answer = 500;
  BOOST_TEST(post(confirmation(topic, aws_host + query + "1")) == 503u);
  answer = 200;
  BOOST_TEST(post(confirmation(topic, aws_host + query + "1")) == 200u);
  BOOST_TEST(endpoint.stats().confirmations == 2u);
  BOOST_TEST(endpoint.stats().confirmation_failures == 3u);
  BOOST_TEST(sink.calls.empty());  // a confirmation is no Marketplace event
  std::remove(ca_path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
