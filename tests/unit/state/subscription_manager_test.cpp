// subscription_manager: the Go original's behaviours plus product checks, token validation,
// reactivation, and the clock.
#include <awsmp/subscription_manager.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <string>

#include "lifecycle_fakes.hpp"
#include "support/fake_metering.hpp"

using namespace awsmp;
using awsmp::test::run_sync;
using namespace std::chrono_literals;

namespace {

struct fixture {
  fixture() {
    metering.on_resolve_customer = [this](const std::string& token) {
      const auto it = customers.find(token);
      if (it == customers.end()) throw aws_error(400, "InvalidTokenException", "unknown token", "req-1");
      return it->second;
    };
    customers["token-a"] = {"cust-a", "prod-1", "111122223333", "arn:aws:license-manager::1:license:l-a"};
    customers["token-b"] = {"cust-b", "prod-1", "444455556666", ""};
    customers["token-other"] = {"cust-x", "prod-2", "777788889999", ""};
    customers["token-nobody"] = {"", "prod-1", "", ""};
    // Concurrent agreements: one account, two licenses of prod-1 (same CustomerIdentifier).
    customers["token-lic-1"] = {"cust-c", "prod-1", "123412341234", license_1};
    customers["token-lic-2"] = {"cust-c", "prod-1", "123412341234", license_2};
    // A license-based product's answer may lack the CustomerIdentifier.
    customers["token-no-id"] = {"", "prod-1", "123412341234", license_3};
  }
  const std::string license_1 = "arn:aws:license-manager::123412341234:license:l-1";
  const std::string license_2 = "arn:aws:license-manager::123412341234:license:l-2";
  const std::string license_3 = "arn:aws:license-manager::123412341234:license:l-3";
  asio::io_context ctx;
  awsmp::test::manual_clock clock;
  std::map<std::string, resolve_customer_output> customers;  // ResolveCustomer's answers by token
  awsmp::test::fake_metering metering;
  memory_subscription_store store{ctx.get_executor()};
  subscription_manager manager{ctx.get_executor(), store, metering, "prod-1", clock.function()};
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(subscription_manager_suite, fixture)

BOOST_AUTO_TEST_CASE(subscribe_active_unsubscribe_inactive) {
  BOOST_TEST(!run_sync(ctx, manager.is_active("cust-a")));
  const auto t_sub = clock.now();
  const subscription s = run_sync(ctx, manager.subscribe("token-a"));
  BOOST_TEST(s.customer_identifier == "cust-a");
  BOOST_TEST(s.product_code == "prod-1");
  BOOST_TEST(s.customer_aws_account_id == "111122223333");
  BOOST_TEST(s.license_arn == "arn:aws:license-manager::1:license:l-a");
  BOOST_TEST((s.status == subscription_status::active));
  BOOST_TEST((s.subscribed_at == t_sub));
  BOOST_TEST(!s.unsubscribed_at.has_value());
  const auto stored = run_sync(ctx, store.get("cust-a"));
  BOOST_REQUIRE(stored.has_value());
  BOOST_TEST((*stored == s), "what subscribe returns is what it stored");
  BOOST_TEST(run_sync(ctx, manager.is_active("cust-a")));
  BOOST_TEST(!run_sync(ctx, manager.is_active("cust-b")));

  clock.advance(90min);
  run_sync(ctx, manager.unsubscribe("cust-a"));
  BOOST_TEST(!run_sync(ctx, manager.is_active("cust-a")));
  const auto after = run_sync(ctx, manager.find("cust-a"));
  BOOST_REQUIRE(after.has_value());
  BOOST_TEST((after->status == subscription_status::unsubscribed));
  BOOST_TEST((after->unsubscribed_at == std::optional<time_point>(t_sub + 90min)));
  BOOST_TEST((after->subscribed_at == t_sub));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::unsubscribed)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(unsubscribe_unknown_is_not_found) {
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.unsubscribe("cust-zzz")), boost::system::system_error,
                        awsmp::test::has_code(errc::not_found));
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.unsubscribe("")), boost::system::system_error,
                        awsmp::test::has_code(errc::invalid_argument));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::unsubscribed)).empty());
}

BOOST_AUTO_TEST_CASE(unsubscribing_twice_keeps_the_first_date) {
  run_sync(ctx, manager.subscribe("token-a"));
  clock.advance(1h);
  run_sync(ctx, manager.unsubscribe("cust-a"));
  const auto first = run_sync(ctx, store.get("cust-a"))->unsubscribed_at;
  clock.advance(1h);
  run_sync(ctx, manager.unsubscribe("cust-a"));
  BOOST_TEST((run_sync(ctx, store.get("cust-a"))->unsubscribed_at == first));
}

BOOST_AUTO_TEST_CASE(subscribing_again_reactivates) {
  run_sync(ctx, manager.subscribe("token-a"));
  clock.advance(1h);
  run_sync(ctx, manager.unsubscribe("cust-a"));
  clock.advance(1h);
  const auto again = run_sync(ctx, manager.subscribe("token-a"));
  BOOST_TEST((again.status == subscription_status::active));
  BOOST_TEST((again.subscribed_at == clock.now()), "a new subscription period");
  BOOST_TEST(!again.unsubscribed_at.has_value());
  BOOST_TEST(run_sync(ctx, manager.is_active("cust-a")));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::unsubscribed)).empty());
}

BOOST_AUTO_TEST_CASE(a_token_of_another_product_is_rejected) {
  try {
    run_sync(ctx, manager.subscribe("token-other"));
    BOOST_ERROR("expected product_mismatch");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == make_error_code(errc::product_mismatch)), e.what());
    BOOST_TEST(std::string(e.what()).find("prod-2") != std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("token-other") == std::string::npos, "the token is never quoted");
  }
  BOOST_TEST(!run_sync(ctx, store.get("cust-x")).has_value(), "nothing stored");
}

BOOST_AUTO_TEST_CASE(an_empty_product_code_accepts_any_product) {
  subscription_manager any(ctx.get_executor(), store, metering);
  const auto s = run_sync(ctx, any.subscribe("token-other"));
  BOOST_TEST(s.product_code == "prod-2");
  BOOST_TEST(run_sync(ctx, any.is_active("cust-x")));
  BOOST_TEST((s.subscribed_at > time_point(std::chrono::hours(24 * 365 * 50))), "the real clock by default");
}

BOOST_AUTO_TEST_CASE(bad_tokens_are_rejected_before_resolving) {
  const auto invalid = awsmp::test::has_code(errc::invalid_argument);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.subscribe("")), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.subscribe(std::string(4097, 'a'))), boost::system::system_error,
                        invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.subscribe("abc def")), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.subscribe("abc\ndef")), boost::system::system_error, invalid);
  BOOST_TEST(metering.resolve_calls().empty());
  BOOST_CHECK_EXCEPTION(subscription_manager(ctx.get_executor(), store, metering, std::string(300, 'p')),
                        boost::system::system_error, invalid);
}

BOOST_AUTO_TEST_CASE(aws_errors_and_empty_answers_propagate) {
  BOOST_CHECK_THROW(run_sync(ctx, manager.subscribe("token-unknown")), aws_error);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.subscribe("token-nobody")), boost::system::system_error,
                        awsmp::test::has_code(errc::malformed_message));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).empty());
}

BOOST_AUTO_TEST_CASE(list_by_status_sees_the_lifecycle) {
  run_sync(ctx, manager.subscribe("token-a"));
  run_sync(ctx, manager.subscribe("token-b"));
  run_sync(ctx, manager.unsubscribe("cust-a"));
  const auto active = run_sync(ctx, store.list(subscription_status::active));
  BOOST_REQUIRE_EQUAL(active.size(), 1u);
  BOOST_TEST(active[0].customer_identifier == "cust-b");
  const auto gone = run_sync(ctx, store.list(subscription_status::unsubscribed));
  BOOST_REQUIRE_EQUAL(gone.size(), 1u);
  BOOST_TEST(gone[0].customer_identifier == "cust-a");
}

// ---- Billing v2: per-license subscriptions and activate().

BOOST_AUTO_TEST_CASE(each_concurrent_agreement_is_its_own_subscription) {
  const auto one = run_sync(ctx, manager.subscribe("token-lic-1"));
  clock.advance(1h);
  const auto two = run_sync(ctx, manager.subscribe("token-lic-2"));
  BOOST_TEST((one.customer() == billed_customer::account("123412341234", license_1)));
  BOOST_TEST((two.customer() == billed_customer::account("123412341234", license_2)));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 2u);

  // Unsubscribing one license leaves the other active.
  run_sync(ctx, manager.unsubscribe(one.customer()));
  BOOST_TEST(!run_sync(ctx, manager.is_active(one.customer())));
  BOOST_TEST(run_sync(ctx, manager.is_active(two.customer())));
  BOOST_TEST(run_sync(ctx, manager.is_active("cust-c")), "the legacy lookup answers the active license");

  // Subscribing with the first license's token again reactivates that license only.
  clock.advance(1h);
  const auto again = run_sync(ctx, manager.subscribe("token-lic-1"));
  BOOST_TEST((again.customer() == one.customer()));
  BOOST_TEST((again.subscribed_at == clock.now()));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 2u);
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::unsubscribed)).empty());
  const auto second = run_sync(ctx, manager.find(two.customer()));
  BOOST_REQUIRE(second.has_value());
  BOOST_TEST((second->subscribed_at == two.subscribed_at), "the other license is untouched");
}

BOOST_AUTO_TEST_CASE(an_answer_without_customer_identifier_is_stored_by_license) {
  const auto s = run_sync(ctx, manager.subscribe("token-no-id"));
  BOOST_TEST(s.customer_identifier.empty());
  BOOST_TEST(run_sync(ctx, manager.is_active(billed_customer::account("123412341234", license_3))));
}

BOOST_AUTO_TEST_CASE(activate_creates_is_idempotent_and_reactivates) {
  const auto who = billed_customer::account("123412341234", license_1);
  const auto t1 = clock.now();
  const auto created = run_sync(ctx, manager.activate(who, "prod-1"));
  BOOST_TEST((created.customer() == who));
  BOOST_TEST(created.customer_identifier.empty());
  BOOST_TEST(created.product_code == "prod-1");
  BOOST_TEST((created.status == subscription_status::active));
  BOOST_TEST((created.subscribed_at == t1));

  clock.advance(10min);
  const auto same = run_sync(ctx, manager.activate(who, ""));  // empty: the manager's product
  BOOST_TEST((same == created), "activating an active subscription changes nothing");

  clock.advance(10min);
  run_sync(ctx, manager.unsubscribe(who));
  clock.advance(10min);
  const auto back = run_sync(ctx, manager.activate(who, "prod-1"));
  BOOST_TEST((back.status == subscription_status::active));
  BOOST_TEST((back.subscribed_at == clock.now()));
  BOOST_TEST(!back.unsubscribed_at.has_value());
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 1u);

  // A legacy activation of an identifier that a subscribed license carries reactivates that row.
  run_sync(ctx, manager.subscribe("token-lic-2"));
  run_sync(ctx, manager.unsubscribe(billed_customer::account("123412341234", license_2)));
  const auto legacy = run_sync(ctx, manager.activate(billed_customer::legacy("cust-c"), "prod-1"));
  BOOST_TEST((legacy.customer() == billed_customer::account("123412341234", license_2)));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 2u);
}

BOOST_AUTO_TEST_CASE(activate_refuses_bad_ids_and_other_products) {
  const auto invalid = awsmp::test::has_code(errc::invalid_argument);
  BOOST_CHECK_EXCEPTION(
      run_sync(ctx, manager.activate(billed_customer::account("12ab", license_1), "prod-1")),
      boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(
      run_sync(ctx, manager.activate(billed_customer::account("123412341234", "l-1"), "prod-1")),
      boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.activate(billed_customer::legacy(""), "prod-1")),
                        boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.activate(billed_customer::legacy("cust-a"), "bad product\n")),
                        boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, manager.activate(billed_customer::legacy("cust-a"), "prod-2")),
                        boost::system::system_error, awsmp::test::has_code(errc::product_mismatch));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).empty());

  subscription_manager any(ctx.get_executor(), store, metering);
  const auto s = run_sync(ctx, any.activate(billed_customer::legacy("cust-a"), "prod-2"));
  BOOST_TEST(s.product_code == "prod-2");
}

BOOST_AUTO_TEST_CASE(unsubscribe_of_an_unknown_license_is_not_found) {
  run_sync(ctx, manager.subscribe("token-lic-1"));
  BOOST_CHECK_EXCEPTION(
      run_sync(ctx, manager.unsubscribe(billed_customer::account("123412341234", license_2))),
      boost::system::system_error, awsmp::test::has_code(errc::not_found));
  BOOST_TEST(run_sync(ctx, manager.is_active(billed_customer::account("123412341234", license_1))));
}

BOOST_AUTO_TEST_SUITE_END()
