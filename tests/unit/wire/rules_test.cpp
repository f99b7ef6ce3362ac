// The rule book (wire/rules.hpp) by table: every model rule at its limit (kept) and just past it
// (broken, with the rule's text), so that validation, the emulator and the stores, which all ask
// these functions, share one verdict.
#include "wire/rules.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

using namespace awsmp;
namespace rules = awsmp::detail;

namespace {

struct rule_case {
  std::string name;                    ///< what the row checks, shown on failure
  std::function<std::string()> check;  ///< the *_violation call
  std::string broken;                  ///< empty: the value keeps the rule; else a fragment of the rule text
};

void run(const std::vector<rule_case>& table) {
  BOOST_TEST_REQUIRE(!table.empty());
  for (const auto& row : table) {
    BOOST_TEST_CONTEXT(row.name) {
      const std::string rule = row.check();
      if (row.broken.empty()) {
        BOOST_TEST(rule.empty(), "kept, but got: " << rule);
      } else {
        BOOST_TEST(!rule.empty(), "expected broken");
        BOOST_TEST(rule.find(row.broken) != std::string::npos, "rule text: " << rule);
      }
    }
  }
}

std::string n(std::size_t count, char c) {
  return std::string(count, c);
}

// A LicenseArn with a service segment of `service` bytes and a resource of `resource` bytes.
std::string arn(std::size_t service, std::size_t resource) {
  return "arn:aws:" + n(service, 's') + ":us-east-1:123456789012:" + n(resource, 'r');
}

}  // namespace

BOOST_AUTO_TEST_CASE(product_code_1_to_255_of_its_pattern) {
  run({
      {"empty", [] { return rules::product_code_violation(""); }, "length must be 1..255 bytes, got 0"},
      {"1 byte", [] { return rules::product_code_violation("a"); }, ""},
      {"255 bytes", [] { return rules::product_code_violation(n(255, 'a')); }, ""},
      {"256 bytes", [] { return rules::product_code_violation(n(256, 'a')); }, "got 256"},
      {"every allowed class", [] { return rules::product_code_violation("aZ09-/=:_.@"); }, ""},
      {"space", [] { return rules::product_code_violation("a b"); }, "^[-a-zA-Z0-9/=:_.@]*$"},
      {"plus", [] { return rules::product_code_violation("a+b"); }, "must match"},
      {"non-ASCII", [] { return rules::product_code_violation("caf\xc3\xa9"); }, "must match"},
  });
  BOOST_TEST(
      rules::is_product_code_text(""));  // the pattern alone allows empty (BatchMeterUsage may omit it)
  BOOST_TEST(!rules::is_product_code_text("a,b"));
}

BOOST_AUTO_TEST_CASE(dimension_and_customer_identifier_1_to_255_utf8) {
  for (auto* f : {&rules::dimension_violation, &rules::customer_identifier_violation}) {
    run({
        {"empty", [f] { return f(""); }, "length must be 1..255 bytes, got 0"},
        {"255 bytes", [f] { return f(n(255, 'd')); }, ""},
        {"256 bytes", [f] { return f(n(256, 'd')); }, "got 256"},
        {"UTF-8 at the limit", [f] { return f(n(253, 'd') + "\xc3\xa9"); }, ""},
        {"UTF-8 past the limit", [f] { return f(n(254, 'd') + "\xc3\xa9"); }, "got 256"},
        {"tab is model text", [f] { return f("a\tb"); }, ""},
        {"truncated UTF-8", [f] { return f("caf\xc3"); }, "must be valid UTF-8"},
        {"overlong UTF-8", [f] { return f("\xc0\xaf"); }, "must be valid UTF-8"},
    });
  }
}

BOOST_AUTO_TEST_CASE(identifier_adds_no_control_characters) {
  run({
      {"255 bytes", [] { return rules::identifier_violation(n(255, 'i')); }, ""},
      {"256 bytes", [] { return rules::identifier_violation(n(256, 'i')); }, "length must be 1..255 bytes"},
      {"empty", [] { return rules::identifier_violation(""); }, "got 0"},
      {"tab", [] { return rules::identifier_violation("a\tb"); }, "control characters"},
      {"DEL", [] { return rules::identifier_violation("a\x7f"); }, "control characters"},
      {"invalid UTF-8", [] { return rules::identifier_violation("\xff"); }, "valid UTF-8"},
      {"UTF-8", [] { return rules::identifier_violation("kunde-\xc3\xa9"); }, ""},
  });
}

BOOST_AUTO_TEST_CASE(account_id_1_to_255_digits) {
  run({
      {"1 digit", [] { return rules::account_id_violation("1"); }, ""},
      {"255 digits", [] { return rules::account_id_violation(n(255, '7')); }, ""},
      {"256 digits", [] { return rules::account_id_violation(n(256, '7')); },
       "length must be 1..255 bytes, got 256"},
      {"empty", [] { return rules::account_id_violation(""); }, "got 0"},
      {"letter", [] { return rules::account_id_violation("12345678901a"); }, "^[0-9]+$"},
      {"minus", [] { return rules::account_id_violation("-1"); }, "ASCII digits"},
  });
  BOOST_TEST(rules::is_account_id(n(255, '0')));
  BOOST_TEST(!rules::is_account_id(n(256, '0')));
  BOOST_TEST(!rules::is_account_id(""));
}

BOOST_AUTO_TEST_CASE(license_arn_pattern_segments_at_their_limits) {
  const std::string pattern = "LicenseArn pattern";
  run({
      {"license manager ARN",
       [] {
         return rules::license_arn_violation("arn:aws:license-manager::123456789012:license:l-0123abcd");
       },
       ""},
      {"other partition",
       [] { return rules::license_arn_violation("arn:aws-cn:license-manager::1:license:l"); }, ""},
      {"service 63 bytes", [] { return rules::license_arn_violation(arn(63, 1)); }, ""},
      {"service 64 bytes", [] { return rules::license_arn_violation(arn(64, 1)); }, pattern},
      {"resource 1024 bytes", [] { return rules::license_arn_violation(arn(3, 1024)); }, ""},
      {"resource 1025 bytes", [] { return rules::license_arn_violation(arn(3, 1025)); }, pattern},
      {"region 63 bytes", [] { return rules::license_arn_violation("arn:aws:s:" + n(63, 'r') + "::x"); }, ""},
      {"region 64 bytes", [] { return rules::license_arn_violation("arn:aws:s:" + n(64, 'r') + "::x"); },
       pattern},
      {"resource starts with '-'", [] { return rules::license_arn_violation("arn:aws:s:::-x"); }, pattern},
      {"resource may hold ':'", [] { return rules::license_arn_violation("arn:aws:s:::x:y/z+=,@.-"); }, ""},
      {"no arn: prefix", [] { return rules::license_arn_violation("aws:s:::x"); }, pattern},
      {"empty", [] { return rules::license_arn_violation(""); }, pattern},
      {"too few segments", [] { return rules::license_arn_violation("arn:aws:s::x"); }, pattern},
  });
}

BOOST_AUTO_TEST_CASE(tag_key_1_to_100_and_value_1_to_256_of_the_tag_pattern) {
  std::string range;  // " -=" in the class is the range 0x20..0x3d
  for (char c = 0x20; c <= 0x3d; ++c) range += c;
  run({
      {"key 1 byte", [] { return rules::tag_key_violation("k"); }, ""},
      {"key 100 bytes", [] { return rules::tag_key_violation(n(100, 'k')); }, ""},
      {"key 101 bytes", [] { return rules::tag_key_violation(n(101, 'k')); },
       "length must be 1..100 bytes, got 101"},
      {"key empty", [] { return rules::tag_key_violation(""); }, "got 0"},
      {"value 256 bytes", [] { return rules::tag_value_violation(n(256, 'v')); }, ""},
      {"value 257 bytes", [] { return rules::tag_value_violation(n(257, 'v')); },
       "length must be 1..256 bytes, got 257"},
      {"value empty", [] { return rules::tag_value_violation(""); }, "got 0"},
      {"space through '='", [range] { return rules::tag_value_violation(range); }, ""},
      {"the other allowed", [] { return rules::tag_key_violation("azAZ09+._:/@"); }, ""},
      {"'>' is just past '='", [] { return rules::tag_key_violation("a>"); }, "must match"},
      {"backslash (\\/ is '/')", [] { return rules::tag_key_violation("a\\b"); }, "must match"},
      {"tab", [] { return rules::tag_value_violation("a\tb"); }, "must match"},
      {"non-ASCII", [] { return rules::tag_value_violation("\xc3\xa9"); }, "must match"},
  });
  BOOST_TEST(!rules::is_tag_text(""));  // '+' in the pattern: at least one character
}

BOOST_AUTO_TEST_CASE(quantities_0_to_int32_max) {
  run({
      {"0", [] { return rules::quantity_violation(0); }, ""},
      {"max", [] { return rules::quantity_violation(max_quantity); }, ""},
      {"max + 1", [] { return rules::quantity_violation(max_quantity + 1); },
       "must be 0..2147483647, got 2147483648"},
      {"-1", [] { return rules::quantity_violation(-1); }, "got -1"},
  });
}

BOOST_AUTO_TEST_CASE(timestamp_after_the_epoch) {
  run({
      {"epoch", [] { return rules::timestamp_violation(time_point{}); }, "must be set"},
      {"before the epoch", [] { return rules::timestamp_violation(time_point{} - std::chrono::seconds(1)); },
       "after 1970"},
      {"1 ms after", [] { return rules::timestamp_violation(time_point{} + std::chrono::milliseconds(1)); },
       ""},
  });
}

BOOST_AUTO_TEST_CASE(tokens) {
  run({
      {"client token 1", [] { return rules::client_token_violation("t"); }, ""},
      {"client token 64", [] { return rules::client_token_violation(n(64, 't')); }, ""},
      {"client token 65", [] { return rules::client_token_violation(n(65, 't')); },
       "length must be 1..64 bytes, got 65"},
      {"client token empty", [] { return rules::client_token_violation(""); }, "got 0"},
      {"client token invalid UTF-8", [] { return rules::client_token_violation("\xfe"); }, "UTF-8"},
      {"registration token 4096", [] { return rules::registration_token_violation(n(4096, 'T')); }, ""},
      {"registration token 4097", [] { return rules::registration_token_violation(n(4097, 'T')); },
       "got 4097"},
      {"registration token empty", [] { return rules::registration_token_violation(""); },
       "must not be empty"},
      {"registration token space", [] { return rules::registration_token_violation("a b"); }, "spaces"},
      {"registration token DEL", [] { return rules::registration_token_violation("a\x7f"); },
       "printable ASCII"},
      {"registration token '~' and '!'", [] { return rules::registration_token_violation("!~+/="); }, ""},
  });
}

BOOST_AUTO_TEST_CASE(list_counts) {
  run({
      {"0 records", [] { return rules::batch_size_violation(0); }, ""},
      {"25 records", [] { return rules::batch_size_violation(25); }, ""},
      {"26 records", [] { return rules::batch_size_violation(26); }, "must hold 0..25 records, got 26"},
      {"1 allocation", [] { return rules::allocation_count_violation(1); }, ""},
      {"2500 allocations", [] { return rules::allocation_count_violation(2500); }, ""},
      {"2501 allocations", [] { return rules::allocation_count_violation(2501); },
       "must hold 1..2500 allocations, got 2501"},
      {"0 allocations", [] { return rules::allocation_count_violation(0); }, "got 0"},
      {"1 tag", [] { return rules::tag_count_violation(1); }, ""},
      {"5 tags", [] { return rules::tag_count_violation(5); }, ""},
      {"6 tags", [] { return rules::tag_count_violation(6); }, "must hold 1..5 tags, got 6"},
      {"0 tags", [] { return rules::tag_count_violation(0); }, "got 0"},
  });
}

BOOST_AUTO_TEST_CASE(allocations_sum_page_size_and_filter_values) {
  run({
      {"sum equal", [] { return rules::allocation_sum_violation(7, 7, "Quantity"); }, ""},
      {"sum one short", [] { return rules::allocation_sum_violation(6, 7, "Quantity"); },
       "sum to Quantity (7), got 6"},
      {"sum one over", [] { return rules::allocation_sum_violation(8, 7, "UsageQuantity"); },
       "UsageQuantity (7), got 8"},
      {"page 0 (default)", [] { return rules::page_size_violation(0); }, ""},
      {"page 25", [] { return rules::page_size_violation(25); }, ""},
      {"page 26", [] { return rules::page_size_violation(26); }, "must be 1..25"},
      {"page -1", [] { return rules::page_size_violation(-1); }, "got -1"},
      {"filter value", [] { return rules::filter_value_violation("x"); }, ""},
      {"filter value empty", [] { return rules::filter_value_violation(""); }, "must not be empty"},
      {"filter value invalid UTF-8", [] { return rules::filter_value_violation("\xc3"); }, "UTF-8"},
  });
}
