// Random requests encoded by awsmp, checked byte for byte by botocore's own serializer
// (test/data/wire/botocore_compare.py). Skipped when python3 or botocore is missing.
#include <sys/wait.h>

#include <awsmp/wire.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>

#include "support/skip.hpp"
#include "wire_samples.hpp"

using namespace awsmp;

namespace {

class generator {
 public:
  explicit generator(unsigned seed) : rng_(seed) {}

  int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool coin() { return between(0, 1) == 1; }

  std::string text() {
    static const char* const pieces[] = {"a",
                                         "Z",
                                         "9",
                                         "-",
                                         "_",
                                         " ",
                                         "\"",
                                         "\\",
                                         "/",
                                         "\n",
                                         "\t",
                                         "\x01",
                                         "\x1f",
                                         "\x7f",
                                         "~",
                                         "\xc2\x80",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xef\xbf\xbf",
                                         "\xf0\x9f\x98\x80",
                                         "\xf4\x8f\xbf\xbf",
                                         "tokens_1m",
                                         "+/="};
    std::string s;
    const int n = between(1, 10);
    for (int i = 0; i < n; ++i) s += pieces[between(0, static_cast<int>(std::size(pieces)) - 1)];
    return s;
  }

  time_point when(bool millis) {
    const auto seconds = std::uniform_int_distribution<std::int64_t>(1, 4'000'000'000)(rng_);
    return test::at(seconds, millis ? between(1, 999) : 0);
  }

  std::vector<usage_allocation> allocations() {
    std::vector<usage_allocation> out(static_cast<std::size_t>(between(0, 3)));
    for (auto& a : out) {
      a.allocated_usage_quantity = between(0, 1'000'000);
      a.tags.resize(static_cast<std::size_t>(between(0, 5)));
      for (auto& t : a.tags) t = {text(), text()};
    }
    return out;
  }

  batch_meter_usage_input batch(bool millis) {
    batch_meter_usage_input in;
    if (coin()) in.product_code = text();
    in.usage_records.resize(static_cast<std::size_t>(between(0, 4)));
    for (auto& r : in.usage_records) {
      if (coin()) r.customer_identifier = text();
      if (coin()) r.customer_aws_account_id = "123456789012";
      if (coin()) r.license_arn = test::license_arn;
      r.dimension = text();
      r.quantity = std::uniform_int_distribution<std::int32_t>(0, 2147483647)(rng_);
      r.timestamp = when(millis);
      r.usage_allocations = allocations();
    }
    return in;
  }

  meter_usage_input meter(bool millis) {
    meter_usage_input in;
    in.product_code = text();
    in.dimension = text();
    in.quantity = between(0, 2147483647);
    in.timestamp = when(millis);
    in.usage_allocations = allocations();
    in.dry_run = coin();
    if (coin()) in.client_token = text();
    return in;
  }

  get_entitlements_input entitlements() {
    get_entitlements_input in;
    in.product_code = text();
    for (auto f : {entitlement_filter::customer_identifier, entitlement_filter::dimension,
                   entitlement_filter::customer_aws_account_id, entitlement_filter::license_arn}) {
      if (!coin()) continue;
      auto& values = in.filter[f];
      values.resize(static_cast<std::size_t>(between(1, 3)));
      for (auto& v : values) v = text();
    }
    if (coin()) in.next_token = text();
    if (coin()) in.max_results = between(1, 25);
    return in;
  }

 private:
  std::mt19937 rng_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(wire_botocore_random)

BOOST_AUTO_TEST_CASE(random_requests_match_botocore_byte_for_byte) {
  const std::filesystem::path dir = std::filesystem::path(AWSMP_TEST_BINARY_DIR) / "wire_botocore_random";
  std::filesystem::create_directories(dir);
  const auto bodies = dir / "bodies.tsv";
  {
    std::ofstream out(bodies, std::ios::binary);
    generator g(424242);
    for (int i = 0; i < 100; ++i) {
      const bool millis = i % 2 == 1;  // botocore has one precision per serializer
      const char* precision = millis ? "millisecond" : "second";
      out << "BatchMeterUsage\t" << precision << '\t' << wire::encode(g.batch(millis)) << '\n';
      out << "MeterUsage\t" << precision << '\t' << wire::encode(g.meter(millis)) << '\n';
      out << "GetEntitlements\tsecond\t" << wire::encode(g.entitlements()) << '\n';
      out << "ResolveCustomer\tsecond\t" << wire::encode(resolve_customer_input{g.text()}) << '\n';
    }
  }
  const std::string script = std::string(AWSMP_TEST_DATA_DIR) + "/wire/botocore_compare.py";
  const std::string log = (dir / "result.txt").string();
  const std::string command = std::string("\"") + AWSMP_PYTHON + "\" \"" + script + "\" \"" +
                              bodies.string() + "\" > \"" + log + "\" 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log);
  const std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    awsmp::test::skip("botocore comparison: " + output);
    return;
  }
  BOOST_TEST(status == 0, "botocore disagrees:\n" << output);
  BOOST_TEST(output.find("400 bodies compared with botocore, 0 mismatches") != std::string::npos, output);
}

BOOST_AUTO_TEST_SUITE_END()
