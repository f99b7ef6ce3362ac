// The EventBridge parser against events shaped like the Seller Guide's examples
// (source aws.agreement-marketplace), one table row per detail-type and role.
#include <awsmp/error.hpp>
#include <awsmp/marketplace_event.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>

using namespace awsmp;

namespace {

boost::json::object agreement_event(const std::string& detail_type) {
  return boost::json::parse(R"({
    "version": "0", "id": "12345678-1234-1234-1234-123456789012",
    "detail-type": ")" + detail_type +
                            R"(",
    "source": "aws.agreement-marketplace", "account": "111122223333",
    "time": "2024-08-30T21:36:03Z", "region": "us-east-1",
    "resources": ["arn:aws:aws-marketplace::aws:agreement:agmt-4mwg1nevbokzw95eca5797ixs"],
    "detail": {
      "requestId": "3d4c9f9b-b809-4f5e-9fac-a9ae98b05cbb", "catalog": "AWSMarketplace",
      "agreement": {"id": "agmt-4mwg1nevbokzw95eca5797ixs", "intent": "NEW", "status": "ACTIVE",
                    "startTime": "2024-08-30T21:36:03Z", "endTime": "2025-05-30T21:36:03Z"},
      "acceptor": {"accountId": "845735284135"}, "proposer": {"accountId": "123456512334"},
      "offer": {"id": "offer-1234567890123"}
    }})")
      .as_object();
}

boost::json::object license_event(const std::string& detail_type) {
  auto o = agreement_event(detail_type);
  auto& d = o["detail"].as_object();
  d["agreement"] = boost::json::object{{"id", "agmt-4mwg1nevbokzw95eca5797ixs"}};
  d["product"] = boost::json::object{{"code", "aw4fgf5tyo5w2ap6fEXAMPLE"}, {"id", "prod-qtwveEXAMPLE"}};
  // As printed in the Seller Guide: without the "arn:" prefix.
  d["license"] = boost::json::object{
      {"arn", "aws:license-manager:us-east-1:123456789012:l-e52ca6f38bf84d0fafb8802ca15ac11x"}};
  return o;
}

std::string text(const boost::json::object& o) {
  return boost::json::serialize(o);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(eventbridge_event_suite)

BOOST_AUTO_TEST_CASE(every_detail_type_and_role) {
  struct row {
    std::string detail_type;
    marketplace_event_kind kind;
    bool license;
  };
  const row rows[] = {
      {"Purchase Agreement Created - Manufacturer", marketplace_event_kind::agreement_created, false},
      {"Purchase Agreement Created - Proposer", marketplace_event_kind::agreement_created, false},
      {"Purchase Agreement Amended - Manufacturer", marketplace_event_kind::agreement_amended, false},
      {"Purchase Agreement Amended - Proposer", marketplace_event_kind::agreement_amended, false},
      {"Purchase Agreement Ended - Manufacturer", marketplace_event_kind::agreement_ended, false},
      {"Purchase Agreement Ended - Proposer", marketplace_event_kind::agreement_ended, false},
      {"License Updated - Manufacturer", marketplace_event_kind::license_updated, true},
      {"License Deprovisioned - Manufacturer", marketplace_event_kind::license_deprovisioned, true},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.detail_type) {
      const auto ev = parse_eventbridge_event(
          text(r.license ? license_event(r.detail_type) : agreement_event(r.detail_type)));
      BOOST_TEST((ev.kind == r.kind));
      BOOST_TEST((ev.channel == marketplace_event_channel::eventbridge));
      BOOST_TEST(ev.account_id == "845735284135");
      BOOST_TEST(ev.agreement_id == "agmt-4mwg1nevbokzw95eca5797ixs");
      BOOST_TEST(ev.dedup_id == "eventbridge:12345678-1234-1234-1234-123456789012");
      BOOST_TEST((ev.time == std::chrono::sys_days{std::chrono::year{2024} / 8 / 30} +
                                 std::chrono::hours{21} + std::chrono::minutes{36} +
                                 std::chrono::seconds{3}));
      if (r.license) {
        BOOST_TEST(ev.customer.is_account());
        BOOST_TEST(ev.customer.customer_aws_account_id == "845735284135");
        BOOST_TEST(ev.customer.license_arn ==
                   "arn:aws:license-manager:us-east-1:123456789012:l-e52ca6f38bf84d0fafb8802ca15ac11x");
        BOOST_TEST(ev.product_code == "aw4fgf5tyo5w2ap6fEXAMPLE");
        BOOST_TEST(ev.product_id == "prod-qtwveEXAMPLE");
      } else {
        BOOST_TEST(!ev.customer.is_account());  // AWS sends no license on agreement events
        BOOST_TEST(ev.customer.customer_identifier.empty());
        BOOST_TEST(ev.offer_id == "offer-1234567890123");
        BOOST_TEST(ev.agreement_intent == "NEW");
        BOOST_TEST(ev.agreement_status == "ACTIVE");
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_license_arn_with_its_prefix_is_kept) {
  auto o = license_event("License Updated - Manufacturer");
  o["detail"].as_object()["license"].as_object()["arn"] = "arn:aws:license-manager::123456789012:license:l-1";
  BOOST_TEST(parse_eventbridge_event(text(o)).customer.license_arn ==
             "arn:aws:license-manager::123456789012:license:l-1");
}

BOOST_AUTO_TEST_CASE(refusals_name_the_member) {
  using mutate = std::function<void(boost::json::object&)>;
  struct row {
    const char* name;
    mutate change;
    const char* member;
  };
  const std::vector<row> rows = {
      {"other source", [](auto& o) { o["source"] = "aws.marketplacecatalog"; }, "source"},
      {"unknown detail-type", [](auto& o) { o["detail-type"] = "Offer Released"; }, "detail-type"},
      {"license event for the proposer", [](auto& o) { o["detail-type"] = "License Updated - Proposer"; },
       "detail-type"},
      {"no role", [](auto& o) { o["detail-type"] = "License Updated"; }, "detail-type"},
      {"no id", [](auto& o) { o.erase("id"); }, "id"},
      {"bad time", [](auto& o) { o["time"] = "yesterday"; }, "time"},
      {"no detail", [](auto& o) { o.erase("detail"); }, "detail"},
      {"detail not an object", [](auto& o) { o["detail"] = 3; }, "detail"},
      {"no acceptor", [](auto& o) { o["detail"].as_object().erase("acceptor"); },
       "detail.acceptor.accountId"},
      {"no license", [](auto& o) { o["detail"].as_object().erase("license"); }, "detail.license.arn"},
      {"no product", [](auto& o) { o["detail"].as_object().erase("product"); }, "detail.product.code"},
      {"license arn not a string", [](auto& o) { o["detail"].as_object()["license"].as_object()["arn"] = 5; },
       "detail.license.arn"},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      auto o = license_event("License Deprovisioned - Manufacturer");
      r.change(o);
      try {
        parse_eventbridge_event(text(o));
        BOOST_ERROR("accepted");
      } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == make_error_code(errc::malformed_message)));
        BOOST_TEST(std::string(e.what()).find(r.member) != std::string::npos, e.what());
      }
    }
  }
  BOOST_CHECK_THROW(parse_eventbridge_event("not json"), boost::system::system_error);
  BOOST_CHECK_THROW(parse_eventbridge_event("[1]"), boost::system::system_error);
  BOOST_CHECK_THROW(parse_eventbridge_event(std::string(max_event_bytes + 1, ' ')),
                    boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(sns_message_spellings_and_refusals) {
  marketplace_event ev;
  parse_marketplace_message(R"({"action":"entitlement-updated","CustomerIdentifier":"c","ProductCode":"p"})",
                            ev);
  BOOST_TEST((ev.kind == marketplace_event_kind::entitlement_updated));
  BOOST_TEST(ev.customer.customer_identifier == "c");
  BOOST_TEST(ev.product_code == "p");
  marketplace_event ev2;
  parse_marketplace_message(
      R"({"action":"subscribe-success","customer-identifier":"c2","product-code":"p2","offer-identifier":"o","isFreeTrialTermPresent":"true"})",
      ev2);
  BOOST_TEST(ev2.customer.customer_identifier == "c2");
  BOOST_TEST(ev2.offer_id == "o");
  BOOST_TEST(ev2.free_trial);
  for (const char* bad : {R"({"action":"nope","customer-identifier":"c","product-code":"p"})",
                          R"({"action":"subscribe-success","product-code":"p"})",
                          R"({"action":"subscribe-success","customer-identifier":"c"})",
                          R"({"customer-identifier":"c","product-code":"p"})", R"({"action":1})", "[]", ""}) {
    marketplace_event e;
    BOOST_CHECK_THROW(parse_marketplace_message(bad, e), boost::system::system_error);
  }
}

BOOST_AUTO_TEST_SUITE_END()
