// The behaviour every store must have, written once and run on the memory and SQLite stores.
#include <awsmp/validation.hpp>
#include <boost/mpl/list.hpp>
#include <boost/test/unit_test.hpp>

#include "state_test_support.hpp"

using namespace awsmp;
using awsmp::test::run_sync;
using namespace std::chrono_literals;

namespace {

using backends = boost::mpl::list<awsmp::test::memory_backend, awsmp::test::sqlite_backend>;

const time_point t0 =
    time_point(std::chrono::sys_days(std::chrono::year(2026) / 3 / 1).time_since_epoch()) + 123456789ns;

entitlement ent(std::string customer, std::string dimension, std::int64_t value = 1,
                time_point expires = never_expires) {
  return entitlement{std::move(customer), "prod-1", std::move(dimension), value, expires};
}

// A legacy-form subscription (no license: the key is the customer identifier).
subscription sub(std::string customer, subscription_status status, time_point at = t0) {
  subscription s;
  s.customer_identifier = std::move(customer);
  s.product_code = "prod-1";
  s.customer_aws_account_id = "123456789012";
  s.status = status;
  s.subscribed_at = at;
  return s;
}

std::string license(std::string_view id) {
  return "arn:aws:license-manager::123456789012:license:l-" + std::string(id);
}

// An account-form subscription of `account` to `license_id` (the key is the license).
subscription account_sub(std::string account, std::string license_id, std::string customer,
                         subscription_status status, time_point at = t0) {
  subscription s;
  s.customer_identifier = std::move(customer);
  s.product_code = "prod-1";
  s.customer_aws_account_id = std::move(account);
  s.license_arn = license(license_id);
  s.status = status;
  s.subscribed_at = at;
  return s;
}

entitlement account_ent(std::string account, std::string license_id, std::string dimension,
                        std::int64_t value, std::string customer = {}) {
  entitlement e = ent(std::move(customer), std::move(dimension), value);
  e.customer_aws_account_id = std::move(account);
  e.license_arn = license(license_id);
  return e;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stores)

BOOST_AUTO_TEST_CASE_TEMPLATE(entitlement_put_get_replace_erase, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.entitlements();
  BOOST_TEST(!run_sync(ctx, store.get("c1", "d1")).has_value(), "a missing key is empty, not an error");

  const auto e = ent("c1", "d1", 7, t0 + 1h);
  run_sync(ctx, store.put(e));
  auto got = run_sync(ctx, store.get("c1", "d1"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == e));

  auto replaced = e;
  replaced.value = 0;
  replaced.expires_at = t0;
  run_sync(ctx, store.put(replaced));
  got = run_sync(ctx, store.get("c1", "d1"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == replaced));

  run_sync(ctx, store.erase("c1", "d1"));
  BOOST_TEST(!run_sync(ctx, store.get("c1", "d1")).has_value());
  run_sync(ctx, store.erase("c1", "d1"));  // erasing a missing row is not an error
}

BOOST_AUTO_TEST_CASE_TEMPLATE(entitlement_fields_round_trip_exactly, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.entitlements();
  const std::vector<entitlement> rows = {
      {"cust-a", "", "dim", -5, t0},  // empty product code is allowed
      {"cust-b", "prod-x", "dim", std::numeric_limits<std::int64_t>::max(), never_expires},
      {"cust-c", "prod-x", "dim", 1, time_point{}},
      {"cust-d", "prod-x", "dimension with spaces ünïcode", 3, t0 + 1ns},
      {std::string(255, 'x'), "prod-x", std::string(255, 'y'), 4, t0 - 24h * 365 * 60},
  };
  for (const auto& r : rows) run_sync(ctx, store.put(r));
  for (const auto& r : rows) {
    auto got = run_sync(ctx, store.get(r.customer_identifier, r.dimension));
    BOOST_REQUIRE(got.has_value());
    BOOST_TEST((*got == r), "row of " << r.customer_identifier.substr(0, 8) << " changed in the store");
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(entitlement_list_by_customer, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.entitlements();
  run_sync(ctx, store.put(ent("c1", "zeta")));
  run_sync(ctx, store.put(ent("c1", "alpha")));
  run_sync(ctx, store.put(ent("c1", "mid")));
  run_sync(ctx, store.put(ent("c10", "alpha")));  // shares a prefix with c1
  run_sync(ctx, store.put(ent("c0", "alpha")));
  const auto rows = run_sync(ctx, store.list("c1"));
  BOOST_REQUIRE_EQUAL(rows.size(), 3u);
  BOOST_TEST(rows[0].dimension == "alpha");
  BOOST_TEST(rows[1].dimension == "mid");
  BOOST_TEST(rows[2].dimension == "zeta");
  for (const auto& r : rows) BOOST_TEST(r.customer_identifier == "c1");
  BOOST_TEST(run_sync(ctx, store.list("nobody")).empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(entitlement_bad_keys_are_rejected_before_storage, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.entitlements();
  const auto invalid = awsmp::test::has_code(errc::invalid_argument);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(ent("", "d"))), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(ent("c", ""))), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(ent(std::string(256, 'c'), "d"))),
                        boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(ent("c", std::string(256, 'd')))),
                        boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(ent("c\n", "d"))), boost::system::system_error, invalid);
  auto long_product = ent("c", "d");
  long_product.product_code = std::string(256, 'p');
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(long_product)), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.get("", "d")), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.get("c", std::string(256, 'd'))), boost::system::system_error,
                        invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.list("")), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.erase("c", "")), boost::system::system_error, invalid);
  try {
    run_sync(ctx, store.put(ent(std::string(256, 'c'), "d")));
  } catch (const boost::system::system_error& e) {
    BOOST_TEST(std::string(e.what()).find("customer_identifier") != std::string::npos, e.what());
  }
  BOOST_TEST(run_sync(ctx, store.list("c")).empty(), "nothing was stored");
}

BOOST_AUTO_TEST_CASE_TEMPLATE(subscription_put_get_list_erase, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.subscriptions();
  BOOST_TEST(!run_sync(ctx, store.get("c1")).has_value());

  auto a = sub("c2", subscription_status::active);
  auto p = sub("c3", subscription_status::pending);
  auto u = sub("c1", subscription_status::unsubscribed);
  u.unsubscribed_at = t0 + 2h + 5ns;
  auto a2 = sub("c0", subscription_status::active, t0 - 1h);
  a2.customer_aws_account_id.clear();
  a2.license_arn.clear();
  for (const auto& s : {a, p, u, a2}) run_sync(ctx, store.put(s));

  auto got = run_sync(ctx, store.get("c1"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == u));
  BOOST_REQUIRE(got->unsubscribed_at.has_value());

  const auto active = run_sync(ctx, store.list(subscription_status::active));
  BOOST_REQUIRE_EQUAL(active.size(), 2u);
  BOOST_TEST((active[0] == a2), "ordered by customer");
  BOOST_TEST((active[1] == a));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::pending)).size() == 1u);
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::unsubscribed)).size() == 1u);
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::expired)).empty());

  a.status = subscription_status::expired;  // replacing moves it between lists
  run_sync(ctx, store.put(a));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 1u);
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::expired)).size() == 1u);

  run_sync(ctx, store.erase("c2"));
  BOOST_TEST(!run_sync(ctx, store.get("c2")).has_value());
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::expired)).empty());
  run_sync(ctx, store.erase("c2"));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(subscription_bad_fields_are_rejected, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.subscriptions();
  const auto invalid = awsmp::test::has_code(errc::invalid_argument);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(sub("", subscription_status::active))),
                        boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(sub(std::string(256, 'c'), subscription_status::active))),
                        boost::system::system_error, invalid);
  auto bad_arn = sub("c", subscription_status::active);
  bad_arn.license_arn = std::string(2049, 'a');
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(bad_arn)), boost::system::system_error, invalid);
  auto bad_account = sub("c", subscription_status::active);
  bad_account.customer_aws_account_id = "12\t34";
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.put(bad_account)), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.get("")), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.erase(std::string(300, 'x'))), boost::system::system_error,
                        invalid);
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).empty());
}

// ---- Billing v2: the account form (CustomerAWSAccountId + LicenseArn) and legacy lookups.

BOOST_AUTO_TEST_CASE_TEMPLATE(concurrent_licenses_of_one_account_are_two_subscriptions, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.subscriptions();
  const auto first = account_sub("111122223333", "a", "cust-x", subscription_status::active);
  auto second = account_sub("111122223333", "b", "cust-x", subscription_status::pending, t0 + 1h);
  run_sync(ctx, store.put(first));
  run_sync(ctx, store.put(second));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 1u);
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::pending)).size() == 1u);

  auto got = run_sync(ctx, store.get(first.customer()));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == first));
  got = run_sync(ctx, store.get(second.customer()));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == second));
  BOOST_TEST((second.customer() == billed_customer::account("111122223333", license("b"))));

  // Same license under another account is another key.
  BOOST_TEST(!run_sync(ctx, store.get(billed_customer::account("999999999999", license("a")))).has_value());

  // Replacing one license leaves the other alone.
  second.status = subscription_status::active;
  run_sync(ctx, store.put(second));
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 2u);
  run_sync(ctx, store.erase(first.customer()));
  BOOST_TEST(!run_sync(ctx, store.get(first.customer())).has_value());
  BOOST_TEST(run_sync(ctx, store.get(second.customer())).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(legacy_lookup_finds_the_account_form_row, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.subscriptions();
  const auto old_one = account_sub("111122223333", "a", "cust-x", subscription_status::unsubscribed, t0);
  const auto new_one = account_sub("111122223333", "b", "cust-x", subscription_status::active, t0 - 1h);
  const auto newest_pending =
      account_sub("111122223333", "c", "cust-x", subscription_status::pending, t0 + 1h);
  for (const auto& s : {old_one, new_one, newest_pending}) run_sync(ctx, store.put(s));
  run_sync(ctx, store.put(account_sub("444455556666", "d", "cust-y", subscription_status::active)));

  // An active license first, whatever the order of subscribed_at.
  auto got = run_sync(ctx, store.get("cust-x"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == new_one));

  // A legacy row of the identifier wins over the account-form rows.
  const auto legacy_row = sub("cust-x", subscription_status::expired);
  run_sync(ctx, store.put(legacy_row));
  got = run_sync(ctx, store.get(billed_customer::legacy("cust-x")));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == legacy_row));

  // The legacy erase removes what the legacy lookup could find, and nobody else's row.
  run_sync(ctx, store.erase("cust-x"));
  BOOST_TEST(!run_sync(ctx, store.get("cust-x")).has_value());
  BOOST_TEST(!run_sync(ctx, store.get(new_one.customer())).has_value());
  BOOST_TEST(run_sync(ctx, store.get("cust-y")).has_value());
  BOOST_TEST(run_sync(ctx, store.list(subscription_status::active)).size() == 1u);
}

BOOST_AUTO_TEST_CASE_TEMPLATE(account_form_without_customer_identifier, Backend, backends) {
  // What activate() stores from an EventBridge event: no registration token, so no
  // CustomerIdentifier.
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.subscriptions();
  const auto s = account_sub("111122223333", "a", "", subscription_status::active);
  run_sync(ctx, store.put(s));
  auto got = run_sync(ctx, store.get(s.customer()));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == s));
  BOOST_CHECK_EXCEPTION(run_sync(ctx, store.get("")), boost::system::system_error,
                        awsmp::test::has_code(errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(entitlements_are_per_license, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  auto& store = b.entitlements();
  const auto a = account_ent("111122223333", "a", "tokens", 5, "cust-x");
  const auto bb = account_ent("111122223333", "b", "tokens", 0, "cust-x");
  const auto a_other = account_ent("111122223333", "a", "seats", 2, "cust-x");
  for (const auto& e : {a, bb, a_other}) run_sync(ctx, store.put(e));

  auto got = run_sync(ctx, store.get(a.customer(), "tokens"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == a));
  got = run_sync(ctx, store.get(bb.customer(), "tokens"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == bb));
  const auto rows_a = run_sync(ctx, store.list(a.customer()));
  BOOST_REQUIRE_EQUAL(rows_a.size(), 2u);
  BOOST_TEST(rows_a[0].dimension == "seats");
  BOOST_TEST(rows_a[1].dimension == "tokens");
  BOOST_TEST(run_sync(ctx, store.list(bb.customer())).size() == 1u);

  // A legacy lookup of the customer identifier finds the first license's row.
  got = run_sync(ctx, store.get("cust-x", "tokens"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == a));
  BOOST_TEST(run_sync(ctx, store.list("cust-x")).size() == 3u);
  // A legacy row wins over them.
  const auto legacy_row = ent("cust-x", "tokens", 9);
  run_sync(ctx, store.put(legacy_row));
  got = run_sync(ctx, store.get("cust-x", "tokens"));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == legacy_row));
  const auto all = run_sync(ctx, store.list("cust-x"));
  BOOST_REQUIRE_EQUAL(all.size(), 4u);
  BOOST_TEST((all[0] == legacy_row), "the legacy rows come first");

  // Erasing one license's row leaves the other license's.
  run_sync(ctx, store.erase(a.customer(), "tokens"));
  BOOST_TEST(!run_sync(ctx, store.get(a.customer(), "tokens")).has_value());
  BOOST_TEST(run_sync(ctx, store.get(bb.customer(), "tokens")).has_value());
  // The legacy erase removes every row a legacy lookup could find for that dimension.
  run_sync(ctx, store.erase("cust-x", "tokens"));
  BOOST_TEST(!run_sync(ctx, store.get("cust-x", "tokens")).has_value());
  BOOST_TEST(!run_sync(ctx, store.get(bb.customer(), "tokens")).has_value());
  BOOST_TEST(run_sync(ctx, store.get(a_other.customer(), "seats")).has_value());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(bad_billed_customers_are_rejected_before_storage, Backend, backends) {
  asio::io_context ctx;
  Backend b(ctx);
  const auto invalid = awsmp::test::has_code(errc::invalid_argument);
  auto both = billed_customer::account("111122223333", license("a"));
  both.customer_identifier = "cust";
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.subscriptions().get(both)), boost::system::system_error, invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.entitlements().get(both, "d")), boost::system::system_error, invalid);
  const auto bad_license = billed_customer::account("111122223333", "license-a");
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.subscriptions().erase(bad_license)), boost::system::system_error,
                        invalid);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.entitlements().list(bad_license)), boost::system::system_error,
                        invalid);
  const auto bad_account = billed_customer::account("1111-2222", license("a"));
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.entitlements().erase(bad_account, "d")), boost::system::system_error,
                        invalid);
  auto partial = account_ent("111122223333", "a", "d", 1);
  partial.license_arn = "not-an-arn";  // then the legacy form, with an empty customer identifier
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.entitlements().put(partial)), boost::system::system_error, invalid);
  auto bad_utf8 = ent("caf\xc3", "d");
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.entitlements().put(bad_utf8)), boost::system::system_error, invalid);
  auto bad_utf8_sub = sub("caf\xc3", subscription_status::active);
  BOOST_CHECK_EXCEPTION(run_sync(ctx, b.subscriptions().put(bad_utf8_sub)), boost::system::system_error,
                        invalid);
  BOOST_TEST(run_sync(ctx, b.subscriptions().list(subscription_status::active)).empty());
}

BOOST_AUTO_TEST_CASE(subscription_status_spelling) {
  for (auto s : {subscription_status::active, subscription_status::pending, subscription_status::unsubscribed,
                 subscription_status::expired})
    BOOST_TEST((from_string<subscription_status>(to_string(s)) == s));
  BOOST_TEST(to_string(subscription_status::unsubscribed) == "unsubscribed");
  BOOST_CHECK_EXCEPTION(from_string<subscription_status>("Active"), boost::system::system_error,
                        awsmp::test::has_code(errc::invalid_argument));
  BOOST_CHECK_EXCEPTION(from_string<subscription_status>(""), boost::system::system_error,
                        awsmp::test::has_code(errc::invalid_argument));
}

BOOST_AUTO_TEST_SUITE_END()
