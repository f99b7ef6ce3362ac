// Boost.JSON conversions (value_from / value_to) agree with the wire encoder, and enums.
#include <awsmp/error.hpp>
#include <awsmp/wire.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>

#include "wire_samples.hpp"

using namespace awsmp;
using awsmp::test::at;
namespace json = boost::json;

namespace {

batch_meter_usage_output sample_batch_output() {
  batch_meter_usage_output out;
  auto batch = test::sample_batch();
  out.results.push_back({batch.usage_records[0], "id-1", usage_record_status::success});
  out.results.push_back({batch.usage_records[1], "", usage_record_status::customer_not_subscribed});
  out.results.push_back({batch.usage_records[2], "id-3", usage_record_status::duplicate_record});
  out.unprocessed_records.push_back(test::sample_batch_millisecond().usage_records[0]);
  return out;
}

get_entitlements_output sample_entitlements() {
  get_entitlements_output out;
  out.next_token = "n";
  marketplace_entitlement e;
  e.product_code = "p";
  e.dimension = "d";
  e.customer_identifier = "c";
  e.value = std::int64_t{-5};
  e.expiration_date = at(1731600000, 250);
  out.entitlements.push_back(e);
  e.value = 0.1;
  e.expiration_date.reset();
  out.entitlements.push_back(e);
  e.value = false;
  e.customer_identifier.clear();
  e.customer_aws_account_id = "123456789012";
  e.license_arn = test::license_arn;
  out.entitlements.push_back(e);
  e.value = std::string("gold \"tier\"");
  out.entitlements.push_back(e);
  e.value = std::monostate{};
  out.entitlements.push_back(e);
  return out;
}

// value_from must build the same members, in the same order, as the string encoder.
template <class T>
void check_agrees_with_encoder(const T& v) {
  const json::value from = json::value_from(v);
  const json::value parsed = json::parse(wire::encode(v));
  BOOST_TEST(json::serialize(from) == json::serialize(parsed));
  BOOST_TEST((json::value_to<T>(from) == v));
  BOOST_TEST((wire::decode<T>(wire::encode(v)) == v));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(wire_conversion)

BOOST_AUTO_TEST_CASE(value_from_agrees_with_encode_for_every_type) {
  check_agrees_with_encoder(test::sample_batch());
  check_agrees_with_encoder(test::sample_batch_millisecond());
  check_agrees_with_encoder(test::sample_meter_usage());
  check_agrees_with_encoder(test::sample_meter_usage_minimal());
  check_agrees_with_encoder(resolve_customer_input{"tok"});
  check_agrees_with_encoder(test::sample_get_entitlements());
  check_agrees_with_encoder(sample_batch_output());
  check_agrees_with_encoder(batch_meter_usage_output{});
  check_agrees_with_encoder(meter_usage_output{"mid"});
  check_agrees_with_encoder(resolve_customer_output{"c", "p", "123", test::license_arn});
  check_agrees_with_encoder(resolve_customer_output{});
  check_agrees_with_encoder(sample_entitlements());
}

BOOST_AUTO_TEST_CASE(response_encoding_shapes) {
  // What the emulator answers: both lists always present, empty members omitted.
  BOOST_TEST(wire::encode(batch_meter_usage_output{}) == R"({"Results": [], "UnprocessedRecords": []})");
  BOOST_TEST(wire::encode(resolve_customer_output{"c", "p", "", ""}) ==
             R"({"CustomerIdentifier": "c", "ProductCode": "p"})");
  const auto ents = wire::encode(sample_entitlements());
  BOOST_TEST(
      ents.find(R"("Value": {"IntegerValue": -5}, "ExpirationDate": 1731600000.25)") != std::string::npos,
      ents);
  BOOST_TEST(ents.find(R"("Value": {"DoubleValue": 0.1})") != std::string::npos, ents);
  BOOST_TEST(ents.find(R"("Value": {"BooleanValue": false})") != std::string::npos, ents);
  BOOST_TEST(ents.find(R"("Value": {"StringValue": "gold \"tier\""})") != std::string::npos, ents);
}

BOOST_AUTO_TEST_CASE(timestamps_as_json_values) {
  BOOST_TEST(
      json::value_from(usage_record{"c", "", "", "d", 1, at(1700000000), {}}).at("Timestamp").is_int64());
  const auto frac =
      json::value_from(usage_record{"c", "", "", "d", 1, at(1700000000, 125), {}}).at("Timestamp");
  BOOST_TEST_REQUIRE(frac.is_double());
  BOOST_TEST(frac.as_double() == 1700000000.125);
}

BOOST_AUTO_TEST_CASE(value_to_rejects_malformed_values_naming_the_member) {
  try {
    (void)json::value_to<usage_record>(json::parse(R"({"Timestamp":1,"Dimension":"d","Quantity":"x"})"));
    BOOST_ERROR("accepted");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == errc::malformed_message));
    BOOST_TEST(std::string(e.what()) == "Quantity: must be an integer, got a string");
  }
  BOOST_CHECK_THROW((void)json::value_to<tag>(json::value(3)), boost::system::system_error);
  // A Status AWS may add later decodes to unknown (it must not discard a whole answer); a
  // caller naming a status still gets the strict from_string.
  BOOST_TEST((json::value_to<usage_record_status>(json::value("success")) == usage_record_status::unknown));
  BOOST_CHECK_THROW((void)from_string<usage_record_status>("success"), boost::system::system_error);
  BOOST_CHECK_THROW((void)json::value_to<usage_record_status>(json::value(3)), boost::system::system_error);
  BOOST_CHECK_THROW((void)json::value_to<entitlement_filter>(json::value("dimension")),
                    boost::system::system_error);
  BOOST_CHECK_THROW(
      (void)json::value_to<usage_allocation>(json::parse(R"({"AllocatedUsageQuantity":1,"Tags":{}})")),
      boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(enum_spellings) {
  BOOST_TEST(to_string(usage_record_status::success) == "Success");
  BOOST_TEST(to_string(usage_record_status::customer_not_subscribed) == "CustomerNotSubscribed");
  BOOST_TEST(to_string(usage_record_status::duplicate_record) == "DuplicateRecord");
  for (auto s : {usage_record_status::success, usage_record_status::customer_not_subscribed,
                 usage_record_status::duplicate_record}) {
    BOOST_TEST((from_string<usage_record_status>(to_string(s)) == s));
    BOOST_TEST((json::value_to<usage_record_status>(json::value_from(s)) == s));
  }
  BOOST_TEST(to_string(entitlement_filter::customer_identifier) == "CUSTOMER_IDENTIFIER");
  BOOST_TEST(to_string(entitlement_filter::dimension) == "DIMENSION");
  BOOST_TEST(to_string(entitlement_filter::customer_aws_account_id) == "CUSTOMER_AWS_ACCOUNT_ID");
  BOOST_TEST(to_string(entitlement_filter::license_arn) == "LICENSE_ARN");
  for (auto f : {entitlement_filter::customer_identifier, entitlement_filter::dimension,
                 entitlement_filter::customer_aws_account_id, entitlement_filter::license_arn}) {
    BOOST_TEST((from_string<entitlement_filter>(to_string(f)) == f));
    BOOST_TEST((json::value_to<entitlement_filter>(json::value_from(f)) == f));
  }
  try {
    (void)from_string<usage_record_status>("success");
    BOOST_ERROR("accepted a lower-case status");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == errc::invalid_argument));
  }
  BOOST_CHECK_THROW((void)from_string<entitlement_filter>(""), boost::system::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
