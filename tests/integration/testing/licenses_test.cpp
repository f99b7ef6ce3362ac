// Billing v2 in the emulator: account/license subscribers, concurrent agreements (several
// licenses of one account), requests without ProductCode, the refusals of ProductCode with
// LicenseArn and of mixed identity forms, and the ledger per license (in process and over the
// admin endpoint).
#include <map>

#include "emulator_fixture.hpp"

using namespace emu_test;

namespace {

const std::string prod = product;  // as a std::string, for building JSON bodies
const std::string account = "222233334444";
const std::string license_a = "arn:aws:license-manager::222233334444:license/l-a";
const std::string license_b = "arn:aws:license-manager::222233334444:license/l-b";

// Two concurrent agreements of one account for the product.
void add_two_licenses(testing::emulator_options& o) {
  for (const auto& [token, license] : {std::pair{"token-la", license_a}, std::pair{"token-lb", license_b}}) {
    testing::emulated_customer c;
    c.registration_token = token;
    c.identity.customer_identifier = "cust-agreements";
    c.identity.product_code = product;
    c.identity.customer_aws_account_id = account;
    c.identity.license_arn = license;
    o.customers.push_back(c);
  }
}

usage_record licensed(const std::string& license, std::int32_t quantity, time_point t,
                      std::string dimension = "tokens_1m") {
  usage_record r;
  r.customer_aws_account_id = account;
  r.license_arn = license;
  r.dimension = std::move(dimension);
  r.quantity = quantity;
  r.timestamp = t;
  return r;
}

std::string licensed_json(const std::string& license, int quantity, time_point t) {
  return R"({"CustomerAWSAccountId":")" + account + R"(","LicenseArn":")" + license +
         R"(","Dimension":"tokens_1m","Quantity":)" + std::to_string(quantity) + R"(,"Timestamp":)" +
         epoch(t) + "}";
}

raw_answer admin(emulator_fixture& f, http::verb method, std::string path, std::string body = {}) {
  http_request req{method, "/_emulator/" + path, 11};
  req.set(http::field::host, detail::endpoint::parse(f.emulator->endpoint()).host_header());
  req.body() = std::move(body);
  req.prepare_payload();
  return f.send(std::move(req), std::nullopt);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(emulator_licenses)

BOOST_AUTO_TEST_CASE(concurrent_agreements_are_billed_per_license_without_product_code) {
  emulator_fixture f(add_two_licenses);
  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  const time_point t = f.clock.now() - 10min;
  batch_meter_usage_input in;  // no ProductCode: each record names its license
  in.usage_records = {licensed(license_a, 5, t), licensed(license_b, 7, t),
                      licensed(license_a, 2, t, "requests")};
  const auto out = f.run(client.batch_meter_usage(in));
  BOOST_REQUIRE_EQUAL(out.results.size(), 3u);
  for (const auto& r : out.results) BOOST_TEST((r.status == usage_record_status::success));
  BOOST_TEST(out.results[0].metering_record_id != out.results[1].metering_record_id,
             "one account, one hour, one dimension, two licenses: two records");

  BOOST_TEST(f.emulator->total(billed_customer::account(account, license_a), "tokens_1m") == 5);
  BOOST_TEST(f.emulator->total(billed_customer::account(account, license_b), "tokens_1m") == 7);
  BOOST_TEST(f.emulator->total(billed_customer::account(account, license_a), "requests") == 2);
  BOOST_TEST(f.emulator->total(account, "tokens_1m") == 12, "the account sums its licenses");
  const auto totals = f.emulator->totals();
  BOOST_REQUIRE_EQUAL(totals.size(), 3u);
  for (const auto& t : totals) {
    BOOST_TEST(t.product_code == product, "booked under the license's product");
    BOOST_TEST((t.license_arn == license_a || t.license_arn == license_b));
  }

  // An identical resend is idempotent per license.
  const auto again = f.run(client.batch_meter_usage(in));
  for (std::size_t i = 0; i < 3; ++i)
    BOOST_TEST(again.results[i].metering_record_id == out.results[i].metering_record_id);
  BOOST_TEST(f.emulator->total(account, "tokens_1m") == 12);

  // A license the account does not hold is refused for the whole request.
  const auto foreign =
      f.call(wire::target_batch_meter_usage,
             R"({"UsageRecords":[)" +
                 licensed_json("arn:aws:license-manager::222233334444:license/l-zzz", 1, t) + "]}");
  BOOST_TEST(foreign.status == 400u);
  BOOST_TEST(foreign.type() == "InvalidLicenseException");
}

BOOST_AUTO_TEST_CASE(product_code_with_license_and_mixed_forms_are_refused) {
  emulator_fixture f(add_two_licenses);
  const time_point t = f.clock.now() - 10min;
  const std::string legacy =
      R"({"CustomerIdentifier":"cust-1","Dimension":"tokens_1m","Quantity":1,"Timestamp":)" + epoch(t) + "}";
  const std::string by_account =
      R"({"CustomerAWSAccountId":"111111111112","Dimension":"tokens_1m","Quantity":1,"Timestamp":)" +
      epoch(t) + "}";

  const auto both =
      f.call(wire::target_batch_meter_usage,
             R"({"ProductCode":")" + prod + R"(","UsageRecords":[)" + licensed_json(license_a, 1, t) + "]}");
  BOOST_TEST(both.status == 400u);
  BOOST_TEST(both.type() == "ValidationException");
  BOOST_TEST(both.body.find("LicenseArn and ProductCode") != std::string::npos, both.body);

  const auto mixed =
      f.call(wire::target_batch_meter_usage,
             R"({"ProductCode":")" + prod + R"(","UsageRecords":[)" + legacy + "," + by_account + "]}");
  BOOST_TEST(mixed.status == 400u);
  BOOST_TEST(mixed.type() == "ValidationException");
  BOOST_TEST(mixed.body.find("mixed") != std::string::npos, mixed.body);

  const auto no_product = f.call(wire::target_batch_meter_usage, R"({"UsageRecords":[)" + legacy + "]}");
  BOOST_TEST(no_product.status == 400u);
  BOOST_TEST(no_product.type() == "ValidationException");

  BOOST_TEST(f.emulator->accepted_records().empty(), "refused requests record nothing");

  // The account-id form of an existing product (ProductCode, no LicenseArn) still works.
  const auto ok = f.call(wire::target_batch_meter_usage,
                         R"({"ProductCode":")" + prod + R"(","UsageRecords":[)" + by_account + "]}");
  BOOST_TEST(ok.status == 200u, ok.body);
  BOOST_TEST(f.emulator->total("111111111112", "tokens_1m") == 1);
}

BOOST_AUTO_TEST_CASE(admin_adds_license_subscribers_and_the_ledger_reads_per_license) {
  emulator_fixture f;
  const auto added = admin(
      f, http::verb::post, "customers",
      R"([{"RegistrationToken":"t-a","ProductCode":")" + prod + R"(","CustomerAWSAccountId":")" + account +
          R"(","LicenseArn":")" + license_a + R"("},{"RegistrationToken":"t-b","ProductCode":")" + product +
          R"(","CustomerAWSAccountId":")" + account + R"(","LicenseArn":")" + license_b + R"("}])");
  BOOST_TEST_REQUIRE(added.status == 200u, added.body);

  metering_client client(f.ioc.get_executor(), *f.signer, f.client());
  const auto resolved = f.run(client.resolve_customer("t-b"));
  BOOST_TEST(resolved.license_arn == license_b);
  const time_point t = f.clock.now() - 5min;
  batch_meter_usage_input in;
  in.usage_records = {licensed(license_a, 3, t), licensed(license_b, 4, t)};
  const auto out = f.run(client.batch_meter_usage(in));
  for (const auto& r : out.results) BOOST_TEST((r.status == usage_record_status::success));

  const auto ledger = admin(f, http::verb::get, "ledger");
  BOOST_TEST_REQUIRE(ledger.status == 200u);
  const auto jv = boost::json::parse(ledger.body);
  std::map<std::string, std::int64_t> per_license;
  for (const auto& t : jv.at("totals").as_array())
    per_license[std::string(t.at("LicenseArn").as_string())] += t.at("Quantity").as_int64();
  BOOST_TEST(per_license.size() == 2u);
  BOOST_TEST(per_license[license_a] == 3);
  BOOST_TEST(per_license[license_b] == 4);
}

BOOST_AUTO_TEST_SUITE_END()
