// marketplace_components_sink against the real state and billing components (memory stores,
// a fake AWS behind them): each event kind has its effect, twice does no harm, and a subscribe
// that arrives after the unsubscribe that followed it does not bring the customer back.
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/marketplace_components_sink.hpp>
#include <awsmp/subscription_manager.hpp>
#include <awsmp/subscription_store.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "support/fake_metering.hpp"
#include "support/run_sync.hpp"

using namespace awsmp;
using namespace std::chrono_literals;
using awsmp::test::run_sync;

namespace {

const std::string product = "prod-events";
const billed_customer license_a =
    billed_customer::account("111122223333", "arn:aws:license-manager::111122223333:license/l-a");
const billed_customer license_b =
    billed_customer::account("111122223333", "arn:aws:license-manager::111122223333:license/l-b");

// GetEntitlements answering one tokens entitlement for whoever is asked about.
struct one_entitlement_service final : entitlement_service_api {
  std::vector<get_entitlements_input> calls;
  awaitable<get_entitlements_output> get_entitlements(get_entitlements_input input) override {
    calls.push_back(input);
    get_entitlements_output out;
    marketplace_entitlement e;
    e.product_code = product;
    e.dimension = "tokens_1m";
    e.value = std::int64_t{1};
    const auto& f = input.filter;
    if (auto it = f.find(entitlement_filter::license_arn); it != f.end() && !it->second.empty()) {
      e.license_arn = it->second.front();
      e.customer_aws_account_id = license_a.customer_aws_account_id;
    } else if (auto c = f.find(entitlement_filter::customer_identifier); c != f.end() && !c->second.empty()) {
      e.customer_identifier = c->second.front();
    }
    out.entitlements.push_back(e);
    co_return out;
  }
};

struct fixture {
  asio::io_context io;
  awsmp::test::fake_metering aws;
  memory_subscription_store subscriptions{io.get_executor()};
  memory_entitlement_store entitlements{io.get_executor()};
  one_entitlement_service service;
  entitlement_checker checker{io.get_executor(), entitlements, std::chrono::seconds(0)};
  subscription_manager manager{io.get_executor(), subscriptions, aws, product};
  token_billing_tracker tracker{io.get_executor(), product, aws, options()};
  marketplace_components_sink sink{manager, subscriptions, tracker, service, checker, product};

  static token_billing_options options() {
    token_billing_options o;
    o.tokens_per_unit = 1000;
    return o;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(marketplace_components_sink_suite)

BOOST_AUTO_TEST_CASE(activate_is_idempotent_and_per_license) {
  fixture f;
  const auto now = std::chrono::system_clock::now();
  run_sync(f.io, f.sink.activate(license_a, product, now));
  run_sync(f.io, f.sink.activate(license_a, product, now));  // redelivered
  run_sync(f.io, f.sink.activate(license_b, "", now));       // no product named: the sink's
  BOOST_TEST(run_sync(f.io, f.manager.is_active(license_a)));
  BOOST_TEST(run_sync(f.io, f.manager.is_active(license_b)));
  const auto licenses = run_sync(f.io, f.sink.licenses_of("111122223333"));
  BOOST_TEST(licenses.size() == 2u);
  BOOST_TEST(run_sync(f.io, f.sink.licenses_of("999999999999")).empty());
}

BOOST_AUTO_TEST_CASE(settle_and_deactivate_bills_the_remainder_then_ends_the_subscription) {
  fixture f;
  const auto now = std::chrono::system_clock::now();
  run_sync(f.io, f.sink.activate(license_a, product, now));
  run_sync(f.io, f.tracker.record_usage(license_a, 2500, 0));
  run_sync(f.io, f.sink.settle_and_deactivate(license_a, now));
  BOOST_TEST(f.aws.accepted_units(license_a.customer_aws_account_id) == 3);  // 2.5 units, rounded up
  BOOST_TEST(!run_sync(f.io, f.manager.is_active(license_a)));
  run_sync(f.io, f.sink.settle_and_deactivate(license_a, now));  // redelivered: nothing more
  BOOST_TEST(f.aws.accepted_units(license_a.customer_aws_account_id) == 3);
  run_sync(f.io, f.sink.settle_and_deactivate(license_b, now));  // never subscribed: harmless
  BOOST_TEST(f.aws.conflicting_duplicates() == 0);
}

BOOST_AUTO_TEST_CASE(a_subscribe_older_than_the_applied_unsubscribe_is_ignored) {
  fixture f;
  const auto sent = std::chrono::system_clock::now() - 10min;
  run_sync(f.io, f.sink.activate(license_a, product, sent));
  run_sync(f.io, f.sink.settle_and_deactivate(license_a, sent + 1min));
  run_sync(f.io, f.sink.activate(license_a, product, sent));  // the subscribe, redelivered late
  BOOST_TEST(!run_sync(f.io, f.manager.is_active(license_a)));
  run_sync(f.io,
           f.sink.activate(license_a, product, std::chrono::system_clock::now() + 1min));  // subscribes again
  BOOST_TEST(run_sync(f.io, f.manager.is_active(license_a)));
}

BOOST_AUTO_TEST_CASE(bill_now_sends_the_open_usage_and_sync_reads_the_license) {
  fixture f;
  const auto now = std::chrono::system_clock::now();
  run_sync(f.io, f.sink.activate(license_a, product, now));
  run_sync(f.io, f.tracker.record_usage(license_a, 4000, 0));
  run_sync(f.io, f.sink.bill_now(license_a, now));
  BOOST_TEST(f.aws.accepted_units(license_a.customer_aws_account_id) == 4);
  BOOST_REQUIRE(!f.aws.batches().empty());
  BOOST_TEST(f.aws.batches().back().product_code.empty());  // the account form: no ProductCode
  run_sync(f.io, f.sink.sync_entitlements(license_a));
  BOOST_REQUIRE(!f.service.calls.empty());
  BOOST_TEST(f.service.calls.back().filter.count(entitlement_filter::license_arn) == 1u);
  BOOST_TEST(run_sync(f.io, f.checker.is_entitled(license_a, "tokens_1m")));
  BOOST_TEST(!run_sync(f.io, f.checker.is_entitled(license_b, "tokens_1m")));
}

BOOST_AUTO_TEST_CASE(an_empty_product_code_is_refused) {
  fixture f;
  BOOST_CHECK_THROW(
      marketplace_components_sink(f.manager, f.subscriptions, f.tracker, f.service, f.checker, ""),
      boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
