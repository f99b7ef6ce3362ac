// sync_entitlements: mirrors AWS into the store, removes what AWS dropped, never acts on a
// partial fetch, keeps the checker's cache coherent; plus the pure mapping and planning.
#include <awsmp/entitlement_sync.hpp>
#include <boost/test/unit_test.hpp>

#include "lifecycle_fakes.hpp"

using namespace awsmp;
using awsmp::test::run_sync;
using namespace std::chrono_literals;

namespace {

marketplace_entitlement aws(std::string customer, std::string dimension, entitlement_value value,
                            std::optional<time_point> expires = std::nullopt) {
  marketplace_entitlement m;
  m.product_code = "prod-1";
  m.customer_identifier = std::move(customer);
  m.dimension = std::move(dimension);
  m.value = std::move(value);
  m.expiration_date = expires;
  return m;
}

const time_point t1 = time_point(std::chrono::seconds(1'800'000'000));

struct fixture {
  asio::io_context ctx;
  memory_entitlement_store store{ctx.get_executor()};
  memory_subscription_store subs{ctx.get_executor()};
  awsmp::test::fake_entitlement_service service;

  void subscribe(std::string customer, subscription_status status) {
    subscription s;
    s.customer_identifier = std::move(customer);
    s.status = status;
    run_sync(ctx, subs.put(s));
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(entitlement_sync_suite)

BOOST_AUTO_TEST_CASE(values_map_to_positive_when_granted) {
  BOOST_TEST(to_entitlement(aws("c", "d", std::int64_t{42}))->value == 42);
  BOOST_TEST(to_entitlement(aws("c", "d", 0.5))->value == 1, "a fraction stays entitled");
  BOOST_TEST(to_entitlement(aws("c", "d", 2.0))->value == 2);
  BOOST_TEST(to_entitlement(aws("c", "d", 0.0))->value == 0);
  BOOST_TEST(to_entitlement(aws("c", "d", 1e300))->value == std::numeric_limits<std::int64_t>::max());
  BOOST_TEST(to_entitlement(aws("c", "d", true))->value == 1);
  BOOST_TEST(to_entitlement(aws("c", "d", false))->value == 0);
  BOOST_TEST(to_entitlement(aws("c", "d", std::string("premium")))->value == 1);
  BOOST_TEST(to_entitlement(aws("c", "d", std::string()))->value == 0);
  BOOST_TEST(to_entitlement(aws("c", "d", std::monostate{}))->value == 1);
  BOOST_TEST((to_entitlement(aws("c", "d", std::int64_t{1}))->expires_at == never_expires));
  BOOST_TEST((to_entitlement(aws("c", "d", std::int64_t{1}, t1))->expires_at == t1));
  auto by_account = aws("", "d", std::int64_t{1});
  by_account.customer_aws_account_id = "123456789012";
  BOOST_TEST(to_entitlement(by_account)->customer_identifier == "123456789012");
  BOOST_TEST(!to_entitlement(aws("", "d", std::int64_t{1})).has_value());
  BOOST_TEST(!to_entitlement(aws("c", "", std::int64_t{1})).has_value());
  BOOST_TEST(!to_entitlement(aws(std::string(256, 'c'), "d", std::int64_t{1})).has_value());
}

BOOST_AUTO_TEST_CASE(plan_upserts_changes_and_removes_only_this_product) {
  const std::vector<entitlement> stored = {
      {"c1", "prod-1", "same", 1, never_expires},    {"c1", "prod-1", "changed", 1, never_expires},
      {"c1", "prod-1", "dropped", 1, never_expires}, {"c1", "prod-9", "other-product", 1, never_expires},
      {"c1", "", "manual", 1, never_expires},
  };
  const std::vector<marketplace_entitlement> from_aws = {
      aws("c1", "same", std::int64_t{1}), aws("c1", "changed", std::int64_t{5}),
      aws("c2", "new", std::int64_t{3}), aws("", "bad", std::int64_t{3})};
  const auto plan = plan_entitlement_sync("prod-1", from_aws, stored);
  BOOST_TEST(plan.unchanged == 1u);
  BOOST_TEST(plan.skipped == 1u);
  BOOST_REQUIRE_EQUAL(plan.upserts.size(), 2u);
  BOOST_TEST(plan.upserts[0].dimension == "changed");
  BOOST_TEST(plan.upserts[0].value == 5);
  BOOST_TEST(plan.upserts[1].customer_identifier == "c2");
  BOOST_REQUIRE_EQUAL(plan.removals.size(), 1u);
  BOOST_TEST(plan.removals[0].second == "dropped");
}

BOOST_FIXTURE_TEST_CASE(sync_mirrors_aws_and_removes_what_it_dropped, fixture) {
  subscribe("c3", subscription_status::unsubscribed);  // known only through the subscription store
  run_sync(ctx, store.put(entitlement{"c3", "prod-1", "d", 1, never_expires}));
  run_sync(ctx, store.put(entitlement{"c3", "prod-9", "x", 1, never_expires}));
  service.all = {aws("c1", "d", std::int64_t{10}, t1), aws("c1", "e", true), aws("c2", "d", 2.5),
                 aws("c4", "d", std::int64_t{1})};
  auto r = run_sync(ctx, sync_entitlements(service, store, subs, "prod-1"));
  BOOST_TEST(service.calls == 2, "both pages fetched");
  BOOST_TEST(service.last_product_code == "prod-1");
  BOOST_TEST(r.received == 4u);
  BOOST_TEST(r.written == 4u);
  BOOST_TEST(r.removed == 1u);
  BOOST_TEST(r.unchanged == 0u);
  BOOST_TEST((run_sync(ctx, store.get("c1", "d")) ==
              std::optional<entitlement>(entitlement{"c1", "prod-1", "d", 10, t1})));
  BOOST_TEST(run_sync(ctx, store.get("c2", "d"))->value == 3);
  BOOST_TEST(!run_sync(ctx, store.get("c3", "d")).has_value(), "AWS no longer lists it");
  BOOST_TEST(run_sync(ctx, store.get("c3", "x")).has_value(), "another product's row stays");

  // AWS drops c2 (a known subscriber) and c4 (known only from AWS's earlier answer).
  subscribe("c2", subscription_status::active);
  service.all = {aws("c1", "d", std::int64_t{10}, t1), aws("c1", "e", true)};
  r = run_sync(ctx, sync_entitlements(service, store, subs, "prod-1"));
  BOOST_TEST(r.unchanged == 2u);
  BOOST_TEST(r.written == 0u);
  BOOST_TEST(r.removed == 1u);
  BOOST_TEST(!run_sync(ctx, store.get("c2", "d")).has_value());
  // The documented limit: entitlement_store cannot list every customer, so a customer in
  // neither AWS's answer nor the subscription store is not examined.
  BOOST_TEST(run_sync(ctx, store.get("c4", "d")).has_value());
}

BOOST_FIXTURE_TEST_CASE(a_failed_fetch_changes_nothing, fixture) {
  subscribe("c1", subscription_status::active);
  run_sync(ctx, store.put(entitlement{"c1", "prod-1", "d", 1, never_expires}));
  service.all = {aws("c9", "d", std::int64_t{1}), aws("c9", "e", std::int64_t{1}),
                 aws("c9", "f", std::int64_t{1})};
  service.fail_on_page = 1;
  BOOST_CHECK_THROW(run_sync(ctx, sync_entitlements(service, store, subs, "prod-1")), aws_error);
  BOOST_TEST(run_sync(ctx, store.get("c1", "d")).has_value(), "not revoked on a partial fetch");
  BOOST_TEST(!run_sync(ctx, store.get("c9", "d")).has_value(), "nothing written either");
  BOOST_CHECK_EXCEPTION(run_sync(ctx, sync_entitlements(service, store, subs, "")),
                        boost::system::system_error, awsmp::test::has_code(errc::invalid_argument));
}

BOOST_FIXTURE_TEST_CASE(syncing_through_the_checker_keeps_its_cache_coherent, fixture) {
  awsmp::test::manual_clock clock;
  entitlement_checker checker(ctx.get_executor(), store,
                              entitlement_checker_options{1h, 100, clock.function()});
  subscribe("c1", subscription_status::active);
  BOOST_TEST(!run_sync(ctx, checker.is_entitled("c1", "d")));  // cached "no" for an hour
  service.all = {aws("c1", "d", std::int64_t{1})};
  run_sync(ctx, sync_entitlements(service, checker, subs, "prod-1"));
  BOOST_TEST(run_sync(ctx, checker.is_entitled("c1", "d")), "the grant reached the cache");
  service.all.clear();
  run_sync(ctx, sync_entitlements(service, checker, subs, "prod-1"));
  BOOST_TEST(!run_sync(ctx, checker.is_entitled("c1", "d")), "and so did the removal");
}

// ---- Billing v2: the account form and per-customer / per-license syncs.

const std::string lic_a = "arn:aws:license-manager::111122223333:license:l-a";
const std::string lic_b = "arn:aws:license-manager::111122223333:license:l-b";

marketplace_entitlement aws_license(std::string license, std::string dimension, std::int64_t value,
                                    std::string customer = "cust-x") {
  auto m = aws(std::move(customer), std::move(dimension), value);
  m.customer_aws_account_id = "111122223333";
  m.license_arn = std::move(license);
  return m;
}

BOOST_AUTO_TEST_CASE(an_aws_entitlement_with_a_license_is_stored_by_license) {
  const auto e = to_entitlement(aws_license(lic_a, "d", 3));
  BOOST_REQUIRE(e.has_value());
  BOOST_TEST((e->customer() == billed_customer::account("111122223333", lic_a)));
  BOOST_TEST(e->customer_identifier == "cust-x", "every id AWS sent is kept");
  auto bad = aws_license("not-an-arn", "d", 3);
  BOOST_TEST(!to_entitlement(bad).has_value(), "a license that breaks the model's pattern is skipped");
}

BOOST_FIXTURE_TEST_CASE(sync_of_one_license_touches_only_that_license, fixture) {
  awsmp::test::manual_clock clock;
  entitlement_checker checker(ctx.get_executor(), store,
                              entitlement_checker_options{1h, 100, clock.function()});
  const auto a = billed_customer::account("111122223333", lic_a);
  const auto b = billed_customer::account("111122223333", lic_b);
  service.all = {aws_license(lic_a, "tokens", 5), aws_license(lic_a, "seats", 1),
                 aws_license(lic_b, "tokens", 7), aws("cust-y", "tokens", std::int64_t{1})};
  BOOST_TEST(!run_sync(ctx, checker.is_entitled(a, "tokens")));  // a cached "no"
  auto r = run_sync(ctx, sync_entitlements(service, checker, "prod-1", a));
  BOOST_TEST((service.last_filter == std::map<entitlement_filter, std::vector<std::string>>{
                                         {entitlement_filter::customer_aws_account_id, {"111122223333"}},
                                         {entitlement_filter::license_arn, {lic_a}}}));
  BOOST_TEST(r.received == 2u);
  BOOST_TEST(r.written == 2u);
  BOOST_TEST(run_sync(ctx, checker.is_entitled(a, "tokens")), "the grant reached the cache");
  BOOST_TEST(!run_sync(ctx, checker.is_entitled(b, "tokens")), "the other license was not synced");
  BOOST_TEST(!run_sync(ctx, store.get("cust-y", "tokens")).has_value());

  run_sync(ctx, sync_entitlements(service, checker, "prod-1", b));
  BOOST_TEST(run_sync(ctx, store.get(b, "tokens"))->value == 7);

  // AWS drops license a's seats: only that row goes.
  service.all.erase(service.all.begin() + 1);
  r = run_sync(ctx, sync_entitlements(service, checker, "prod-1", a));
  BOOST_TEST(r.removed == 1u);
  BOOST_TEST(r.unchanged == 1u);
  BOOST_TEST(!run_sync(ctx, checker.is_entitled(a, "seats")));
  BOOST_TEST(run_sync(ctx, checker.is_entitled(a, "tokens")));
  BOOST_TEST(run_sync(ctx, checker.is_entitled(b, "tokens")));
}

BOOST_FIXTURE_TEST_CASE(sync_of_one_legacy_customer_uses_the_customer_identifier_filter, fixture) {
  awsmp::test::manual_clock clock;
  entitlement_checker checker(ctx.get_executor(), store,
                              entitlement_checker_options{1h, 100, clock.function()});
  run_sync(ctx, store.put(entitlement{"c1", "prod-1", "old", 1, never_expires}));
  run_sync(ctx, store.put(entitlement{"c1", "prod-9", "other-product", 1, never_expires}));
  run_sync(ctx, store.put(entitlement{"c2", "prod-1", "old", 1, never_expires}));
  service.all = {aws("c1", "new", std::int64_t{2}), aws("c2", "new", std::int64_t{2})};
  const auto r = run_sync(ctx, sync_entitlements(service, checker, "prod-1", billed_customer::legacy("c1")));
  BOOST_TEST((service.last_filter == std::map<entitlement_filter, std::vector<std::string>>{
                                         {entitlement_filter::customer_identifier, {"c1"}}}));
  BOOST_TEST(r.written == 1u);
  BOOST_TEST(r.removed == 1u);
  BOOST_TEST(run_sync(ctx, checker.is_entitled("c1", "new")));
  BOOST_TEST(!run_sync(ctx, store.get("c1", "old")).has_value());
  BOOST_TEST(run_sync(ctx, store.get("c1", "other-product")).has_value(), "another product's row stays");
  BOOST_TEST(run_sync(ctx, store.get("c2", "old")).has_value(), "another customer's row stays");
  BOOST_TEST(!run_sync(ctx, store.get("c2", "new")).has_value());

  const auto invalid = awsmp::test::has_code(errc::invalid_argument);
  BOOST_CHECK_EXCEPTION(
      run_sync(ctx, sync_entitlements(service, checker, "prod-1", billed_customer::legacy(""))),
      boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, sync_entitlements(service, checker, "", billed_customer::legacy("c1"))),
                        boost::system::system_error, invalid);
}

BOOST_FIXTURE_TEST_CASE(full_sync_handles_licenses_of_subscribers, fixture) {
  subscription s;  // a license known only through the subscription store
  s.customer_aws_account_id = "111122223333";
  s.license_arn = lic_b;
  s.status = subscription_status::active;
  run_sync(ctx, subs.put(s));
  auto stale = to_entitlement(aws_license(lic_b, "tokens", 1));
  stale->product_code = "prod-1";
  run_sync(ctx, store.put(*stale));
  service.all = {aws_license(lic_a, "tokens", 5)};
  const auto r = run_sync(ctx, sync_entitlements(service, store, subs, "prod-1"));
  BOOST_TEST(r.written == 1u);
  BOOST_TEST(r.removed == 1u);
  BOOST_TEST(run_sync(ctx, store.get(billed_customer::account("111122223333", lic_a), "tokens")).has_value());
  BOOST_TEST(
      !run_sync(ctx, store.get(billed_customer::account("111122223333", lic_b), "tokens")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
