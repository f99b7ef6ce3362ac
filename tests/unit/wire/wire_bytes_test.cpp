// The bytes awsmp puts on the wire, compared with what botocore serialises for the same input.
#include "wire_samples.hpp"

#include <awsmp/wire.hpp>

#include <boost/test/unit_test.hpp>

using namespace awsmp;
using awsmp::test::read_data_file;

BOOST_AUTO_TEST_SUITE(wire_bytes)

BOOST_AUTO_TEST_CASE(batch_meter_usage_matches_botocore) {
  BOOST_TEST(wire::encode(test::sample_batch()) == read_data_file("BatchMeterUsage/request.json"));
}

BOOST_AUTO_TEST_CASE(batch_meter_usage_sub_second_timestamps_match_botocore_millisecond_mode) {
  BOOST_TEST(wire::encode(test::sample_batch_millisecond()) ==
             read_data_file("BatchMeterUsage/request_millisecond.json"));
}

BOOST_AUTO_TEST_CASE(empty_batch_keeps_the_required_list) {
  batch_meter_usage_input in;
  in.product_code = "p";
  BOOST_TEST(wire::encode(in) == read_data_file("BatchMeterUsage/request_empty.json"));
}

BOOST_AUTO_TEST_CASE(meter_usage_matches_botocore) {
  BOOST_TEST(wire::encode(test::sample_meter_usage()) == read_data_file("MeterUsage/request.json"));
  BOOST_TEST(wire::encode(test::sample_meter_usage_minimal()) == read_data_file("MeterUsage/request_minimal.json"));
}

BOOST_AUTO_TEST_CASE(resolve_customer_matches_botocore) {
  BOOST_TEST(wire::encode(resolve_customer_input{"AbC+dEf/0123456789=="}) ==
             read_data_file("ResolveCustomer/request.json"));
}

BOOST_AUTO_TEST_CASE(get_entitlements_matches_botocore) {
  BOOST_TEST(wire::encode(test::sample_get_entitlements()) == read_data_file("GetEntitlements/request.json"));
  get_entitlements_input minimal;
  minimal.product_code = "prod-abc123example";
  BOOST_TEST(wire::encode(minimal) == read_data_file("GetEntitlements/request_minimal.json"));
}

BOOST_AUTO_TEST_CASE(targets_and_hosts) {
  BOOST_TEST(wire::metering_host("us-east-1") == "metering.marketplace.us-east-1.amazonaws.com");
  BOOST_TEST(wire::entitlement_host("us-east-1") == "entitlement.marketplace.us-east-1.amazonaws.com");
  BOOST_TEST(wire::metering_host("cn-north-1") == "metering.marketplace.cn-north-1.amazonaws.com.cn");
  BOOST_TEST(wire::target_batch_meter_usage == "AWSMPMeteringService.BatchMeterUsage");
  BOOST_TEST(wire::target_get_entitlements == "AWSMPEntitlementService.GetEntitlements");
  BOOST_TEST(wire::content_type == "application/x-amz-json-1.1");
}

BOOST_AUTO_TEST_SUITE_END()
