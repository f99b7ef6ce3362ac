// marketplace_event_consumer::handle() with a fake sink: every event kind in both spellings and
// both channels reaches the right operation; duplicates, reordering and failing sinks do no
// harm; every kind of forged or bad message is refused, counted, and applies nothing.
#include <awsmp/credentials.hpp>
#include <awsmp/marketplace_event_consumer.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "unit/events/fake_event_sink.hpp"
#include "unit/events/run_sync.hpp"
#include "unit/events/sns_test_signer.hpp"

using namespace awsmp;
using namespace events_test;

namespace {

const time_point now = std::chrono::system_clock::now();

std::string eventbridge(const std::string& detail_type, const std::string& id, bool license = false,
                        const std::string& account = "845735284135",
                        const std::string& product = "prodcode123") {
  boost::json::object detail{{"agreement", boost::json::object{{"id", "agmt-1"}, {"status", "CANCELLED"}}},
                             {"acceptor", boost::json::object{{"accountId", account}}},
                             {"offer", boost::json::object{{"id", "offer-1"}}}};
  if (license) {
    detail["product"] = boost::json::object{{"code", product}, {"id", "prod-1"}};
    detail["license"] = boost::json::object{{"arn", "arn:aws:license-manager::" + account + ":license:l-1"}};
  }
  boost::json::object o{{"version", "0"},
                        {"id", id},
                        {"detail-type", detail_type},
                        {"source", "aws.agreement-marketplace"},
                        {"account", "111122223333"},
                        {"time", iso8601(now)},
                        {"region", "us-east-1"},
                        {"detail", detail}};
  return boost::json::serialize(o);
}

std::string sns(const std::string& action, const std::string& id, bool old_spelling = false,
                const std::string& customer = "c1") {
  return sign_and_serialize(
      notification(marketplace_message(action, customer, "prodcode123", old_spelling), now, id),
      sns_keys::get().signing_key);
}

struct harness {
  boost::asio::io_context io;
  static_credentials_provider creds{credentials{"AKID", "secret", "", std::nullopt}};
  sigv4_signer signer{creds, "us-east-1", "sqs"};
  std::unique_ptr<sqs_client> sqs;
  std::unique_ptr<sns_verifier> verifier;
  fake_event_sink sink;
  std::unique_ptr<marketplace_event_consumer> consumer;

  explicit harness(marketplace_event_consumer_options o = {}) {
    client_options c;
    c.endpoint = "http://127.0.0.1:9";  // never contacted: handle() does not touch SQS
    c.timeout = std::chrono::seconds{30};
    sqs = std::make_unique<sqs_client>(io.get_executor(), signer, c);
    sns_verifier_options v;
    v.allowed_topic_arns = {topic};
    verifier = std::make_unique<sns_verifier>(
        v, [](std::string) -> awaitable<std::string> { co_return sns_keys::get().signing_pem; },
        [] { return now; });
    if (o.queue_url.empty()) o.queue_url = "http://127.0.0.1:9/123456789012/q";
    consumer = std::make_unique<marketplace_event_consumer>(io.get_executor(), *sqs, verifier.get(), sink, o);
  }
  event_outcome handle(std::string body) { return run_sync(consumer->handle(std::move(body))); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(consumer_suite)

BOOST_AUTO_TEST_CASE(each_sns_action_in_both_spellings) {
  struct row {
    const char* action;
    std::vector<std::string> calls;
    event_outcome outcome;
  };
  const row rows[] = {
      {"subscribe-success", {"activate legacy:c1 prodcode123"}, event_outcome::applied},
      {"subscribe-fail", {}, event_outcome::ignored},
      {"unsubscribe-pending", {"bill_now legacy:c1"}, event_outcome::applied},
      {"unsubscribe-success", {"settle legacy:c1"}, event_outcome::applied},
      {"entitlement-updated", {"sync legacy:c1"}, event_outcome::applied},
  };
  for (bool old_spelling : {false, true})
    for (const auto& r : rows) {
      BOOST_TEST_CONTEXT(r.action << " old=" << old_spelling) {
        harness h;
        BOOST_TEST((h.handle(sns(r.action, "m1", old_spelling)) == r.outcome));
        BOOST_TEST(h.sink.calls == r.calls, boost::test_tools::per_element());
      }
    }
}

BOOST_AUTO_TEST_CASE(each_eventbridge_type) {
  const std::string lic = "account:845735284135/arn:aws:license-manager::845735284135:license:l-1";
  struct row {
    std::string type;
    bool license;
    std::vector<std::string> calls;
    event_outcome outcome;
  };
  const std::vector<row> rows = {
      {"Purchase Agreement Created - Proposer", false, {}, event_outcome::ignored},
      {"Purchase Agreement Created - Manufacturer", false, {}, event_outcome::ignored},
      {"Purchase Agreement Amended - Proposer",
       false,
       {"licenses_of 845735284135", "sync " + lic},
       event_outcome::applied},
      {"Purchase Agreement Ended - Manufacturer",
       false,
       {"licenses_of 845735284135", "bill_now " + lic},
       event_outcome::applied},
      {"Purchase Agreement Ended - Proposer",
       false,
       {"licenses_of 845735284135", "bill_now " + lic},
       event_outcome::applied},
      {"License Updated - Manufacturer",
       true,
       {"activate " + lic + " prodcode123", "sync " + lic},
       event_outcome::applied},
      {"License Deprovisioned - Manufacturer", true, {"settle " + lic}, event_outcome::applied},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.type) {
      harness h;
      h.sink.licenses["845735284135"] = {
          billed_customer::account("845735284135", "arn:aws:license-manager::845735284135:license:l-1")};
      BOOST_TEST((h.handle(eventbridge(r.type, "e1", r.license)) == r.outcome));
      BOOST_TEST(h.sink.calls == r.calls, boost::test_tools::per_element());
    }
  }
  // An agreement ending for an account with no known license: nothing to bill.
  harness h;
  BOOST_TEST((h.handle(eventbridge("Purchase Agreement Ended - Proposer", "e2")) == event_outcome::ignored));
}

BOOST_AUTO_TEST_CASE(duplicates_are_applied_once) {
  harness h;
  const auto body = sns("entitlement-updated", "dup-1");
  BOOST_TEST((h.handle(body) == event_outcome::applied));
  BOOST_TEST((h.handle(body) == event_outcome::duplicate));
  BOOST_TEST((h.handle(eventbridge("License Updated - Manufacturer", "e9", true)) == event_outcome::applied));
  BOOST_TEST(
      (h.handle(eventbridge("License Updated - Manufacturer", "e9", true)) == event_outcome::duplicate));
  BOOST_TEST(h.sink.calls.size() == 3u);  // sync, activate, sync
  const auto s = h.consumer->stats();
  BOOST_TEST(s.applied == 2u);
  BOOST_TEST(s.duplicates == 2u);
}

BOOST_AUTO_TEST_CASE(reordering_does_no_harm) {
  harness h;
  // The unsubscribe (later) arrives before the subscribe (earlier): the sink sees both times.
  const auto later = sign_and_serialize(
      notification(marketplace_message("unsubscribe-success"), now, "m-late"), sns_keys::get().signing_key);
  const auto earlier = sign_and_serialize(
      notification(marketplace_message("subscribe-success"), now - std::chrono::minutes{10}, "m-early"),
      sns_keys::get().signing_key);
  BOOST_TEST((h.handle(later) == event_outcome::applied));
  BOOST_TEST((h.handle(earlier) == event_outcome::applied));
  BOOST_TEST(h.sink.active["legacy:c1"] == false);
  // entitlement-updated twice (two messages): two re-syncs, both harmless.
  BOOST_TEST((h.handle(sns("entitlement-updated", "eu-1")) == event_outcome::applied));
  BOOST_TEST((h.handle(sns("entitlement-updated", "eu-2")) == event_outcome::applied));
}

BOOST_AUTO_TEST_CASE(a_failing_sink_leaves_the_message_for_retry) {
  harness h;
  h.sink.fail_next = 1;
  const auto body = sns("unsubscribe-pending", "r-1");
  BOOST_TEST((h.handle(body) == event_outcome::retry));
  BOOST_TEST((h.handle(body) == event_outcome::applied));  // the redelivery
  BOOST_TEST(h.consumer->stats().retried == 1u);
  BOOST_TEST(h.consumer->stats().applied == 1u);
  BOOST_TEST(h.sink.calls == std::vector<std::string>{"bill_now legacy:c1"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_messages_are_refused_counted_and_never_applied) {
  const auto& keys = sns_keys::get();
  auto with = [&](std::function<void(fields&)> change, EVP_PKEY* key) {
    auto f = notification(marketplace_message("unsubscribe-success"), now, "bad-1");
    change(f);
    return sign_and_serialize(f, key);
  };
  const std::vector<std::pair<const char*, std::string>> rows = {
      {"forged", with([](fields&) {}, keys.stranger_key)},
      {"expired", with([](fields& f) { f["Timestamp"] = iso8601(now - std::chrono::hours{24 * 30}); },
                       keys.signing_key)},
      {"wrong topic",
       with([](fields& f) { f["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:other"; }, keys.signing_key)},
      {"wrong cert host",
       with([](fields& f) { f["SigningCertURL"] = "https://example.com/x.pem"; }, keys.signing_key)},
      {"http cert URL",
       with([](fields& f) { f["SigningCertURL"] = "http://sns.us-east-1.amazonaws.com/x.pem"; },
            keys.signing_key)},
      {"unsigned", serialize(notification(marketplace_message("unsubscribe-success"), now))},
      {"unknown action",
       with([](fields& f) { f["Message"] = marketplace_message("subscribe-later"); }, keys.signing_key)},
      {"wrong product",
       with([](fields& f) { f["Message"] = marketplace_message("unsubscribe-success", "c1", "otherprod"); },
            keys.signing_key)},
      {"malformed JSON", "{\"Type\": "},
      {"not an event", "{\"hello\": 1}"},
      {"oversized", std::string(300 * 1024, ' ')},
      {"unknown detail-type", eventbridge("Offer Released", "x1")},
      {"other seller account", eventbridge("License Deprovisioned - Manufacturer", "x2", true)},
      {"license event without license", eventbridge("License Deprovisioned - Manufacturer", "x3", false)},
  };
  marketplace_event_consumer_options o;
  o.expected_product_code = "prodcode123";
  o.expected_seller_account = "111122223333";
  harness h(o);
  std::uint64_t refused = 0;
  for (const auto& [name, body] : rows) {
    BOOST_TEST_CONTEXT(name) {
      auto b = body;
      if (std::string(name) == "other seller account") {
        auto doc = boost::json::parse(b).as_object();
        doc["account"] = "999999999999";
        b = boost::json::serialize(doc);
      }
      BOOST_TEST((h.handle(b) == event_outcome::refused));
      BOOST_TEST(h.consumer->stats().refused == ++refused);
    }
  }
  BOOST_TEST(h.sink.calls.empty());
  BOOST_TEST(h.consumer->stats().applied == 0u);
}

BOOST_AUTO_TEST_CASE(without_a_verifier_sns_is_refused) {
  boost::asio::io_context io;
  static_credentials_provider creds{credentials{"AKID", "secret", "", std::nullopt}};
  sigv4_signer signer{creds, "us-east-1", "sqs"};
  client_options c;
  c.endpoint = "http://127.0.0.1:9";
  c.timeout = std::chrono::seconds{30};
  sqs_client sqs(io.get_executor(), signer, c);
  fake_event_sink sink;
  marketplace_event_consumer_options o;
  o.queue_url = "http://127.0.0.1:9/1/q";
  marketplace_event_consumer consumer(io.get_executor(), sqs, nullptr, sink, o);
  BOOST_TEST((run_sync(consumer.handle(sns("subscribe-success", "n1"))) == event_outcome::refused));
  BOOST_TEST((run_sync(consumer.handle(eventbridge("License Updated - Manufacturer", "n2", true))) ==
              event_outcome::applied));
  marketplace_event_consumer_options bad;
  BOOST_CHECK_THROW(marketplace_event_consumer(io.get_executor(), sqs, nullptr, sink, bad),
                    boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(consumer_run_suite)

// An unreachable queue: run() counts the failed receives, pauses between them, and still ends
// on stop() (bounded: stop after 3 failures or 10 s).
BOOST_AUTO_TEST_CASE(run_survives_receive_failures_and_stops) {
  boost::asio::io_context io;
  static_credentials_provider creds{credentials{"AKID", "secret", "", std::nullopt}};
  sigv4_signer signer{creds, "us-east-1", "sqs"};
  client_options c;
  c.endpoint = "http://127.0.0.1:9";  // discard port: connection refused
  c.timeout = std::chrono::seconds{5};
  c.max_attempts = 1;
  sqs_client sqs(io.get_executor(), signer, c);
  fake_event_sink sink;
  marketplace_event_consumer_options o;
  o.queue_url = "http://127.0.0.1:9/1/q";
  o.wait_time_seconds = 1;
  o.receive_error_backoff = std::chrono::milliseconds{20};
  marketplace_event_consumer consumer(io.get_executor(), sqs, nullptr, sink, o);
  bool finished = false;
  std::exception_ptr error;
  boost::asio::co_spawn(io, consumer.run(), [&](std::exception_ptr e) {
    finished = true;
    error = e;
  });
  boost::asio::steady_timer check(io);
  int rounds = 0;
  std::function<void()> watch = [&] {
    check.expires_after(std::chrono::milliseconds{20});
    check.async_wait([&](boost::system::error_code) {
      if (consumer.stats().receive_failures >= 3 || ++rounds > 500)
        consumer.stop();
      else
        watch();
    });
  };
  watch();
  io.run();
  BOOST_TEST(finished);
  BOOST_TEST(!error);
  BOOST_TEST(consumer.stats().receive_failures >= 3u);
  BOOST_TEST(sink.calls.empty());
  // A stopped consumer does not run again.
  boost::asio::io_context io2;
  auto f = boost::asio::co_spawn(io2, consumer.run(), boost::asio::use_future);
  io2.run();
  BOOST_CHECK_THROW(f.get(), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
