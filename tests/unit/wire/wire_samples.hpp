// Inputs that test/data/wire/botocore_requests.py builds the same way in Python, and a file reader.
#pragma once

#include <awsmp/entitlement_service_types.hpp>
#include <awsmp/metering_types.hpp>

#include <chrono>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace awsmp {
// Lets BOOST_TEST print the enums when a comparison fails.
inline std::ostream& boost_test_print_type(std::ostream& os, usage_record_status s) { return os << to_string(s); }
inline std::ostream& boost_test_print_type(std::ostream& os, entitlement_filter f) { return os << to_string(f); }
}  // namespace awsmp

namespace awsmp::test {

inline std::string read_data_file(const std::string& relative) {
  const std::string path = std::string(AWSMP_TEST_DATA_DIR) + "/wire/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline time_point at(std::int64_t seconds, std::int64_t millis = 0) {
  return time_point(std::chrono::seconds(seconds)) + std::chrono::milliseconds(millis);
}

inline const std::string license_arn = "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0";

inline batch_meter_usage_input sample_batch() {
  batch_meter_usage_input in;
  in.product_code = "prod-abc123example";
  usage_record r1;
  r1.timestamp = at(1700000000);
  r1.customer_identifier = "cust-0001";
  r1.dimension = "tokens_1m";
  r1.quantity = 42;
  r1.usage_allocations = {{40, {{"team", "search"}, {"env", "prod west"}}}, {2, {}}};
  usage_record r2;
  r2.timestamp = at(1700003600);
  r2.dimension = "tokens_1m";
  r2.quantity = 0;
  r2.customer_aws_account_id = "123456789012";
  r2.license_arn = license_arn;
  usage_record r3;
  r3.timestamp = at(1700007200);
  r3.customer_identifier = "cust \"quoted\" \\ back";
  r3.dimension = "t\xc3\xb6kens\n\xf0\x9f\x98\x80\x7f\x01";
  r3.quantity = 2147483647;
  in.usage_records = {r1, r2, r3};
  return in;
}

inline batch_meter_usage_input sample_batch_millisecond() {
  batch_meter_usage_input in;
  in.product_code = "prod-abc123example";
  const std::pair<std::int64_t, std::int64_t> times[] = {{1700000000, 125}, {1700000000, 500}, {1700000001, 10}, {1700000001, 999}};
  for (int i = 0; i < 4; ++i) {
    usage_record r;
    r.timestamp = at(times[i].first, times[i].second);
    r.customer_identifier = "c" + std::to_string(i + 1);
    r.dimension = "d";
    r.quantity = i + 1;
    in.usage_records.push_back(r);
  }
  return in;
}

inline meter_usage_input sample_meter_usage() {
  meter_usage_input in;
  in.product_code = "prod-abc123example";
  in.timestamp = at(1700000000);
  in.dimension = "tokens_1m";
  in.quantity = 7;
  in.dry_run = true;
  in.usage_allocations = {{7, {{"k:1", "v=1 /@"}}}};
  in.client_token = "7f0c1b1e-2d3c-4b5a-8f9e-0a1b2c3d4e5f";
  return in;
}

inline meter_usage_input sample_meter_usage_minimal() {
  meter_usage_input in;
  in.product_code = "prod-abc123example";
  in.timestamp = at(1700000000);
  in.dimension = "tokens_1m";
  return in;
}

inline get_entitlements_input sample_get_entitlements() {
  get_entitlements_input in;
  in.product_code = "prod-abc123example";
  in.filter[entitlement_filter::customer_identifier] = {"cust-0001", "cust-0002"};
  in.filter[entitlement_filter::dimension] = {"tokens_1m"};
  in.next_token = "page-2-token";
  in.max_results = 25;
  return in;
}

}  // namespace awsmp::test
