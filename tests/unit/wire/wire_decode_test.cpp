// Decoding AWS responses (and requests, for the emulator) into known values; malformed input.
#include "wire_samples.hpp"

#include <awsmp/error.hpp>
#include <awsmp/wire.hpp>

#include <boost/test/unit_test.hpp>

#include <sstream>

using namespace awsmp;
using awsmp::test::at;
using awsmp::test::read_data_file;

BOOST_AUTO_TEST_SUITE(wire_decode)

BOOST_AUTO_TEST_CASE(batch_meter_usage_response) {
  const auto out = wire::decode<batch_meter_usage_output>(read_data_file("BatchMeterUsage/response.json"));
  BOOST_TEST_REQUIRE(out.results.size() == 3u);
  const auto& r0 = out.results[0];
  BOOST_TEST(r0.metering_record_id == "a1b2c3d4-0000-4000-8000-000000000001");
  BOOST_TEST(r0.status == usage_record_status::success);
  BOOST_TEST(r0.record.customer_identifier == "cust-0001");
  BOOST_TEST(r0.record.dimension == "tokens_1m");
  BOOST_TEST(r0.record.quantity == 42);
  BOOST_TEST((r0.record.timestamp == at(1700000000)));  // sent as 1.7E9
  BOOST_TEST_REQUIRE(r0.record.usage_allocations.size() == 2u);
  BOOST_TEST(r0.record.usage_allocations[0].allocated_usage_quantity == 40);
  BOOST_TEST_REQUIRE(r0.record.usage_allocations[0].tags.size() == 2u);
  BOOST_TEST(r0.record.usage_allocations[0].tags[1].key == "env");
  BOOST_TEST(r0.record.usage_allocations[0].tags[1].value == "prod west");
  BOOST_TEST(r0.record.usage_allocations[1].allocated_usage_quantity == 2);
  BOOST_TEST(r0.record.usage_allocations[1].tags.empty());

  const auto& r1 = out.results[1];
  BOOST_TEST(r1.status == usage_record_status::customer_not_subscribed);
  BOOST_TEST(r1.metering_record_id.empty());
  BOOST_TEST(r1.record.customer_identifier.empty());
  BOOST_TEST(r1.record.customer_aws_account_id == "123456789012");
  BOOST_TEST(r1.record.license_arn == test::license_arn);
  BOOST_TEST(r1.record.quantity == 0);
  BOOST_TEST((r1.record.timestamp == at(1700003600)));

  const auto& r2 = out.results[2];
  BOOST_TEST(r2.status == usage_record_status::duplicate_record);
  BOOST_TEST((r2.record.timestamp == at(1700007200, 250)));
  BOOST_TEST(r2.record.quantity == 9);

  BOOST_TEST_REQUIRE(out.unprocessed_records.size() == 1u);
  BOOST_TEST(out.unprocessed_records[0].customer_identifier == "cust-0004");
  BOOST_TEST(out.unprocessed_records[0].quantity == 0);  // absent Quantity is 0
  BOOST_TEST((out.unprocessed_records[0].timestamp == at(1700010800)));
}

BOOST_AUTO_TEST_CASE(empty_and_absent_lists) {
  const auto empty = wire::decode<batch_meter_usage_output>(read_data_file("BatchMeterUsage/response_empty.json"));
  BOOST_TEST(empty.results.empty());
  BOOST_TEST(empty.unprocessed_records.empty());
  const auto absent = wire::decode<batch_meter_usage_output>("{}");
  BOOST_TEST(absent.results.empty());
  const auto nulls = wire::decode<batch_meter_usage_output>(R"({"Results":null,"UnprocessedRecords":null})");
  BOOST_TEST(nulls.unprocessed_records.empty());
}

BOOST_AUTO_TEST_CASE(meter_usage_and_resolve_customer_responses) {
  BOOST_TEST(wire::decode<meter_usage_output>(read_data_file("MeterUsage/response.json")).metering_record_id ==
             "b2c3d4e5-0000-4000-8000-000000000007");
  const auto c = wire::decode<resolve_customer_output>(read_data_file("ResolveCustomer/response.json"));
  BOOST_TEST(c.customer_identifier == "cust-0001");
  BOOST_TEST(c.product_code == "prod-abc123example");
  BOOST_TEST(c.customer_aws_account_id == "123456789012");
  BOOST_TEST(c.license_arn == test::license_arn);
}

BOOST_AUTO_TEST_CASE(get_entitlements_response) {
  const auto out = wire::decode<get_entitlements_output>(read_data_file("GetEntitlements/response.json"));
  BOOST_TEST(out.next_token == "next-page-token");
  BOOST_TEST_REQUIRE(out.entitlements.size() == 5u);
  const auto& e = out.entitlements;
  BOOST_TEST(e[0].customer_identifier == "cust-0001");
  BOOST_TEST(e[0].product_code == "prod-abc123example");
  BOOST_TEST((e[0].value == entitlement_value(std::int64_t{1000})));
  BOOST_TEST_REQUIRE(e[0].expiration_date.has_value());
  BOOST_TEST((*e[0].expiration_date == at(1731600000)));
  BOOST_TEST((e[1].value == entitlement_value(true)));
  BOOST_TEST((*e[1].expiration_date == at(1731600000, 500)));
  BOOST_TEST((e[2].value == entitlement_value(2.5)));
  BOOST_TEST(!e[2].expiration_date.has_value());
  BOOST_TEST((e[3].value == entitlement_value(std::string("gold"))));
  BOOST_TEST(!e[3].expiration_date.has_value());  // null is absent
  BOOST_TEST(std::holds_alternative<std::monostate>(e[4].value));
  BOOST_TEST(e[4].customer_aws_account_id == "123456789012");
  BOOST_TEST(e[4].license_arn == test::license_arn);
}

BOOST_AUTO_TEST_CASE(requests_decode_to_what_was_encoded_by_botocore) {
  // The emulator decodes requests; botocore's bytes must give back the inputs built in C++.
  BOOST_TEST((wire::decode<batch_meter_usage_input>(read_data_file("BatchMeterUsage/request.json")) ==
              test::sample_batch()));
  BOOST_TEST((wire::decode<batch_meter_usage_input>(read_data_file("BatchMeterUsage/request_millisecond.json")) ==
              test::sample_batch_millisecond()));
  BOOST_TEST((wire::decode<meter_usage_input>(read_data_file("MeterUsage/request.json")) == test::sample_meter_usage()));
  BOOST_TEST((wire::decode<meter_usage_input>(read_data_file("MeterUsage/request_minimal.json")) ==
              test::sample_meter_usage_minimal()));
  BOOST_TEST(wire::decode<resolve_customer_input>(read_data_file("ResolveCustomer/request.json")).registration_token ==
             "AbC+dEf/0123456789==");
  BOOST_TEST((wire::decode<get_entitlements_input>(read_data_file("GetEntitlements/request.json")) ==
              test::sample_get_entitlements()));
}

BOOST_AUTO_TEST_CASE(integral_doubles_are_accepted_as_integers) {
  const auto out = wire::decode<meter_usage_input>(
      R"({"ProductCode":"p","Timestamp":1700000000,"UsageDimension":"d","UsageQuantity":5.0})");
  BOOST_TEST(out.quantity == 5);
  const auto edge = wire::decode<meter_usage_input>(
      R"({"ProductCode":"p","Timestamp":1700000000,"UsageDimension":"d","UsageQuantity":2147483647})");
  BOOST_TEST(edge.quantity == 2147483647);
  const auto low = wire::decode<meter_usage_input>(
      R"({"ProductCode":"p","Timestamp":-1.5,"UsageDimension":"d","UsageQuantity":-2147483648})");
  BOOST_TEST(low.quantity == -2147483648);  // decoding is not validation
  BOOST_TEST((low.timestamp == at(-2, 500)));
}

BOOST_AUTO_TEST_CASE(fractional_timestamps_round_to_the_millisecond) {
  auto ts = [](std::string_view number) {
    const std::string body = R"({"ProductCode":"p","UsageDimension":"d","Timestamp":)" + std::string(number) + "}";
    return wire::decode<meter_usage_input>(body).timestamp;
  };
  BOOST_TEST((ts("1700000000.123") == at(1700000000, 123)));  // the double is just below .123
  BOOST_TEST((ts("1700000000.9999") == at(1700000001)));
  BOOST_TEST((ts("1.0004") == at(1)));
  BOOST_TEST((ts("-0.25") == at(0, -250)));
  // Stable through encode: what is decoded is what would be sent again.
  const auto in = wire::decode<meter_usage_input>(R"({"ProductCode":"p","UsageDimension":"d","Timestamp":1.0006})");
  BOOST_TEST((wire::decode<meter_usage_input>(wire::encode(in)) == in));
}

BOOST_AUTO_TEST_CASE(non_finite_numbers_are_malformed) {
  BOOST_CHECK_THROW((void)wire::decode<get_entitlements_output>(R"({"Entitlements":[{"Value":{"DoubleValue":1e400}}]})"),
                    boost::system::system_error);
  BOOST_CHECK_THROW((void)wire::decode<meter_usage_input>(R"({"ProductCode":"p","UsageDimension":"d","Timestamp":-1e400})"),
                    boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(required_members_of_requests) {
  auto expect = [](std::string_view body, std::string_view path) {
    try {
      (void)wire::decode<meter_usage_input>(body);
      BOOST_ERROR("accepted " << body);
    } catch (const boost::system::system_error& e) {
      BOOST_TEST((e.code() == errc::malformed_message));
      BOOST_TEST(std::string(e.what()).starts_with(std::string(path) + ": "), e.what());
    }
  };
  expect(R"({"Timestamp":1,"UsageDimension":"d"})", "ProductCode");
  expect(R"({"ProductCode":"p","UsageDimension":"d"})", "Timestamp");
  expect(R"({"ProductCode":"p","Timestamp":1})", "UsageDimension");
  expect(R"({"ProductCode":"p","Timestamp":1,"UsageDimension":"d","DryRun":"yes"})", "DryRun");
}

BOOST_AUTO_TEST_CASE(malformed_bodies_name_the_member) {
  std::istringstream manifest(read_data_file("malformed.tsv"));
  std::string line;
  int cases = 0;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto t1 = line.find('\t');
    const auto t2 = line.find('\t', t1 + 1);
    BOOST_TEST_REQUIRE((t1 != std::string::npos && t2 != std::string::npos));
    const std::string file = line.substr(0, t1);
    const std::string shape = line.substr(t1 + 1, t2 - t1 - 1);
    const std::string path = line.substr(t2 + 1);
    const std::string body = read_data_file(file);
    BOOST_TEST_CONTEXT(file) {
      try {
        if (shape == "BatchMeterUsageResult") (void)wire::decode<batch_meter_usage_output>(body);
        else if (shape == "MeterUsageResult") (void)wire::decode<meter_usage_output>(body);
        else if (shape == "ResolveCustomerResult") (void)wire::decode<resolve_customer_output>(body);
        else if (shape == "GetEntitlementsResult") (void)wire::decode<get_entitlements_output>(body);
        else if (shape == "GetEntitlementsRequest") (void)wire::decode<get_entitlements_input>(body);
        else BOOST_FAIL("unknown shape " << shape);
        BOOST_ERROR("decoded without error");
      } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == errc::malformed_message));
        BOOST_TEST(std::string(e.what()).starts_with(path + ": "), "message: " << e.what());
      }
    }
    ++cases;
  }
  BOOST_TEST(cases >= 30);
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_rejected_not_crashing) {
  const std::string deep = "{\"Results\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  BOOST_CHECK_THROW((void)wire::decode<batch_meter_usage_output>(deep), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
