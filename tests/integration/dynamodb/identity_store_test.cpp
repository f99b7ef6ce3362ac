// Both identity forms and concurrent licenses on the DynamoDB stores, with the in-memory
// stores (the reference implementation of the interface) run through the same cases, so that
// any difference in behaviour shows up as one backend failing.
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include "dynamodb_backend.hpp"

using namespace awsmp;
using awsmp::test::run_sync;
using namespace std::chrono_literals;

namespace {

using backends = boost::mpl::list<awsmp::test::memory_backend, awsmp::test::dynamodb_backend>;

const time_point t0 =
    time_point(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1).time_since_epoch()) + 987654321ns;
const std::string account = "123456789012";
const std::string license_1 = "arn:aws:license-manager::123456789012:license:l-0001";
const std::string license_2 = "arn:aws:license-manager::123456789012:license:l-0002";

subscription account_sub(std::string cid, std::string license, subscription_status status, time_point at) {
  subscription s;
  s.customer_identifier = std::move(cid);
  s.product_code = "prod-1";
  s.customer_aws_account_id = account;
  s.license_arn = std::move(license);
  s.status = status;
  s.subscribed_at = at;
  return s;
}

subscription legacy_sub(std::string cid, subscription_status status) {
  subscription s;
  s.customer_identifier = std::move(cid);
  s.product_code = "prod-1";
  s.status = status;
  s.subscribed_at = t0;
  return s;
}

entitlement account_ent(std::string cid, std::string license, std::string dimension, std::int64_t value) {
  entitlement e;
  e.customer_identifier = std::move(cid);
  e.product_code = "prod-1";
  e.dimension = std::move(dimension);
  e.value = value;
  e.expires_at = never_expires;
  e.customer_aws_account_id = account;
  e.license_arn = std::move(license);
  return e;
}

entitlement legacy_ent(std::string cid, std::string dimension, std::int64_t value,
                       time_point expires = never_expires) {
  entitlement e;
  e.customer_identifier = std::move(cid);
  e.product_code = "prod-1";
  e.dimension = std::move(dimension);
  e.value = value;
  e.expires_at = expires;
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dynamodb_identity_stores)

BOOST_AUTO_TEST_CASE_TEMPLATE(two_licenses_of_one_account_are_two_subscriptions, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.subscriptions();
  const auto l1 = account_sub("cust-1", license_1, subscription_status::unsubscribed, t0);
  const auto l2 = account_sub("cust-1", license_2, subscription_status::active, t0 - 1h);
  run_sync(ctx, store.put(l1));
  run_sync(ctx, store.put(l2));
  BOOST_TEST((run_sync(ctx, store.get(billed_customer::account(account, license_1))) == l1));
  BOOST_TEST((run_sync(ctx, store.get(billed_customer::account(account, license_2))) == l2));
  // The legacy lookup of the customer identifier prefers the active license.
  BOOST_TEST((run_sync(ctx, store.get(std::string("cust-1"))) == l2));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 1u);
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::unsubscribed)).size() == 1u);

  // Erasing one license leaves the other.
  run_sync(ctx, store.erase(billed_customer::account(account, license_2)));
  BOOST_TEST(!run_sync(ctx, store.get(billed_customer::account(account, license_2))).has_value());
  BOOST_TEST((run_sync(ctx, store.get(std::string("cust-1"))) == l1));
  // A legacy erase removes every license of that customer identifier.
  run_sync(ctx, store.put(l2));
  run_sync(ctx, store.erase(std::string("cust-1")));
  BOOST_TEST(!run_sync(ctx, store.get(billed_customer::account(account, license_1))).has_value());
  BOOST_TEST(!run_sync(ctx, store.get(std::string("cust-1"))).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(legacy_rows_win_legacy_lookups_and_list_orders_by_key, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.subscriptions();
  const auto legacy = legacy_sub("cust-1", subscription_status::pending);
  const auto acct = account_sub("cust-1", license_1, subscription_status::active, t0);
  const auto other = legacy_sub("cust-0", subscription_status::active);
  run_sync(ctx, store.put(acct));
  run_sync(ctx, store.put(legacy));
  run_sync(ctx, store.put(other));
  BOOST_TEST((run_sync(ctx, store.get(std::string("cust-1"))) == legacy));
  const auto active = run_sync(ctx, store.list(subscription_status::active));
  BOOST_REQUIRE(active.size() == 2u);
  BOOST_TEST((active[0] == other), "legacy keys sort before account keys");
  BOOST_TEST((active[1] == acct));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_changed_customer_identifier_moves_the_legacy_lookup, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.subscriptions();
  auto s = account_sub("cust-old", license_1, subscription_status::active, t0);
  run_sync(ctx, store.put(s));
  s.customer_identifier = "cust-new";
  run_sync(ctx, store.put(s));
  BOOST_TEST(!run_sync(ctx, store.get(std::string("cust-old"))).has_value());
  BOOST_TEST((run_sync(ctx, store.get(std::string("cust-new"))) == s));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(entitlements_per_license_and_legacy_lookups, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.entitlements();
  const auto e1 = account_ent("cust-1", license_1, "seats", 5);
  const auto e2 = account_ent("cust-1", license_2, "seats", 7);
  const auto e3 = account_ent("cust-1", license_2, "api", 1);
  const auto legacy = legacy_ent("cust-1", "tier", 3, t0);
  for (const auto& e : {e1, e2, e3, legacy}) run_sync(ctx, store.put(e));

  BOOST_TEST((run_sync(ctx, store.get(billed_customer::account(account, license_2), "seats")) == e2));
  BOOST_TEST((run_sync(ctx, store.get(std::string("cust-1"), "seats")) == e1),
             "the first license in key order");
  BOOST_TEST((run_sync(ctx, store.get(std::string("cust-1"), "tier")) == legacy));
  const auto l2 = run_sync(ctx, store.list(billed_customer::account(account, license_2)));
  BOOST_REQUIRE(l2.size() == 2u);
  BOOST_TEST((l2[0] == e3), "ordered by dimension");
  BOOST_TEST((l2[1] == e2));
  const auto all = run_sync(ctx, store.list(std::string("cust-1")));
  BOOST_REQUIRE(all.size() == 4u);
  BOOST_TEST((all[0] == legacy), "legacy rows first");
  BOOST_TEST((all[1] == e3));
  BOOST_TEST((all[2] == e1));
  BOOST_TEST((all[3] == e2));

  run_sync(ctx, store.erase(std::string("cust-1"), "seats"));
  BOOST_TEST(!run_sync(ctx, store.get(billed_customer::account(account, license_1), "seats")).has_value());
  BOOST_TEST(!run_sync(ctx, store.get(billed_customer::account(account, license_2), "seats")).has_value());
  BOOST_TEST(run_sync(ctx, store.list(std::string("cust-1"))).size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dynamodb_store_rows)

auto corrupt() {
  return awsmp::test::has_code(errc::store_corrupt);
}

void put_raw(asio::io_context& ctx, awsmp::test::dynamodb_backend& b, std::string table, dynamodb::item row) {
  dynamodb::put_item_request p;
  p.table = std::move(table);
  p.attributes = std::move(row);
  run_sync(ctx, b.client.client.put_item(std::move(p)));
}

dynamodb::item raw_key(std::string pk, std::string sk) {
  return dynamodb::item{{"pk", dynamodb::attribute_value::string(std::move(pk))},
                        {"sk", dynamodb::attribute_value::string(std::move(sk))}};
}

BOOST_AUTO_TEST_CASE(foreign_or_damaged_rows_are_store_corrupt_never_skipped) {
  asio::io_context ctx;
  awsmp::test::dynamodb_backend b(ctx);
  // A row someone else wrote into the subscriptions table.
  auto foreign = raw_key("legacy:cust-1", "subscription");
  foreign.emplace("note", dynamodb::attribute_value::string("not ours"));
  put_raw(ctx, b, "awsmp-subscriptions", foreign);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.subscriptions().get(std::string("cust-1"))),
                        boost::system::system_error, corrupt());

  // An awsmp entitlement row with a damaged value type.
  run_sync(ctx, b.entitlements().put(legacy_ent("cust-2", "seats", 4)));
  auto damaged = raw_key("legacy:cust-2", "dim:seats");
  {
    dynamodb::get_item_request g;
    g.table = "awsmp-entitlements";
    g.key = damaged;
    auto row = run_sync(ctx, b.client.client.get_item(std::move(g)));
    BOOST_REQUIRE(row.has_value());
    damaged = *row;
  }
  damaged["value"] = dynamodb::attribute_value::string("four");
  put_raw(ctx, b, "awsmp-entitlements", damaged);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.entitlements().get(std::string("cust-2"), "seats")),
                        boost::system::system_error, corrupt());
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.entitlements().list(std::string("cust-2"))),
                        boost::system::system_error, corrupt());

  // A well-formed row copied under another customer's key is foreign too.
  run_sync(ctx, b.entitlements().put(legacy_ent("cust-3", "seats", 4)));
  dynamodb::get_item_request g;
  g.table = "awsmp-entitlements";
  g.key = raw_key("legacy:cust-3", "dim:seats");
  auto copy = run_sync(ctx, b.client.client.get_item(std::move(g)));
  BOOST_REQUIRE(copy.has_value());
  (*copy)["pk"] = dynamodb::attribute_value::string("legacy:cust-4");
  put_raw(ctx, b, "awsmp-entitlements", *copy);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.entitlements().get(std::string("cust-4"), "seats")),
                        boost::system::system_error, corrupt());
}

BOOST_AUTO_TEST_CASE(entitlement_rows_carry_the_ttl_attribute) {
  asio::io_context ctx;
  awsmp::test::dynamodb_backend b(ctx);
  run_sync(ctx, b.entitlements().put(legacy_ent("cust-1", "seats", 4, t0)));
  run_sync(ctx, b.entitlements().put(legacy_ent("cust-1", "forever", 4)));
  dynamodb::get_item_request g;
  g.table = "awsmp-entitlements";
  g.key = raw_key("legacy:cust-1", "dim:seats");
  const auto row = run_sync(ctx, b.client.client.get_item(std::move(g)));
  BOOST_REQUIRE(row.has_value());
  const auto expected =
      std::chrono::duration_cast<std::chrono::seconds>(t0.time_since_epoch()).count() + 24 * 3600;
  BOOST_TEST(row->at("ttl").as_int64() == expected, "expires_at + the default retention of 24 h");
  dynamodb::get_item_request g2;
  g2.table = "awsmp-entitlements";
  g2.key = raw_key("legacy:cust-1", "dim:forever");
  const auto forever = run_sync(ctx, b.client.client.get_item(std::move(g2)));
  BOOST_REQUIRE(forever.has_value());
  BOOST_TEST(!forever->count("ttl"), "an entitlement without end never expires");
}

BOOST_AUTO_TEST_SUITE_END()
