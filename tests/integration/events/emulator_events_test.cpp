// The emulator's admin endpoint publishes events: POST /_emulator/subscribe, /unsubscribe and
// /set-entitlements deliver signed SNS envelopes (or EventBridge events) to the seller's HTTPS
// endpoint before they answer; the seller's consumer applies them. Also the EventBridge shapes
// (account-form customers) and the refusals of the admin routes.
#include <awsmp/marketplace_event_consumer.hpp>
#include <awsmp/sns_https_endpoint.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <fstream>

#include "integration/events/sns_endpoint_server.hpp"
#include "support/run_sync.hpp"
#include "transport/http_client.hpp"
#include "unit/events/fake_event_sink.hpp"

using namespace awsmp;
using namespace events_test;
using awsmp::test::run_sync;

namespace {

const std::string product = "prodcode123";
const std::string account = "845735284135";
const std::string license = "arn:aws:license-manager::845735284135:license:l-ev1";

struct rig {
  boost::asio::io_context io;
  fake_event_sink sink;
  sns_endpoint_server server{io.get_executor()};
  std::unique_ptr<testing::marketplace_emulator> emulator;
  std::unique_ptr<sns_verifier> verifier;
  std::unique_ptr<marketplace_event_consumer> consumer;
  std::unique_ptr<sns_https_endpoint> endpoint;

  explicit rig(testing::event_format format) {
    testing::emulator_options eo;
    eo.products = {{product, {"tokens_1m"}}};
    eo.events.target = testing::event_target::https;
    eo.events.format = format;
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
    co.expected_seller_account = "111122223333";
    consumer = std::make_unique<marketplace_event_consumer>(io.get_executor(), verifier.get(), sink, co);
    endpoint =
        std::make_unique<sns_https_endpoint>(*consumer, [](std::string) -> awaitable<void> { co_return; });
    server.endpoint = endpoint.get();
  }

  // One admin request to the emulator over its own TLS; returns the status and the JSON answer.
  std::pair<unsigned, boost::json::value> admin(const std::string& path, const std::string& body) {
    detail::http_client_options ho;
    ho.ca_file = "";
    const std::string pem_path =
        std::string(AWSMP_TEST_BINARY_DIR) + "/emulator_events_ca_" + std::to_string(::getpid()) + ".pem";
    std::ofstream(pem_path) << emulator->ca_certificate_pem();
    ho.ca_file = pem_path;
    detail::http_client client(io.get_executor(), detail::endpoint::parse(emulator->endpoint()), ho);
    http_request req{boost::beast::http::verb::post, "/_emulator/" + path, 11};
    req.set(boost::beast::http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    const auto res = run_sync(io, client.send(std::move(req)));
    std::remove(pem_path.c_str());
    return {res.result_int(), boost::json::parse(res.body())};
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_events)

BOOST_AUTO_TEST_CASE(admin_routes_publish_sns_events) {
  rig r(testing::event_format::sns);
  auto [status, answer] =
      r.admin("subscribe", R"({"RegistrationToken":"t-1","CustomerIdentifier":"cust-9","ProductCode":")" +
                               product + R"("})");
  BOOST_TEST(status == 200u);
  BOOST_TEST(answer.at("published").as_int64() == 1);
  std::tie(status, answer) =
      r.admin("set-entitlements", R"({"CustomerIdentifier":"cust-9","Entitlements":[{"ProductCode":")" +
                                      product + R"(","Dimension":"tokens_1m","Value":{"IntegerValue":5}}]})");
  BOOST_TEST(status == 200u);
  std::tie(status, answer) = r.admin("unsubscribe", R"({"CustomerIdentifier":"cust-9","Stage":"pending"})");
  BOOST_TEST(status == 200u);
  std::tie(status, answer) = r.admin("unsubscribe", R"({"CustomerIdentifier":"cust-9","Stage":"success"})");
  BOOST_TEST(status == 200u);
  BOOST_TEST(
      r.sink.calls == (std::vector<std::string>{"activate legacy:cust-9 " + product, "sync legacy:cust-9",
                                                "bill_now legacy:cust-9", "settle legacy:cust-9"}),
      boost::test_tools::per_element());
  BOOST_TEST(r.emulator->stats().events_published == 4u);
  // Refusals: an unknown customer, a bad stage, no customer at all; nothing is published.
  BOOST_TEST(r.admin("unsubscribe", R"({"CustomerIdentifier":"nobody"})").first == 404u);
  BOOST_TEST(r.admin("unsubscribe", R"({"CustomerIdentifier":"cust-9","Stage":"later"})").first == 400u);
  BOOST_TEST(r.admin("set-entitlements", R"({"Entitlements":[]})").first == 400u);
  BOOST_TEST(r.emulator->stats().events_published == 4u);
  // A seller that refuses the events: the admin route says so (502).
  r.sink.fail_next = 100;
  BOOST_TEST(r.admin("unsubscribe", R"({"CustomerIdentifier":"cust-9","Stage":"pending"})").first == 502u);
  BOOST_TEST(r.emulator->stats().event_delivery_failures == 1u);
}

BOOST_AUTO_TEST_CASE(eventbridge_shapes_for_account_form_customers) {
  rig r(testing::event_format::eventbridge);
  const billed_customer who = billed_customer::account(account, license);
  r.sink.licenses[account] = {who};
  testing::emulated_customer c;
  c.registration_token = "t-eb";
  c.identity.customer_aws_account_id = account;
  c.identity.license_arn = license;
  c.identity.product_code = product;
  run_sync(r.io, r.emulator->subscribe(c));      // Purchase Agreement Created (ignored), License Updated
  run_sync(r.io, r.emulator->unsubscribe(who));  // Purchase Agreement Ended, License Deprovisioned
  const std::string k = to_string(who);
  BOOST_TEST(
      r.sink.calls == (std::vector<std::string>{"activate " + k + " " + product, "sync " + k,
                                                "licenses_of " + account, "bill_now " + k, "settle " + k}),
      boost::test_tools::per_element());
  const auto s = r.consumer->stats();
  BOOST_TEST(s.applied == 3u);
  BOOST_TEST(s.ignored == 1u);  // the agreement event names no license
  BOOST_TEST(s.refused == 0u);
  // A legacy-only customer has no EventBridge shape: refused before anything is published.
  testing::emulated_customer legacy;
  legacy.registration_token = "t-legacy";
  legacy.identity.customer_identifier = "cust-legacy";
  legacy.identity.product_code = product;
  BOOST_CHECK_THROW(run_sync(r.io, r.emulator->subscribe(legacy)), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
