// Every validation rule: accepted at its limits, rejected just past them, with a message that
// names the field and the rule.
#include <awsmp/error.hpp>
#include <awsmp/validation.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "wire/rules.hpp"

using namespace awsmp;

namespace {

time_point at(std::int64_t s) {
  return time_point(std::chrono::seconds(s));
}

usage_record good_record() {
  usage_record r;
  r.customer_identifier = "cust-1";
  r.dimension = "tokens_1m";
  r.quantity = 10;
  r.timestamp = at(1700000000);
  return r;
}

batch_meter_usage_input good_batch() {
  batch_meter_usage_input in;
  in.product_code = "prod-1";
  in.usage_records = {good_record()};
  return in;
}

meter_usage_input good_meter() {
  meter_usage_input in;
  in.product_code = "prod-1";
  in.dimension = "tokens_1m";
  in.quantity = 3;
  in.timestamp = at(1700000000);
  return in;
}

// Expects invalid_argument whose message starts with "<field>: " and mentions `rule_word`.
void expect_invalid(const std::function<void()>& f, const std::string& field,
                    const std::string& rule_word = "") {
  try {
    f();
    BOOST_ERROR("accepted; expected a rejection of " << field);
  } catch (const boost::system::system_error& e) {
    const std::string what = e.what();
    BOOST_TEST((e.code() == errc::invalid_argument), what);
    BOOST_TEST(what.starts_with(field + ": "), "message: " << what << " (field " << field << ")");
    if (!rule_word.empty()) BOOST_TEST(what.find(rule_word) != std::string::npos, "message: " << what);
  }
}

void expect_valid(const std::function<void()>& f) {
  BOOST_CHECK_NO_THROW(f());
}

batch_meter_usage_input batch_with(const usage_record& r) {
  auto in = good_batch();
  in.usage_records = {r};
  return in;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(validation)

BOOST_AUTO_TEST_CASE(product_code_length_and_pattern) {
  expect_valid([] { validate_product_code("a"); });
  expect_valid([] { validate_product_code(std::string(255, 'a')); });
  expect_valid([] { validate_product_code("az-AZ_09/=:.@"); });
  expect_invalid([] { validate_product_code(""); }, "ProductCode", "1..255");
  expect_invalid([] { validate_product_code(std::string(256, 'a')); }, "ProductCode", "got 256");
  for (const char* bad : {"a b", "a+b", "a#b", "a\nb", "\xc3\xa9"})
    expect_invalid([bad] { validate_product_code(bad); }, "ProductCode", "^[-a-zA-Z0-9/=:_.@]*$");
  auto in = good_batch();
  in.product_code.clear();
  expect_invalid([&] { validate(in); }, "ProductCode");
}

BOOST_AUTO_TEST_CASE(batch_holds_0_to_25_records) {
  auto in = good_batch();
  in.usage_records.clear();
  expect_valid([&] { validate(in); });
  in.usage_records.assign(25, good_record());
  expect_valid([&] { validate(in); });
  in.usage_records.assign(26, good_record());
  expect_invalid([&] { validate(in); }, "UsageRecords", "0..25");
}

BOOST_AUTO_TEST_CASE(records_are_named_by_index) {
  auto in = good_batch();
  in.usage_records.assign(5, good_record());
  in.usage_records[3].quantity = -1;
  expect_invalid([&] { validate(in); }, "UsageRecords[3].Quantity", "got -1");
}

BOOST_AUTO_TEST_CASE(exactly_one_customer_id) {
  auto r = good_record();
  r.customer_aws_account_id = "123456789012";
  expect_invalid([&] { validate(batch_with(r)); }, "UsageRecords[0].CustomerIdentifier",
                 "CustomerAWSAccountId");
  r.customer_identifier.clear();
  expect_valid([&] { validate(batch_with(r)); });
  r.customer_aws_account_id.clear();
  expect_invalid([&] { validate(batch_with(r)); }, "UsageRecords[0].CustomerIdentifier", "must be set");
}

BOOST_AUTO_TEST_CASE(customer_identifier_length) {
  auto r = good_record();
  r.customer_identifier = std::string(255, 'c');
  expect_valid([&] { validate(r, "R"); });
  r.customer_identifier = std::string(256, 'c');
  expect_invalid([&] { validate(r, "R"); }, "R.CustomerIdentifier", "1..255");
  r.customer_identifier = "bad\xff";
  expect_invalid([&] { validate(r, "R"); }, "R.CustomerIdentifier", "UTF-8");
}

BOOST_AUTO_TEST_CASE(account_id_digits_1_to_255) {
  auto r = good_record();
  r.customer_identifier.clear();
  r.customer_aws_account_id = std::string(255, '7');
  expect_valid([&] { validate(r, "R"); });
  r.customer_aws_account_id = std::string(256, '7');
  expect_invalid([&] { validate(r, "R"); }, "R.CustomerAWSAccountId", "1..255");
  for (const char* bad : {"12345678901a", "1234 5678", "-1", "１２"}) {
    r.customer_aws_account_id = bad;
    expect_invalid([&] { validate(r, "R"); }, "R.CustomerAWSAccountId", "^[0-9]+$");
  }
}

BOOST_AUTO_TEST_CASE(license_arn_pattern) {
  BOOST_TEST(detail::is_license_arn("arn:aws:license-manager::123456789012:license:l-0123456789abcdef0"));
  BOOST_TEST(detail::is_license_arn("arn:aws-us-gov:license-manager:us-gov-west-1:123456789012:license/l-1"));
  BOOST_TEST(detail::is_license_arn("arn:aws:s:::a"));
  BOOST_TEST(detail::is_license_arn("arn:aws:s:" + std::string(63, 'r') + ":" + std::string(63, 'a') + ":x" +
                                    std::string(1023, '=')));
  BOOST_TEST(detail::is_license_arn("arn:aws:s" + std::string(62, 'v') + ":::a"));
  BOOST_TEST(!detail::is_license_arn(""));
  BOOST_TEST(!detail::is_license_arn("arn:aws"));
  BOOST_TEST(!detail::is_license_arn("arn:azure:s:::a"));
  BOOST_TEST(!detail::is_license_arn("arn:aws1:s:::a"));  // partition: letters and '-' only
  BOOST_TEST(!detail::is_license_arn("arn:aws::::a"));    // service must start alphanumeric
  BOOST_TEST(!detail::is_license_arn("arn:aws:_s:::a"));
  BOOST_TEST(!detail::is_license_arn("arn:aws:s" + std::string(63, 'v') + ":::a"));  // service > 63
  BOOST_TEST(!detail::is_license_arn("arn:aws:s:" + std::string(64, 'r') + "::a"));  // region > 63
  BOOST_TEST(!detail::is_license_arn("arn:aws:s::" + std::string(64, 'a') + ":a"));  // account > 63
  BOOST_TEST(!detail::is_license_arn("arn:aws:s:::"));    // resource must be non-empty
  BOOST_TEST(!detail::is_license_arn("arn:aws:s:::-a"));  // resource must start alphanumeric
  BOOST_TEST(!detail::is_license_arn("arn:aws:s:::a b"));
  BOOST_TEST(!detail::is_license_arn("arn:aws:s:::a\n"));
  BOOST_TEST(!detail::is_license_arn("arn:aws:s:::x" + std::string(1024, 'a')));
  BOOST_TEST(!detail::is_license_arn("arn:aws:s:r:a"));  // too few segments
  BOOST_TEST(!detail::is_license_arn("arn:aws:s:r*:a:b"));
  auto r = good_record();
  r.customer_identifier.clear();
  r.customer_aws_account_id = "123456789012";
  r.license_arn = "not-an-arn";
  expect_invalid([&] { validate(batch_with(r)); }, "UsageRecords[0].LicenseArn", "pattern");
  r.license_arn = "arn:aws:license-manager::123456789012:license:l-1";
  auto license_batch = batch_with(r);
  license_batch.product_code.clear();  // LicenseArn replaces ProductCode
  expect_valid([&] { validate(license_batch); });
}

// Billing v2: one identity form per request, and ProductCode xor LicenseArn (docs/wire.md).
BOOST_AUTO_TEST_CASE(identity_forms_and_product_code_versus_license) {
  auto legacy = good_record();
  auto account = good_record();  // account id only: an existing product that moved off CustomerIdentifier
  account.customer_identifier.clear();
  account.customer_aws_account_id = "123456789012";
  auto licensed = account;  // the account form of a license-based product
  licensed.license_arn = "arn:aws:license-manager::123456789012:license:l-1";
  auto licensed_2 = licensed;  // a concurrent agreement of the same account
  licensed_2.license_arn = "arn:aws:license-manager::123456789012:license:l-2";

  batch_meter_usage_input in;
  // Without ProductCode: every record must name its license.
  in.usage_records = {licensed, licensed_2};
  expect_valid([&] { validate(in); });
  in.usage_records = {licensed, account};
  expect_invalid([&] { validate(in); }, "ProductCode", "UsageRecords[1] does not");
  in.usage_records = {legacy};
  expect_invalid([&] { validate(in); }, "ProductCode", "UsageRecords[0] does not");
  in.usage_records.clear();
  expect_valid([&] { validate(in); });

  // With ProductCode: no LicenseArn anywhere.
  in.product_code = "prod-1";
  in.usage_records = {account, account};
  expect_valid([&] { validate(in); });
  in.usage_records = {account, licensed};
  expect_invalid([&] { validate(in); }, "UsageRecords[1].LicenseArn", "ProductCode");
  in.usage_records = {licensed};
  expect_invalid([&] { validate(in); }, "UsageRecords[0].LicenseArn", "AWS refuses");

  // One identity form per request.
  in.usage_records = {legacy, legacy, account};
  expect_invalid([&] { validate(in); }, "UsageRecords[2]", "mixes");
  in.usage_records = {account, legacy};
  expect_invalid([&] { validate(in); }, "UsageRecords[1]", "CustomerIdentifier or CustomerAWSAccountId");
  in.product_code.clear();
  in.usage_records = {licensed, legacy};
  expect_invalid([&] { validate(in); }, "UsageRecords[1]", "mixes");
}

BOOST_AUTO_TEST_CASE(dimension_1_to_255) {
  auto r = good_record();
  r.dimension = std::string(255, 'd');
  expect_valid([&] { validate(r, "R"); });
  r.dimension = "";
  expect_invalid([&] { validate(r, "R"); }, "R.Dimension", "1..255");
  r.dimension = std::string(256, 'd');
  expect_invalid([&] { validate(r, "R"); }, "R.Dimension", "got 256");
  auto m = good_meter();
  m.dimension.clear();
  expect_invalid([&] { validate(m); }, "UsageDimension");
}

BOOST_AUTO_TEST_CASE(quantity_0_to_int32_max) {
  auto r = good_record();
  r.quantity = 0;
  expect_valid([&] { validate(r, "R"); });
  r.quantity = 2147483647;
  expect_valid([&] { validate(r, "R"); });
  r.quantity = -1;
  expect_invalid([&] { validate(r, "R"); }, "R.Quantity", "0..2147483647");
  auto m = good_meter();
  m.quantity = -5;
  expect_invalid([&] { validate(m); }, "UsageQuantity", "got -5");
}

BOOST_AUTO_TEST_CASE(timestamp_must_be_set) {
  auto r = good_record();
  r.timestamp = time_point{};
  expect_invalid([&] { validate(r, "R"); }, "R.Timestamp", "1970");
  r.timestamp = at(-10);
  expect_invalid([&] { validate(r, "R"); }, "R.Timestamp");
  r.timestamp = at(1);
  expect_valid([&] { validate(r, "R"); });
  auto m = good_meter();
  m.timestamp = {};
  expect_invalid([&] { validate(m); }, "Timestamp");
}

BOOST_AUTO_TEST_CASE(allocations_sum_to_quantity) {
  auto r = good_record();
  r.quantity = 10;
  r.usage_allocations = {{4, {}}, {6, {{"k", "v"}}}};
  expect_valid([&] { validate(r, "R"); });
  r.usage_allocations = {{4, {}}, {5, {}}};
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations", "sum to Quantity (10), got 9");
  r.usage_allocations = {{4, {}}, {7, {}}};
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations", "got 11");
  r.usage_allocations = {{11, {}}, {-1, {}}};
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations[1].AllocatedUsageQuantity", "0..2147483647");
  // 0 allocations of a zero quantity are fine; the sum of many large ones does not overflow.
  r.quantity = 0;
  r.usage_allocations = {{0, {}}};
  expect_valid([&] { validate(r, "R"); });
  r.quantity = 2147483647;
  r.usage_allocations.assign(2500, usage_allocation{2147483647, {}});
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations", "sum to Quantity");
  auto m = good_meter();
  m.usage_allocations = {{2, {}}};
  expect_invalid([&] { validate(m); }, "UsageAllocations", "sum to UsageQuantity (3), got 2");
}

BOOST_AUTO_TEST_CASE(allocations_1_to_2500) {
  auto r = good_record();
  r.quantity = 0;
  r.usage_allocations.assign(2500, usage_allocation{0, {}});
  expect_valid([&] { validate(r, "R"); });
  r.usage_allocations.assign(2501, usage_allocation{0, {}});
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations", "1..2500");
}

BOOST_AUTO_TEST_CASE(tags_1_to_5_per_allocation) {
  auto r = good_record();
  r.quantity = 1;
  r.usage_allocations = {{1, std::vector<tag>(5, tag{"k", "v"})}};
  expect_valid([&] { validate(r, "R"); });
  r.usage_allocations = {{1, std::vector<tag>(6, tag{"k", "v"})}};
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations[0].Tags", "1..5");
}

BOOST_AUTO_TEST_CASE(tag_key_and_value_lengths) {
  auto r = good_record();
  r.quantity = 1;
  r.usage_allocations = {{1, {{std::string(100, 'k'), std::string(256, 'v')}}}};
  expect_valid([&] { validate(r, "R"); });
  r.usage_allocations = {{1, {{std::string(101, 'k'), "v"}}}};
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations[0].Tags[0].Key", "1..100");
  r.usage_allocations = {{1, {{"k", std::string(257, 'v')}}}};
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations[0].Tags[0].Value", "1..256");
  r.usage_allocations = {{1, {{"k", "v"}, {"", "v"}}}};
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations[0].Tags[1].Key", "1..100");
  r.usage_allocations = {{1, {{"k", ""}}}};
  expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations[0].Tags[0].Value");
}

BOOST_AUTO_TEST_CASE(tag_characters_follow_the_regex_literally) {
  // ^[a-zA-Z0-9+ -=._:\/@]+$ : " -=" is the range 0x20..0x3d, "\/" is '/'.
  std::string allowed = "azAZ09+._:/@";
  for (char c = 0x20; c <= 0x3d; ++c) allowed += c;
  auto r = good_record();
  r.quantity = 1;
  r.usage_allocations = {{1, {{allowed, allowed}}}};
  expect_valid([&] { validate(r, "R"); });
  for (const char* bad : {">", "?", "[", "\\", "^", "`", "{", "|", "}", "~", "\x7f", "\t", "\xc3\xa9"}) {
    r.usage_allocations = {{1, {{std::string("k") + bad, "v"}}}};
    expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations[0].Tags[0].Key", "must match");
    r.usage_allocations = {{1, {{"k", std::string("v") + bad}}}};
    expect_invalid([&] { validate(r, "R"); }, "R.UsageAllocations[0].Tags[0].Value", "must match");
  }
}

BOOST_AUTO_TEST_CASE(meter_usage_client_token_1_to_64) {
  auto m = good_meter();
  m.client_token = std::string(64, 't');
  expect_valid([&] { validate(m); });
  m.client_token = std::string(65, 't');
  expect_invalid([&] { validate(m); }, "ClientToken", "1..64");
  m.client_token.clear();  // unset
  expect_valid([&] { validate(m); });
}

BOOST_AUTO_TEST_CASE(registration_token) {
  expect_valid([] { validate(resolve_customer_input{"AbC+dEf/0123456789=="}); });
  expect_valid([] { validate(resolve_customer_input{std::string(4096, 'x')}); });
  expect_invalid([] { validate(resolve_customer_input{""}); }, "RegistrationToken", "empty");
  expect_invalid([] { validate(resolve_customer_input{std::string(4097, 'x')}); }, "RegistrationToken",
                 "1..4096");
  expect_invalid([] { validate(resolve_customer_input{"abc def"}); }, "RegistrationToken", "'+'");
  expect_invalid([] { validate(resolve_customer_input{"abc\ndef"}); }, "RegistrationToken", "printable");
  expect_invalid([] { validate(resolve_customer_input{"abc\xc3\xa9"}); }, "RegistrationToken", "printable");
}

BOOST_AUTO_TEST_CASE(registration_token_never_in_messages) {
  const std::string secret = "SECRETTOKEN123 withspace";
  try {
    validate(resolve_customer_input{secret});
    BOOST_ERROR("accepted");
  } catch (const std::exception& e) {
    BOOST_TEST(std::string(e.what()).find("SECRETTOKEN123") == std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(get_entitlements_rules) {
  get_entitlements_input in;
  in.product_code = "prod-1";
  expect_valid([&] { validate(in); });
  in.max_results = 1;
  expect_valid([&] { validate(in); });
  in.max_results = 25;
  expect_valid([&] { validate(in); });
  in.max_results = 26;
  expect_invalid([&] { validate(in); }, "MaxResults", "1..25");
  in.max_results = -1;
  expect_invalid([&] { validate(in); }, "MaxResults", "got -1");
  in.max_results = 0;
  in.filter[entitlement_filter::dimension] = {};
  expect_invalid([&] { validate(in); }, "Filter.DIMENSION", "at least one");
  in.filter[entitlement_filter::dimension] = {"a", ""};
  expect_invalid([&] { validate(in); }, "Filter.DIMENSION[1]", "empty");
  in.filter[entitlement_filter::dimension] = {"a"};
  expect_valid([&] { validate(in); });
  in.next_token = "has space";
  expect_invalid([&] { validate(in); }, "NextToken", "whitespace");
  in.next_token = "ok";
  in.product_code.clear();
  expect_invalid([&] { validate(in); }, "ProductCode");
}

BOOST_AUTO_TEST_CASE(identifiers_for_stores) {
  expect_valid([] { validate_identifier("customer_identifier", "c"); });
  expect_valid([] { validate_identifier("customer_identifier", std::string(255, 'c')); });
  expect_valid([] { validate_identifier("dimension", "t\xc3\xb6kens"); });
  expect_invalid([] { validate_identifier("customer_identifier", ""); }, "customer_identifier", "1..255");
  expect_invalid([] { validate_identifier("customer_identifier", std::string(256, 'c')); },
                 "customer_identifier");
  expect_invalid([] { validate_identifier("dimension", "a\nb"); }, "dimension", "control");
  expect_invalid([] { validate_identifier("dimension", std::string("a\0b", 3)); }, "dimension", "control");
  expect_invalid([] { validate_identifier("dimension", "a\x7f"); }, "dimension", "control");
  expect_invalid([] { validate_identifier("dimension", "a\xff"); }, "dimension", "UTF-8");
}

BOOST_AUTO_TEST_CASE(request_body_below_1_mb) {
  expect_valid([] { validate_request_body_size(0); });
  expect_valid([] { validate_request_body_size(max_request_body_bytes - 1); });
  expect_invalid([] { validate_request_body_size(max_request_body_bytes); }, "request body", "1048576");
}

BOOST_AUTO_TEST_SUITE_END()
