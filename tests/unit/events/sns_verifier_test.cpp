// The SNS verifier against envelopes signed at run time with a throwaway CA and RSA key: every
// accepted case must turn into a refusal when one byte of any signed field changes, and every
// kind of forgery is refused with its own reason, before the certificate is fetched where the
// URL alone condemns it.
#include <awsmp/sns_verifier.hpp>
#include <boost/test/unit_test.hpp>

#include "events/sns_envelope.hpp"
#include "unit/events/run_sync.hpp"
#include "unit/events/sns_test_signer.hpp"

using namespace awsmp;
using namespace events_test;

namespace {

const time_point now = std::chrono::system_clock::now();

struct fixture {
  int fetches = 0;
  std::string served_pem = sns_keys::get().signing_pem;
  std::string last_url;

  sns_verifier make(std::string anchor = {}) {
    sns_verifier_options o;
    o.allowed_topic_arns = {topic};
    o.trust_anchor_pem = std::move(anchor);
    return sns_verifier(
        o,
        [this](std::string url) -> awaitable<std::string> {
          ++fetches;
          last_url = url;
          co_return served_pem;
        },
        [] { return now; });
  }
};

verified_event check(sns_verifier& v, std::string body) {
  return run_sync(v.verify(std::move(body)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sns_verifier_suite)

BOOST_AUTO_TEST_CASE(string_to_sign_orders_fields_per_type) {
  detail::sns_envelope e;
  e.type = "Notification";
  e.message = "m";
  e.message_id = "id";
  e.timestamp = "t";
  e.topic_arn = "arn";
  BOOST_TEST(*detail::sns_string_to_sign(e) ==
             "Message\nm\nMessageId\nid\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n");
  e.subject = "s";
  BOOST_TEST(*detail::sns_string_to_sign(e) ==
             "Message\nm\nMessageId\nid\nSubject\ns\nTimestamp\nt\nTopicArn\narn\nType\nNotification\n");
  e.type = "SubscriptionConfirmation";
  e.subscribe_url = "u";
  e.token = "k";
  BOOST_TEST(*detail::sns_string_to_sign(e) ==
             "Message\nm\nMessageId\nid\nSubscribeURL\nu\nTimestamp\nt\nToken\nk\nTopicArn\narn\nType\nSubscr"
             "iptionConfirmation\n");
  e.type = "UnsubscribeConfirmation";
  BOOST_TEST(detail::sns_string_to_sign(e)->find("Token\nk\n") != std::string::npos);
  e.type = "Other";
  BOOST_TEST(!detail::sns_string_to_sign(e));
}

BOOST_AUTO_TEST_CASE(cert_url_rules) {
  struct row {
    const char* url;
    bool ok;
  };
  const row rows[] = {
      {"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem", true},
      {"https://SNS.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem", true},
      {"https://sns.us-east-1.amazonaws.com:443/x.pem", true},
      {"http://sns.us-east-1.amazonaws.com/x.pem", false},
      {"https://sns.us-west-2.amazonaws.com/x.pem", false},  // not the topic's region
      {"https://sns.us-east-1.amazonaws.com.evil.example/x.pem", false},
      {"https://evil.example/sns.us-east-1.amazonaws.com/x.pem", false},
      {"https://user@sns.us-east-1.amazonaws.com/x.pem", false},
      {"https://sns.us-east-1.amazonaws.com:8443/x.pem", false},
      {"https://sns.us-east-1.amazonaws.com/x.pem?a=b", false},
      {"https://sns.us-east-1.amazonaws.com/x.pem#f", false},
      {"https://sns.us-east-1.amazonaws.com/x.crt", false},
      {"https://sns.us-east-1.amazonaws.com/../x.pem", false},
      {"https://sns.us-east-1.amazonaws.com/%2e%2e/x.pem", false},
      {"https://sns.us-east-1.amazonaws.com", false},
      {"", false},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.url) {
      BOOST_TEST(detail::cert_url_violation(r.url, "us-east-1", ".amazonaws.com").empty() == r.ok);
    }
  }
  BOOST_TEST(!detail::cert_url_violation("https://sns..amazonaws.com/x.pem", "", ".amazonaws.com").empty());
}

// The SubscribeURL shares the host rule of the SigningCertURL (one function) and must confirm.
BOOST_AUTO_TEST_CASE(subscribe_url_rules) {
  struct row {
    const char* url;
    bool ok;
  };
  const row rows[] = {
      {"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:us-east-1:"
       "287250355862:t&Token=2336",
       true},
      {"https://SNS.us-east-1.amazonaws.com:443/?Action=ConfirmSubscription&Token=1", true},
      {"http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=1", false},
      {"https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=1", false},
      {"https://sns.us-east-1.amazonaws.com.evil.example/?Action=ConfirmSubscription", false},
      {"https://user@sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription", false},
      {"https://sns.us-east-1.amazonaws.com:8443/?Action=ConfirmSubscription", false},
      {"https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x", false},
      {"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Action=DeleteTopic", false},
      {"https://sns.us-east-1.amazonaws.com/?Token=1", false},
      {"https://sns.us-east-1.amazonaws.com/other?Action=ConfirmSubscription", false},
      {"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription#f", false},
      {"", false},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.url) {
      BOOST_TEST(detail::subscribe_url_violation(r.url, "us-east-1", ".amazonaws.com").empty() == r.ok);
    }
  }
}

BOOST_AUTO_TEST_CASE(topic_region) {
  BOOST_TEST(detail::sns_topic_region(topic) == "us-east-1");
  BOOST_TEST(detail::sns_topic_region("arn:aws:sns:eu-west-1:123456789012:t") == "eu-west-1");
  BOOST_TEST(detail::sns_topic_region("arn:aws:sqs:us-east-1:123456789012:t").empty());
  BOOST_TEST(detail::sns_topic_region("arn:aws:sns:us-east-1:1234:t").empty());
  BOOST_TEST(detail::sns_topic_region("arn:aws:sns:US_EAST:123456789012:t").empty());
  BOOST_TEST(detail::sns_topic_region("arn:aws:sns:us-east-1:123456789012:").empty());
}

BOOST_AUTO_TEST_CASE(accepts_both_signature_versions_and_every_action_in_both_spellings) {
  const std::pair<const char*, marketplace_event_kind> actions[] = {
      {"subscribe-success", marketplace_event_kind::subscribe_success},
      {"subscribe-fail", marketplace_event_kind::subscribe_fail},
      {"unsubscribe-pending", marketplace_event_kind::unsubscribe_pending},
      {"unsubscribe-success", marketplace_event_kind::unsubscribe_success},
      {"entitlement-updated", marketplace_event_kind::entitlement_updated},
  };
  fixture fx;
  auto v = fx.make();
  for (const char* version : {"1", "2"})
    for (bool old_spelling : {false, true})
      for (const auto& [action, kind] : actions) {
        BOOST_TEST_CONTEXT(version << " " << action << " old=" << old_spelling) {
          auto f = notification(marketplace_message(action, "cust-7Xq1", "prodcode123", old_spelling),
                                now - std::chrono::minutes{5}, std::string("id-") + action + version);
          f["SignatureVersion"] = version;
          const auto r = check(v, sign_and_serialize(f, sns_keys::get().signing_key));
          BOOST_TEST_REQUIRE(r.ok(), r.reason);
          BOOST_TEST((r.event.kind == kind));
          BOOST_TEST(r.event.customer.customer_identifier == "cust-7Xq1");
          BOOST_TEST(!r.event.customer.is_account());
          BOOST_TEST(r.event.product_code == "prodcode123");
          BOOST_TEST(r.event.dedup_id == "sns:id-" + std::string(action) + version);
          BOOST_TEST(r.event.topic_arn == topic);
          BOOST_TEST((r.event.channel == marketplace_event_channel::sns));
        }
      }
  BOOST_TEST(fx.fetches == 1);  // the certificate is cached by URL
  BOOST_TEST(fx.last_url == cert_url);
}

BOOST_AUTO_TEST_CASE(offer_and_free_trial_and_subject) {
  fixture fx;
  auto v = fx.make();
  boost::json::object m{{"action", "subscribe-success"},
                        {"customer-identifier", "c1"},
                        {"product-code", "p1"},
                        {"offer-identifier", "offer-9"},
                        {"isFreeTrialTermPresent", "true"}};
  auto f = notification(boost::json::serialize(m), now);
  f["Subject"] = "AWS Marketplace \u00e9v\u00e9nement";  // non-ASCII is signed as UTF-8 bytes
  const auto r = check(v, sign_and_serialize(f, sns_keys::get().signing_key));
  BOOST_TEST_REQUIRE(r.ok(), r.reason);
  BOOST_TEST(r.event.offer_id == "offer-9");
  BOOST_TEST(r.event.free_trial);
}

BOOST_AUTO_TEST_CASE(one_changed_byte_in_any_signed_field_is_refused) {
  fixture fx;
  auto v = fx.make();
  for (const std::string type : {"Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"}) {
    auto f = notification(marketplace_message("unsubscribe-pending"), now);
    f["Type"] = type;
    f["Subject"] = "subject";
    if (type != "Notification") {
      f.erase("Subject");
      f["SubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=abc";
      f["Token"] = "2336412f37fb687f5d51e6e2425c464";
      f["Message"] = "You have chosen to subscribe to the topic";
    }
    f["Signature"] = rsa_sign(sns_keys::get().signing_key, "2", string_to_sign(f));
    BOOST_TEST_REQUIRE(check(v, serialize(f)).ok());
    const std::vector<std::string> signed_fields =
        type == "Notification"
            ? std::vector<std::string>{"Message", "MessageId", "Subject", "Timestamp", "TopicArn"}
            : std::vector<std::string>{"Message",   "MessageId", "SubscribeURL",
                                       "Timestamp", "Token",     "TopicArn"};
    for (const auto& name : signed_fields) {
      const std::size_t n = f[name].size();
      // In the Timestamp, only the milliseconds: another hour or year would be refused as expired first.
      const std::vector<std::size_t> positions = name == "Timestamp"
                                                     ? std::vector<std::size_t>{n - 2, n - 3, n - 4}
                                                     : std::vector<std::size_t>{0, n / 2, n - 1};
      for (std::size_t pos : positions) {
        auto forged = f;
        char& c = forged[name][pos];
        // Keep it a digit where it must stay a digit (the Timestamp), so the refusal is the signature's.
        c = (c >= '0' && c <= '8') ? static_cast<char>(c + 1)
                                   : (c == '9' ? '0' : static_cast<char>(c ^ 0x01));
        BOOST_TEST_CONTEXT(type << " " << name << "[" << pos << "]") {
          const auto r = check(v, serialize(forged));
          BOOST_TEST(!r.ok());
          // A changed TopicArn is caught earlier by the allow-list; everything else by the signature.
          BOOST_TEST(
              (r.refusal == (name == "TopicArn" ? event_refusal::wrong_topic : event_refusal::bad_signature)),
              to_string(r.refusal));
        }
      }
    }
    // Also with the topic allowed: a changed TopicArn breaks the signature too.
    auto retopic = f;
    retopic["TopicArn"] = "arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-prodcode124";
    sns_verifier_options o;
    o.allowed_topic_arns = {topic, retopic["TopicArn"]};
    sns_verifier both(
        o, [&](std::string) -> awaitable<std::string> { co_return sns_keys::get().signing_pem; },
        [] { return now; });
    BOOST_TEST((check(both, serialize(retopic)).refusal == event_refusal::bad_signature));
    // Dropping the Subject from a signed Notification changes the string to sign.
    if (type == "Notification") {
      auto no_subject = f;
      no_subject.erase("Subject");
      BOOST_TEST((check(v, serialize(no_subject)).refusal == event_refusal::bad_signature));
    }
  }
}

BOOST_AUTO_TEST_CASE(forgeries_are_refused_with_their_reason) {
  const auto& keys = sns_keys::get();
  const auto good = notification(marketplace_message("unsubscribe-success"), now);
  struct row {
    const char* name;
    std::function<std::string(fixture&)> body;
    event_refusal expected;
    bool fetch_allowed;
  };
  const std::vector<row> rows = {
      {"signed by another key", [&](fixture&) { return sign_and_serialize(good, keys.stranger_key); },
       event_refusal::bad_signature, true},
      {"forger's certificate served",
       [&](fixture& fx) {
         fx.served_pem = keys.stranger_pem;
         return sign_and_serialize(good, keys.signing_key);
       },
       event_refusal::bad_signature, true},
      {"expired certificate",
       [&](fixture& fx) {
         fx.served_pem = keys.expired_pem;
         return sign_and_serialize(good, keys.signing_key);
       },
       event_refusal::untrusted_certificate, true},
      {"garbage certificate",
       [&](fixture& fx) {
         fx.served_pem = "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n";
         return sign_and_serialize(good, keys.signing_key);
       },
       event_refusal::certificate_unavailable, true},
      {"wrong topic",
       [&](fixture&) {
         auto f = good;
         f["TopicArn"] = "arn:aws:sns:us-east-1:123456789012:someone-else";
         return sign_and_serialize(f, keys.signing_key);
       },
       event_refusal::wrong_topic, false},
      {"http cert URL",
       [&](fixture&) {
         auto f = good;
         f["SigningCertURL"] = "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem";
         return sign_and_serialize(f, keys.signing_key);
       },
       event_refusal::bad_cert_url, false},
      {"wrong cert host",
       [&](fixture&) {
         auto f = good;
         f["SigningCertURL"] = "https://sns.us-east-1.amazonaws.com.attacker.example/x.pem";
         return sign_and_serialize(f, keys.signing_key);
       },
       event_refusal::bad_cert_url, false},
      {"unsigned",
       [&](fixture&) {
         auto f = good;
         f.erase("SignatureVersion");
         return serialize(f);
       },
       event_refusal::unsigned_message, false},
      {"raw message delivery (no envelope)",
       [&](fixture&) { return marketplace_message("subscribe-success"); }, event_refusal::unknown_event,
       false},
      {"signature version 3",
       [&](fixture&) {
         auto f = good;
         f["SignatureVersion"] = "3";
         f["Signature"] = "AAAA";
         return serialize(f);
       },
       event_refusal::bad_signature_version, false},
      {"signature not base64",
       [&](fixture&) {
         auto f = good;
         f["Signature"] = "!!!!";
         return serialize(f);
       },
       event_refusal::bad_signature, true},
      {"old timestamp",
       [&](fixture&) {
         auto f = notification(marketplace_message("unsubscribe-success"), now - std::chrono::hours{24 * 16});
         return sign_and_serialize(f, keys.signing_key);
       },
       event_refusal::expired, false},
      {"future timestamp",
       [&](fixture&) {
         auto f = notification(marketplace_message("unsubscribe-success"), now + std::chrono::hours{1});
         return sign_and_serialize(f, keys.signing_key);
       },
       event_refusal::expired, false},
      {"unknown action",
       [&](fixture&) {
         auto f = notification(marketplace_message("subscribe-maybe"), now);
         return sign_and_serialize(f, keys.signing_key);
       },
       event_refusal::unknown_event, true},
      {"message not JSON",
       [&](fixture&) {
         auto f = notification("{not json", now);
         return sign_and_serialize(f, keys.signing_key);
       },
       event_refusal::malformed, true},
      {"malformed envelope", [&](fixture&) { return std::string("{\"Type\": 5}"); }, event_refusal::malformed,
       false},
      {"not JSON", [&](fixture&) { return std::string("\x01\x02garbage"); }, event_refusal::malformed, false},
      {"oversized", [&](fixture&) { return std::string(max_event_bytes + 1, ' '); }, event_refusal::too_large,
       false},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      fixture fx;
      auto v = fx.make();
      const auto body = r.body(fx);
      const auto out = check(v, body);
      BOOST_TEST(!out.ok());
      BOOST_TEST((out.refusal == r.expected), to_string(out.refusal) << ": " << out.reason);
      BOOST_TEST(!out.reason.empty());
      if (!r.fetch_allowed) BOOST_TEST(fx.fetches == 0);
    }
  }
}

BOOST_AUTO_TEST_CASE(trust_anchor_rejects_a_self_signed_certificate_with_a_valid_signature) {
  const auto& keys = sns_keys::get();
  fixture fx;
  fx.served_pem = keys.stranger_pem;
  auto v = fx.make(keys.ca_pem);
  const auto f = notification(marketplace_message("subscribe-success"), now);
  const auto r = check(v, sign_and_serialize(f, keys.stranger_key));
  BOOST_TEST((r.refusal == event_refusal::untrusted_certificate), r.reason);
  fixture fx2;
  auto v2 = fx2.make(keys.ca_pem);
  BOOST_TEST(check(v2, sign_and_serialize(f, keys.signing_key)).ok());
}

BOOST_AUTO_TEST_CASE(confirmation_carries_the_subscribe_url) {
  fixture fx;
  auto v = fx.make();
  auto f = notification("You have chosen to subscribe", now);
  f["Type"] = "SubscriptionConfirmation";
  f["SubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=t";
  f["Token"] = "t";
  const auto r = check(v, sign_and_serialize(f, sns_keys::get().signing_key));
  BOOST_TEST_REQUIRE(r.ok(), r.reason);
  BOOST_TEST((r.event.kind == marketplace_event_kind::subscription_confirmation));
  BOOST_TEST(r.event.subscribe_url == f["SubscribeURL"]);
}

BOOST_AUTO_TEST_CASE(fetch_failure_is_a_refusal_and_is_not_cached) {
  sns_verifier_options o;
  o.allowed_topic_arns = {topic};
  int calls = 0;
  sns_verifier v(
      o,
      [&](std::string) -> awaitable<std::string> {
        if (++calls == 1) throw std::runtime_error("connection refused");
        co_return sns_keys::get().signing_pem;
      },
      [] { return now; });
  const auto body = sign_and_serialize(notification(marketplace_message("subscribe-success"), now),
                                       sns_keys::get().signing_key);
  BOOST_TEST((check(v, body).refusal == event_refusal::certificate_unavailable));
  BOOST_TEST(check(v, body).ok());
  BOOST_TEST(calls == 2);
}

BOOST_AUTO_TEST_CASE(constructor_rules) {
  auto fetch = [](std::string) -> awaitable<std::string> { co_return std::string(); };
  sns_verifier_options empty;
  BOOST_CHECK_THROW(sns_verifier(empty, fetch), boost::system::system_error);
  sns_verifier_options bad;
  bad.allowed_topic_arns = {"not-an-arn"};
  BOOST_CHECK_THROW(sns_verifier(bad, fetch), boost::system::system_error);
  sns_verifier_options ok;
  ok.allowed_topic_arns = {topic};
  BOOST_CHECK_THROW(sns_verifier(ok, {}), boost::system::system_error);
  ok.trust_anchor_pem = "garbage";
  BOOST_CHECK_THROW(sns_verifier(ok, fetch), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
