// End to end, issue 13: usage is recorded in a token_billing_tracker against the emulator, the
// emulator announces unsubscribe-pending (a signed SNS envelope) and the seller's event path
// bills the customer's open usage at once: the emulator's ledger then holds exactly one record
// of exactly the whole units, accepted within the hour of the event. Once through moto's SQS
// (the marketplace_event_consumer long-polls the queue), once through SNS's HTTPS delivery (the
// sns_https_endpoint on real TLS). The real components apply the events
// (marketplace_components_sink over memory stores, subscription_manager, entitlement sync).
#include <awsmp/credentials.hpp>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_service_client.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/marketplace_components_sink.hpp>
#include <awsmp/marketplace_event_consumer.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sns_https_endpoint.hpp>
#include <awsmp/subscription_manager.hpp>
#include <awsmp/subscription_store.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <random>

#include "integration/events/moto_sqs.hpp"
#include "integration/events/sns_endpoint_server.hpp"
#include "support/run_sync.hpp"

using namespace awsmp;
using namespace events_test;
using namespace std::chrono_literals;
using awsmp::test::run_sync;

namespace {

const std::string product = "prod-e2eevents1";
const std::string dimension{dimension_tokens};
const std::string customer_id = "cust-e2e-0001";

testing::emulated_customer the_customer() {
  testing::emulated_customer c;
  c.registration_token = "token-e2e-0001";
  c.identity.customer_identifier = customer_id;
  c.identity.product_code = product;
  c.identity.customer_aws_account_id = "845735284135";
  c.identity.license_arn = "arn:aws:license-manager::845735284135:license:l-e2e0001";
  return c;
}

std::string temp_ca_path() {
  static std::mt19937_64 rng{std::random_device{}()};
  return std::string(AWSMP_TEST_BINARY_DIR) + "/e2e_emulator_ca_" + std::to_string(rng()) + ".pem";
}

// The seller's side: clients of the emulator, memory stores, the lifecycle components and the
// sink that applies events to them; the verifier trusts the emulator's SNS signing CA.
struct seller {
  boost::asio::io_context& io;
  testing::marketplace_emulator& emulator;
  static_credentials_provider creds{
      credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt}};
  sigv4_signer signer{creds, "us-east-1", "aws-marketplace"};
  client_options options;
  std::unique_ptr<metering_client> metering;
  std::unique_ptr<entitlement_service_client> entitlements;
  memory_subscription_store subscriptions{io.get_executor()};
  memory_entitlement_store entitlement_store{io.get_executor()};
  entitlement_checker checker{io.get_executor(), entitlement_store, std::chrono::seconds(0)};
  std::unique_ptr<subscription_manager> manager;
  std::unique_ptr<token_billing_tracker> tracker;
  std::unique_ptr<marketplace_components_sink> sink;
  std::unique_ptr<sns_verifier> verifier;

  seller(boost::asio::io_context& i, testing::marketplace_emulator& e) : io(i), emulator(e) {
    options.endpoint = emulator.endpoint();
    options.ca_file = emulator.ca_file();
    metering = std::make_unique<metering_client>(io.get_executor(), signer, options);
    entitlements = std::make_unique<entitlement_service_client>(io.get_executor(), signer, options);
    manager = std::make_unique<subscription_manager>(io.get_executor(), subscriptions, *metering, product);
    tracker = std::make_unique<token_billing_tracker>(io.get_executor(), product, *metering);
    sink = std::make_unique<marketplace_components_sink>(*manager, subscriptions, *tracker, *entitlements,
                                                         checker, product);
    sns_verifier_options vo;
    vo.allowed_topic_arns = {emulator.subscription_topic_arn(), emulator.entitlement_topic_arn()};
    vo.trust_anchor_pem = emulator.sns_ca_certificate_pem();
    verifier = std::make_unique<sns_verifier>(vo, emulator.sns_certificate_fetcher());
  }
  ~seller() {
    try {
      run_sync(io, tracker->stop());
    } catch (...) {
    }
  }

  bool active() {
    const auto sub = run_sync(io, manager->find(customer_id));
    return sub && sub->status == subscription_status::active;
  }
};

testing::emulator_options emulator_options_with(testing::emulator_event_options events,
                                                const std::string& ca) {
  testing::emulator_options eo;
  eo.ca_file = ca;
  eo.products = {{product, {dimension}}};
  eo.events = std::move(events);
  return eo;
}

// What both variants check once unsubscribe-pending was applied.
void check_final_record(testing::marketplace_emulator& emulator, time_point event_sent) {
  const auto records = emulator.accepted_records();
  BOOST_TEST_REQUIRE(records.size() == 1u);
  const auto& r = records.front();
  BOOST_TEST(r.record.customer_identifier == customer_id);
  BOOST_TEST(r.record.dimension == dimension);
  BOOST_TEST(r.record.quantity == 2);  // 2,500,000 tokens: two whole units, 500,000 carried
  BOOST_TEST(r.product_code == product);
  // Within the hour that unsubscribe-pending leaves: stamped and accepted after the event and
  // less than an hour later.
  BOOST_TEST((r.record.timestamp >= std::chrono::floor<std::chrono::seconds>(event_sent) - 1s));
  BOOST_TEST((r.accepted_at >= event_sent));
  BOOST_TEST((r.accepted_at - event_sent < 1h));
  BOOST_TEST(emulator.total(customer_id, dimension) == 2);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(events_end_to_end)

BOOST_AUTO_TEST_CASE(unsubscribe_pending_through_sqs_bills_open_usage_within_the_hour) {
  const std::string queue = create_queue("e2e-events-" + std::to_string(std::random_device{}()));
  const std::string ca = temp_ca_path();
  testing::emulator_event_options ev;
  ev.target = testing::event_target::sqs;
  ev.queue_url = queue;
  testing::marketplace_emulator emulator(emulator_options_with(ev, ca));
  emulator.start();
  boost::asio::io_context io;
  seller s(io, emulator);
  moto_signer ms;
  sqs_client sqs(io.get_executor(), ms.signer, moto_options());
  marketplace_event_consumer_options co;
  co.queue_url = queue;
  co.wait_time_seconds = 1;
  co.expected_product_code = product;
  marketplace_event_consumer consumer(io.get_executor(), sqs, s.verifier.get(), *s.sink, co);
  // Polls until `applied` events were applied (each poll waits at most 1 s; at most 10).
  auto poll_until = [&](std::uint64_t applied) {
    for (int i = 0; i < 10 && consumer.stats().applied < applied; ++i) run_sync(io, consumer.poll_once());
    return consumer.stats().applied;
  };

  run_sync(io, emulator.subscribe(the_customer()));  // subscribe-success into the queue
  BOOST_TEST(!s.active());
  BOOST_TEST_REQUIRE(poll_until(1) == 1u);
  BOOST_TEST(s.active());

  run_sync(io, s.tracker->record_usage(customer_id, 2'000'000, 500'000));
  BOOST_TEST(emulator.accepted_records().empty());  // nothing billed before the event

  const time_point event_sent = std::chrono::system_clock::now();
  run_sync(io,
           emulator.unsubscribe(billed_customer::legacy(customer_id), testing::unsubscribe_stage::pending));
  BOOST_TEST(emulator.stats().events_published == 2u);
  BOOST_TEST_REQUIRE(poll_until(2) == 2u);
  check_final_record(emulator, event_sent);
  BOOST_TEST(s.tracker->stats().records_pending == 0u);
  BOOST_TEST(consumer.stats().refused == 0u);
  // Applied events were deleted: the queue is empty.
  sqs_receive_options r;
  r.wait_time_seconds = 1;
  BOOST_TEST(run_sync(io, sqs.receive_message(queue, r)).empty());
  std::remove(ca.c_str());
}

BOOST_AUTO_TEST_CASE(unsubscribe_pending_through_https_bills_open_usage_within_the_hour) {
  boost::asio::io_context io;
  sns_endpoint_server server(io.get_executor());
  const std::string ca = temp_ca_path();
  testing::emulator_event_options ev;
  ev.target = testing::event_target::https;
  ev.https_url = server.url();
  ev.https_ca_file = server.ca_file();
  testing::marketplace_emulator emulator(emulator_options_with(ev, ca));
  emulator.start();
  seller s(io, emulator);
  marketplace_event_consumer_options co;
  co.expected_product_code = product;
  marketplace_event_consumer consumer(io.get_executor(), s.verifier.get(), *s.sink, co);
  sns_https_endpoint endpoint(consumer, [](std::string) -> awaitable<void> { co_return; });
  server.endpoint = &endpoint;

  // HTTPS delivery is synchronous: when the emulator's call returns, the seller answered 200.
  run_sync(io, emulator.subscribe(the_customer()));
  BOOST_TEST(s.active());
  run_sync(io, s.tracker->record_usage(customer_id, 2'000'000, 500'000));
  BOOST_TEST(emulator.accepted_records().empty());
  const time_point event_sent = std::chrono::system_clock::now();
  run_sync(io,
           emulator.unsubscribe(billed_customer::legacy(customer_id), testing::unsubscribe_stage::pending));
  check_final_record(emulator, event_sent);
  BOOST_TEST(consumer.stats().applied == 2u);
  BOOST_TEST(endpoint.stats().requests == 2u);
  BOOST_TEST(emulator.stats().event_delivery_failures == 0u);

  // unsubscribe-success: the sink settles the carried 500,000 tokens (rounded up to a unit, in
  // a free hour of AWS's window) and deactivates; the emulator then refuses new usage.
  run_sync(io,
           emulator.unsubscribe(billed_customer::legacy(customer_id), testing::unsubscribe_stage::success));
  BOOST_TEST(!s.active());
  BOOST_TEST(consumer.stats().applied == 3u);
  std::remove(ca.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
