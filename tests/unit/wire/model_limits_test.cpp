// The limits and patterns that validation enforces, read back from the official service models
// (test/data/wire/models/), so that a model change cannot silently drift from the code.
#include <awsmp/error.hpp>
#include <awsmp/validation.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "wire/rules.hpp"
#include "wire/wire_codec.hpp"

using namespace awsmp;
namespace json = boost::json;

namespace {

json::object shapes(const std::string& file) {
  std::ifstream in(std::string(AWSMP_TEST_DATA_DIR) + "/wire/models/" + file, std::ios::binary);
  BOOST_TEST_REQUIRE(static_cast<bool>(in), file);
  std::ostringstream s;
  s << in.rdbuf();
  return json::parse(s.str()).at("shapes").as_object();
}

const json::object& metering() {
  static const json::object s = shapes("meteringmarketplace-2016-01-14.service-2.json");
  return s;
}

const json::object& entitlement() {
  static const json::object s = shapes("marketplace-entitlement-2017-01-11.service-2.json");
  return s;
}

std::int64_t limit(const json::object& shapes, std::string_view shape, std::string_view key) {
  return shapes.at(shape).at(key).to_number<std::int64_t>();
}

std::string pattern(const json::object& shapes, std::string_view shape) {
  return std::string(shapes.at(shape).at("pattern").as_string());
}

bool accepted(const std::function<void()>& f) {
  try {
    f();
    return true;
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == errc::invalid_argument));
    return false;
  }
}

usage_record record_with_allocations(std::size_t allocations, std::size_t tags, std::size_t key_len,
                                     std::size_t value_len) {
  usage_record r;
  r.customer_identifier = "c";
  r.dimension = "d";
  r.timestamp = time_point(std::chrono::seconds(1700000000));
  r.quantity = 0;
  r.usage_allocations.assign(allocations,
                             usage_allocation{0, std::vector<tag>(tags, tag{std::string(key_len, 'k'),
                                                                            std::string(value_len, 'v')})});
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(model_limits)

BOOST_AUTO_TEST_CASE(constants_equal_the_model) {
  BOOST_TEST(static_cast<std::int64_t>(max_batch_records) == limit(metering(), "UsageRecordList", "max"));
  BOOST_TEST(max_quantity == limit(metering(), "UsageQuantity", "max"));
  BOOST_TEST(max_quantity == limit(metering(), "AllocatedUsageQuantity", "max"));
  BOOST_TEST(limit(metering(), "UsageQuantity", "min") == 0);
  BOOST_TEST(static_cast<std::int64_t>(max_identifier_length) == limit(metering(), "ProductCode", "max"));
  BOOST_TEST(static_cast<std::int64_t>(max_identifier_length) == limit(metering(), "UsageDimension", "max"));
  BOOST_TEST(static_cast<std::int64_t>(max_identifier_length) ==
             limit(metering(), "CustomerIdentifier", "max"));
  BOOST_TEST(static_cast<std::int64_t>(max_identifier_length) == limit(entitlement(), "ProductCode", "max"));
  // The rule book's limits, which the emulator reads as well.
  namespace rules = awsmp::detail;
  BOOST_TEST(static_cast<std::int64_t>(rules::max_product_code_length) ==
             limit(metering(), "ProductCode", "max"));
  BOOST_TEST(static_cast<std::int64_t>(rules::max_dimension_length) ==
             limit(metering(), "UsageDimension", "max"));
  BOOST_TEST(static_cast<std::int64_t>(rules::max_allocations) ==
             limit(metering(), "UsageAllocations", "max"));
  BOOST_TEST(static_cast<std::int64_t>(rules::max_tags) == limit(metering(), "TagList", "max"));
  BOOST_TEST(static_cast<std::int64_t>(rules::max_tag_key_length) == limit(metering(), "TagKey", "max"));
  BOOST_TEST(static_cast<std::int64_t>(rules::max_tag_value_length) == limit(metering(), "TagValue", "max"));
  BOOST_TEST(static_cast<std::int64_t>(rules::max_client_token_length) ==
             limit(metering(), "ClientToken", "max"));
  BOOST_TEST(static_cast<std::int64_t>(rules::max_page_size) ==
             limit(entitlement(), "PageSizeInteger", "max"));
}

BOOST_AUTO_TEST_CASE(patterns_are_the_ones_implemented) {
  // If AWS changes one of these, the hand-written matcher in src/validation.cpp must follow.
  BOOST_TEST(pattern(metering(), "ProductCode") == "^[-a-zA-Z0-9/=:_.@]*$");
  BOOST_TEST(pattern(metering(), "CustomerAWSAccountId") == "^[0-9]+$");
  BOOST_TEST(pattern(metering(), "TagKey") == "^[a-zA-Z0-9+ -=._:\\/@]+$");
  BOOST_TEST(pattern(metering(), "TagValue") == "^[a-zA-Z0-9+ -=._:\\/@]+$");
  BOOST_TEST(
      pattern(metering(), "LicenseArn") ==
      "^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:"
      "[A-Za-z0-9][A-Za-z0-9:_/+=,@.-]{0,1023}$");
  BOOST_TEST(pattern(metering(), "UsageDimension") == "[\\s\\S]+");
}

BOOST_AUTO_TEST_CASE(list_and_string_limits_enforced_at_the_model_bounds) {
  const auto max_alloc = static_cast<std::size_t>(limit(metering(), "UsageAllocations", "max"));
  const auto max_tags = static_cast<std::size_t>(limit(metering(), "TagList", "max"));
  const auto max_key = static_cast<std::size_t>(limit(metering(), "TagKey", "max"));
  const auto max_value = static_cast<std::size_t>(limit(metering(), "TagValue", "max"));
  BOOST_TEST(accepted([&] { validate(record_with_allocations(max_alloc, 1, 1, 1), "R"); }));
  BOOST_TEST(!accepted([&] { validate(record_with_allocations(max_alloc + 1, 1, 1, 1), "R"); }));
  BOOST_TEST(accepted([&] { validate(record_with_allocations(1, max_tags, 1, 1), "R"); }));
  BOOST_TEST(!accepted([&] { validate(record_with_allocations(1, max_tags + 1, 1, 1), "R"); }));
  BOOST_TEST(accepted([&] { validate(record_with_allocations(1, 1, max_key, max_value), "R"); }));
  BOOST_TEST(!accepted([&] { validate(record_with_allocations(1, 1, max_key + 1, 1), "R"); }));
  BOOST_TEST(!accepted([&] { validate(record_with_allocations(1, 1, 1, max_value + 1), "R"); }));
  BOOST_TEST(limit(metering(), "TagList", "min") == 1);
  BOOST_TEST(limit(metering(), "UsageAllocations", "min") == 1);

  const auto max_token = static_cast<std::size_t>(limit(metering(), "ClientToken", "max"));
  meter_usage_input m;
  m.product_code = "p";
  m.dimension = "d";
  m.timestamp = time_point(std::chrono::seconds(1700000000));
  m.client_token.assign(max_token, 't');
  BOOST_TEST(accepted([&] { validate(m); }));
  m.client_token.assign(max_token + 1, 't');
  BOOST_TEST(!accepted([&] { validate(m); }));

  get_entitlements_input g;
  g.product_code = "p";
  g.max_results = static_cast<int>(limit(entitlement(), "PageSizeInteger", "max"));
  BOOST_TEST(accepted([&] { validate(g); }));
  g.max_results = static_cast<int>(limit(entitlement(), "PageSizeInteger", "min"));
  BOOST_TEST(accepted([&] { validate(g); }));
  g.max_results += static_cast<int>(limit(entitlement(), "PageSizeInteger", "max"));
  BOOST_TEST(!accepted([&] { validate(g); }));
}

BOOST_AUTO_TEST_CASE(required_members_of_the_model) {
  auto required = [](const json::object& s, std::string_view shape) {
    std::vector<std::string> out;
    if (const auto* r = s.at(shape).as_object().if_contains("required"))
      for (const auto& v : r->as_array()) out.emplace_back(v.as_string());
    return out;
  };
  BOOST_TEST((required(metering(), "UsageRecord") == std::vector<std::string>{"Timestamp", "Dimension"}));
  BOOST_TEST((required(metering(), "MeterUsageRequest") ==
              std::vector<std::string>{"ProductCode", "Timestamp", "UsageDimension"}));
  BOOST_TEST((required(metering(), "BatchMeterUsageRequest") == std::vector<std::string>{"UsageRecords"}));
  BOOST_TEST((required(metering(), "Tag") == std::vector<std::string>{"Key", "Value"}));
  BOOST_TEST((required(metering(), "UsageAllocation") == std::vector<std::string>{"AllocatedUsageQuantity"}));
  BOOST_TEST((required(entitlement(), "GetEntitlementsRequest") == std::vector<std::string>{"ProductCode"}));
}

// The member tables mark as required exactly what the model requires, so the decoder refuses
// what AWS would refuse and accepts what it would accept.
template <class T>
std::vector<std::string> table_required() {
  std::vector<std::string> out;
  awsmp::detail::for_each_member<T>([&](const auto& row) {
    if (std::remove_cvref_t<decltype(row)>::how == awsmp::detail::presence::required)
      out.emplace_back(row.name);
  });
  return out;
}

BOOST_AUTO_TEST_CASE(member_tables_require_what_the_model_requires) {
  auto required = [](const json::object& s, std::string_view shape) {
    std::vector<std::string> out;
    if (const auto* r = s.at(shape).as_object().if_contains("required"))
      for (const auto& v : r->as_array()) out.emplace_back(v.as_string());
    return out;
  };
  BOOST_TEST(table_required<usage_record>() == required(metering(), "UsageRecord"));
  BOOST_TEST(table_required<meter_usage_input>() == required(metering(), "MeterUsageRequest"));
  BOOST_TEST(table_required<batch_meter_usage_input>() == required(metering(), "BatchMeterUsageRequest"));
  BOOST_TEST(table_required<tag>() == required(metering(), "Tag"));
  BOOST_TEST(table_required<usage_allocation>() == required(metering(), "UsageAllocation"));
  BOOST_TEST(table_required<resolve_customer_input>() == required(metering(), "ResolveCustomerRequest"));
  BOOST_TEST(table_required<get_entitlements_input>() == required(entitlement(), "GetEntitlementsRequest"));
  // The one deliberate addition: a result without its record or status cannot be acted on.
  BOOST_TEST(required(metering(), "UsageRecordResult").empty());
  BOOST_TEST((table_required<usage_record_result>() == std::vector<std::string>{"UsageRecord", "Status"}));
}

BOOST_AUTO_TEST_SUITE_END()
