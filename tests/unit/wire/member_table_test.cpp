// The member-table codec's presence rules, by table: what each presence writes for a set and an
// unset value, and what decoding an absent member leaves behind (also into a reused struct).
#include <awsmp/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "wire/wire_codec.hpp"

using namespace awsmp;
namespace codec = awsmp::detail;

namespace {

template <class T>
std::string encode(const T& v) {
  std::string out;
  codec::write_json(out, v);
  return out;
}

template <class T>
void decode_into(std::string_view body, T& out) {
  codec::read_json(boost::json::parse(body), codec::json_path{}, out);
}

}  // namespace

BOOST_AUTO_TEST_CASE(presence_decides_what_is_written) {
  struct row {
    std::string name;
    std::string body;
    std::string expected;
  };
  meter_usage_output empty_output;
  meter_usage_input meter;
  meter.product_code = "p";
  meter.dimension = "d";
  meter.timestamp = time_point(std::chrono::seconds(1700000000));
  meter_usage_input dry = meter;
  dry.dry_run = true;
  dry.client_token = "t";
  get_entitlements_input page;
  page.product_code = "p";
  get_entitlements_input page_set = page;
  page_set.max_results = 5;
  const std::vector<row> table{
      // defaulted: written even when empty or zero
      {"defaulted empty string", encode(empty_output), R"({"MeteringRecordId": ""})"},
      {"defaulted zero and unset optionals", encode(meter),
       R"({"ProductCode": "p", "Timestamp": 1700000000, "UsageDimension": "d", "UsageQuantity": 0})"},
      // optional: written only when set (true, non-empty, non-zero)
      {"optional bool and string when set", encode(dry),
       R"({"ProductCode": "p", "Timestamp": 1700000000, "UsageDimension": "d", "UsageQuantity": 0, )"
       R"("DryRun": true, "ClientToken": "t"})"},
      {"optional int left out at 0", encode(page), R"({"ProductCode": "p"})"},
      {"optional int written when set", encode(page_set), R"({"ProductCode": "p", "MaxResults": 5})"},
      {"defaulted lists written empty", encode(batch_meter_usage_output{}),
       R"({"Results": [], "UnprocessedRecords": []})"},
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.name) {
      BOOST_TEST(r.body == r.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(absent_members_decode_as_unset_even_into_a_reused_struct) {
  usage_record r;
  r.customer_identifier = "stale";
  r.customer_aws_account_id = "1";
  r.license_arn = "arn:stale";
  r.quantity = 9;
  r.usage_allocations = {{9, {}}};
  decode_into(R"({"Timestamp": 1700000000, "Dimension": "d"})", r);
  BOOST_TEST(r.customer_identifier.empty());
  BOOST_TEST(r.customer_aws_account_id.empty());
  BOOST_TEST(r.license_arn.empty());
  BOOST_TEST(r.quantity == 0);
  BOOST_TEST(r.usage_allocations.empty());
  BOOST_TEST(r.dimension == "d");

  marketplace_entitlement e;
  e.value = std::int64_t{5};
  e.expiration_date = time_point{};
  decode_into(R"({"ProductCode": "p", "Value": null})", e);  // null means absent
  BOOST_TEST(std::holds_alternative<std::monostate>(e.value));
  BOOST_TEST(!e.expiration_date.has_value());
  BOOST_TEST(e.product_code == "p");
}

BOOST_AUTO_TEST_CASE(required_members_are_refused_when_absent_or_null_naming_the_path) {
  struct row {
    std::string body;
    std::string path;
  };
  const std::vector<row> table{
      {R"({"UsageRecords": [{"Timestamp": 1, "Dimension": "d"}, {"Timestamp": 1}]})",
       "UsageRecords[1].Dimension"},
      {R"({"UsageRecords": [{"Dimension": "d"}]})", "UsageRecords[0].Timestamp"},
      {R"({"UsageRecords": null})", "UsageRecords"},
      {R"({"UsageRecords": [{"Timestamp": 1, "Dimension": "d", "UsageAllocations": [{"Tags": []}]}]})",
       "UsageRecords[0].UsageAllocations[0].AllocatedUsageQuantity"},
      {R"({"UsageRecords": [{"Timestamp": 1, "Dimension": "d", "UsageAllocations": )"
       R"([{"AllocatedUsageQuantity": 1, "Tags": [{"Key": "k"}]}]}]})",
       "UsageRecords[0].UsageAllocations[0].Tags[0].Value"},
  };
  for (const auto& r : table) {
    BOOST_TEST_CONTEXT(r.body) {
      batch_meter_usage_input in;
      try {
        decode_into(r.body, in);
        BOOST_TEST(false, "decoded without a required member");
      } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == errc::malformed_message));
        BOOST_TEST(std::string(e.what()).find(r.path) != std::string::npos, e.what());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(enum_forms_list_their_spellings) {
  BOOST_TEST(codec::wire_form<usage_record_status>::choices() ==
             "must be Success, CustomerNotSubscribed or DuplicateRecord");
  BOOST_TEST(codec::wire_form<entitlement_filter>::choices() ==
             "must be CUSTOMER_IDENTIFIER, DIMENSION, CUSTOMER_AWS_ACCOUNT_ID or LICENSE_ARN");
}
