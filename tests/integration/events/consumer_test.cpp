// marketplace_event_consumer against moto's SQS: signed SNS envelopes and EventBridge events
// are applied and deleted; forged and malformed messages stay on the queue until its redrive
// policy moves them to the dead-letter queue; a consumer that dies between applying and
// deleting leaves a message whose redelivery does no harm; run() stops on stop().
#include <awsmp/marketplace_event_consumer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>
#include <random>
#include <thread>

#include "integration/events/moto_sqs.hpp"
#include "unit/events/fake_event_sink.hpp"
#include "unit/events/sns_test_signer.hpp"

using namespace awsmp;
using namespace events_test;

namespace {

const time_point now = std::chrono::system_clock::now();

std::string unique_name(const std::string& base) {
  static std::mt19937_64 rng{std::random_device{}()};
  return base + "-" + std::to_string(rng() % 1000000000);
}

std::string signed_sns(const std::string& action, const std::string& id,
                       EVP_PKEY* key = sns_keys::get().signing_key) {
  return sign_and_serialize(notification(marketplace_message(action), now, id), key);
}

std::string license_event(const std::string& type, const std::string& id) {
  boost::json::object detail{
      {"agreement", boost::json::object{{"id", "agmt-1"}}},
      {"acceptor", boost::json::object{{"accountId", "845735284135"}}},
      {"product", boost::json::object{{"code", "prodcode123"}, {"id", "prod-1"}}},
      {"license", boost::json::object{{"arn", "arn:aws:license-manager::845735284135:license:l-1"}}}};
  boost::json::object o{{"version", "0"},
                        {"id", id},
                        {"detail-type", type},
                        {"source", "aws.agreement-marketplace"},
                        {"account", "111122223333"},
                        {"time", iso8601(now)},
                        {"region", "us-east-1"},
                        {"detail", detail}};
  return boost::json::serialize(o);
}

struct rig {
  boost::asio::io_context io;
  moto_signer s;
  sqs_client sqs{io.get_executor(), s.signer, moto_options()};
  std::unique_ptr<sns_verifier> verifier;
  fake_event_sink sink;
  std::string queue, dlq;

  rig() {
    sns_verifier_options v;
    v.allowed_topic_arns = {topic};
    verifier = std::make_unique<sns_verifier>(
        v, [](std::string) -> awaitable<std::string> { co_return sns_keys::get().signing_pem; });
    dlq = create_queue(unique_name("events-dlq"));
    const auto dlq_arn =
        sqs_call("GetQueueAttributes",
                 boost::json::object{{"QueueUrl", dlq}, {"AttributeNames", boost::json::array{"QueueArn"}}})
            .at("Attributes")
            .as_object()
            .at("QueueArn")
            .as_string();
    const std::string redrive =
        R"({"deadLetterTargetArn": ")" + std::string(dlq_arn) + R"(", "maxReceiveCount": "2"})";
    queue = create_queue(unique_name("events"),
                         boost::json::object{{"RedrivePolicy", redrive}, {"VisibilityTimeout", "1"}});
  }

  std::unique_ptr<marketplace_event_consumer> consumer() {
    marketplace_event_consumer_options o;
    o.queue_url = queue;
    o.wait_time_seconds = 1;
    o.visibility_timeout = 1;
    return std::make_unique<marketplace_event_consumer>(io.get_executor(), sqs, verifier.get(), sink, o);
  }

  template <class T>
  T run(awaitable<T> op) {
    auto f = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
    io.restart();
    io.run();
    return f.get();
  }

  std::size_t count(const std::string& url) {
    std::size_t n = 0;
    for (int i = 0; i < 3; ++i) {
      sqs_receive_options r;
      r.wait_time_seconds = 1;
      r.visibility_timeout = 30;  // hide what was counted
      n += run(sqs.receive_message(url, r)).size();
    }
    return n;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(consumer_moto)

BOOST_AUTO_TEST_CASE(applies_deletes_and_leaves_bad_messages_to_the_redrive_policy) {
  rig r;
  send_message(r.queue, signed_sns("subscribe-success", "ok-1"));
  send_message(r.queue, license_event("License Updated - Manufacturer", "ok-2"));
  send_message(r.queue, signed_sns("unsubscribe-success", "forged-1", sns_keys::get().stranger_key));
  send_message(r.queue, "{not json");
  auto c = r.consumer();
  // Bounded: at most 12 polls of 1 s; the two bad messages are received twice (maxReceiveCount
  // 2) and then moved to the dead-letter queue.
  for (int i = 0; i < 12; ++i) {
    r.run(c->poll_once());
    if (c->stats().refused >= 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds{1100});  // the 1 s visibility timeout
  }
  const auto s = c->stats();
  BOOST_TEST(s.applied == 2u);
  BOOST_TEST(s.refused >= 4u);            // two bad messages, each refused on both deliveries
  BOOST_TEST(r.sink.calls.size() == 3u);  // activate (SNS), activate + sync (License Updated)
  std::this_thread::sleep_for(std::chrono::milliseconds{1100});
  r.run(c->poll_once());  // a third receive attempt moves them to the DLQ
  BOOST_TEST(r.count(r.queue) == 0u);
  BOOST_TEST(r.count(r.dlq) == 2u);
  BOOST_TEST(r.sink.calls.size() == 3u);  // nothing more was applied
}

BOOST_AUTO_TEST_CASE(killed_between_apply_and_delete) {
  rig r;
  send_message(r.queue, signed_sns("unsubscribe-success", "kill-1"));
  r.sink.active["legacy:cust-7Xq1"] = true;
  {
    // The first consumer applies and "dies" before deleting: handle() without the delete.
    auto first = r.consumer();
    sqs_receive_options o;
    o.wait_time_seconds = 1;
    o.visibility_timeout = 1;
    const auto got = r.run(r.sqs.receive_message(r.queue, o));
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST((r.run(first->handle(got[0].body)) == event_outcome::applied));
  }
  BOOST_TEST(r.sink.active["legacy:cust-7Xq1"] == false);
  // A new consumer (no memory of the first) gets the redelivery: applying again is harmless.
  auto second = r.consumer();
  std::this_thread::sleep_for(std::chrono::milliseconds{1100});
  for (int i = 0; i < 5 && second->stats().applied == 0; ++i) r.run(second->poll_once());
  BOOST_TEST(second->stats().applied == 1u);
  BOOST_TEST(r.sink.active["legacy:cust-7Xq1"] == false);
  BOOST_TEST(r.sink.calls == (std::vector<std::string>{"settle legacy:cust-7Xq1", "settle legacy:cust-7Xq1"}),
             boost::test_tools::per_element());
  BOOST_TEST(r.count(r.queue) == 0u);  // deleted this time
}

BOOST_AUTO_TEST_CASE(run_until_stop) {
  rig r;
  send_message(r.queue, signed_sns("entitlement-updated", "run-1"));
  auto c = r.consumer();
  bool finished = false;
  boost::asio::co_spawn(r.io, c->run(), [&](std::exception_ptr e) {
    finished = true;
    BOOST_TEST(!e);
  });
  // Stop once the event is applied (checked every 100 ms, at most 20 s).
  boost::asio::steady_timer check(r.io);
  std::function<void()> poll = [&] {
    check.expires_after(std::chrono::milliseconds{100});
    check.async_wait([&](boost::system::error_code) {
      static int rounds = 0;
      if (c->stats().applied >= 1 || ++rounds > 200)
        c->stop();
      else
        poll();
    });
  };
  poll();
  r.io.restart();
  r.io.run();
  BOOST_TEST(finished);
  BOOST_TEST(c->stats().applied == 1u);
  BOOST_TEST(r.sink.calls == std::vector<std::string>{"sync legacy:cust-7Xq1"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
