// AWS's DynamoDB limits, enforced before sending: each case sits on the boundary (the last
// accepted value and the first refused one), and the refusal names the field and the rule.
#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>

#include "dynamodb/dynamodb_limits.hpp"
#include "dynamodb/dynamodb_wire.hpp"

using namespace awsmp;
using namespace awsmp::dynamodb;
using namespace awsmp::detail;

namespace {

attribute_value S(std::string s) {
  return attribute_value::string(std::move(s));
}

const key_schema hash_range{{"pk", attribute_type::s}, key_attribute{"sk", attribute_type::s}};

// Runs `f`; returns "" when it did not throw, else the invalid_argument message (anything else fails).
std::string refusal(const std::function<void()>& f) {
  try {
    f();
    return "";
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == make_error_code(errc::invalid_argument)), "wrong error: " << e.what());
    return e.what();
  }
}

void accepted(const std::function<void()>& f) {
  BOOST_TEST(refusal(f) == "");
}
void refused(const std::function<void()>& f, std::string_view field, std::string_view rule) {
  const std::string message = refusal(f);
  BOOST_TEST(message.find(field) != std::string::npos, "'" << message << "' does not name " << field);
  BOOST_TEST(message.find(rule) != std::string::npos, "'" << message << "' does not say " << rule);
}

put_item_request put_of(item i) {
  put_item_request r;
  r.table = "tbl";
  r.attributes = std::move(i);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dynamodb_limits)

BOOST_AUTO_TEST_CASE(table_names) {
  for (const char* ok : {"abc", "A-b_c.9", "awsmp.subscriptions"})
    accepted([&] { check_table_name("table", ok); });
  accepted([] { check_table_name("table", std::string(255, 'x')); });
  refused([] { check_table_name("table", std::string(256, 'x')); }, "table", "3..255");
  refused([] { check_table_name("table", "ab"); }, "table", "3..255");
  refused([] { check_table_name("table", "bad name"); }, "table", "a-z, A-Z, 0-9");
  refused([] { check_table_name("table", "tbl/x"); }, "table", "a-z, A-Z, 0-9");
}

BOOST_AUTO_TEST_CASE(item_size_is_400_kb_counting_names_and_values) {
  // "pk"(2) + "a"(1) + "sk"(2) + "b"(1) + "d"(1) + value
  const std::size_t fixed = 7;
  auto with_payload = [&](std::size_t n) {
    return put_of({{"pk", S("a")}, {"sk", S("b")}, {"d", S(std::string(n, 'z'))}});
  };
  accepted([&] { encode_put_item(with_payload(400 * 1024 - fixed), &hash_range); });
  refused([&] { encode_put_item(with_payload(400 * 1024 - fixed + 1), &hash_range); }, "item", "400 KB");
  BOOST_TEST(item_size({{"n", attribute_value::number_text("12345")}}) == 1u + 1u + 3u,
             "1 + ceil(5/2) for a 5-digit number");
  BOOST_TEST(item_size({{"l", attribute_value::list_value({S("ab"), attribute_value::null_value()})}}) ==
             1u + 3u + (1 + 2) + (1 + 1));
}

BOOST_AUTO_TEST_CASE(partition_key_2048_and_sort_key_1024_bytes) {
  auto key = [](std::size_t pk, std::size_t sk) {
    return item{{"pk", S(std::string(pk, 'p'))}, {"sk", S(std::string(sk, 's'))}};
  };
  accepted([&] { check_key("key", key(2048, 1024), &hash_range); });
  refused([&] { check_key("key", key(2049, 1), &hash_range); }, "key.pk",
          "partition key value must be at most 2048 bytes");
  refused([&] { check_key("key", key(1, 1025), &hash_range); }, "key.sk",
          "sort key value must be at most 1024 bytes");
  // The same limits on a put, where the key sits inside the item.
  refused([&] { encode_put_item(put_of(key(1, 1025)), &hash_range); }, "item.sk", "1024 bytes");
  // Without a declared schema the partition key's 2048 is the bound for every key attribute.
  accepted([&] { check_key("key", key(2048, 2048), nullptr); });
  refused([&] { check_key("key", key(2049, 1), nullptr); }, "key.pk", "2048 bytes");
  refused([&] { check_key("key", key(0, 1), &hash_range); }, "key.pk", "at least 1 byte");
  refused(
      [&] {
        check_key("key", {{"pk", S("a")}}, &hash_range);
      },
      "key", "exactly the table's key attributes");
  refused(
      [&] {
        check_key("key", {{"pk", S("a")}, {"other", S("b")}}, &hash_range);
      },
      "key.other", "not a key attribute");
  refused(
      [&] {
        check_key("key", {{"pk", attribute_value::number(1)}, {"sk", S("b")}}, &hash_range);
      },
      "key.pk", "declared type S");
  refused(
      [&] {
        check_key("key", {{"pk", attribute_value::boolean_value(true)}}, nullptr);
      },
      "key.pk", "S, N or B");
}

BOOST_AUTO_TEST_CASE(transactions_hold_at_most_100_actions) {
  auto tx = [](std::size_t n) {
    transact_write_request r;
    r.client_request_token = "t";
    for (std::size_t i = 0; i < n; ++i)
      r.items.push_back(
          transact_write_item::put("tbl", {{"pk", S("k" + std::to_string(i))}, {"sk", S("x")}}));
    return r;
  };
  accepted([&] { encode_transact_write_items(tx(100), {}); });
  refused([&] { encode_transact_write_items(tx(101), {}); }, "transact_write_items", "at most 100 actions");
  refused([&] { encode_transact_write_items(tx(0), {}); }, "transact_write_items", "at least 1");
  auto two_on_one_item = tx(1);
  two_on_one_item.items.push_back(
      transact_write_item::condition_check("tbl", {{"pk", S("k0")}, {"sk", S("x")}}, "attribute_exists(pk)"));
  const key_schema_lookup known = [](std::string_view) { return std::optional<key_schema>(hash_range); };
  refused([&] { encode_transact_write_items(two_on_one_item, known); }, "transact_write_items[1]",
          "same item");
  auto long_token = tx(1);
  long_token.client_request_token = std::string(37, 'a');
  refused([&] { encode_transact_write_items(long_token, {}); }, "client_request_token", "1..36");
  long_token.client_request_token = std::string(36, 'a');
  accepted([&] { encode_transact_write_items(long_token, {}); });
}

BOOST_AUTO_TEST_CASE(batch_write_holds_at_most_25_requests) {
  auto batch = [](std::size_t n) {
    std::vector<write_request> w;
    for (std::size_t i = 0; i < n; ++i)
      w.push_back(write_request::put("tbl", {{"pk", S("k" + std::to_string(i))}, {"sk", S("x")}}));
    return w;
  };
  accepted([&] { encode_batch_write_item(batch(25), {}); });
  refused([&] { encode_batch_write_item(batch(26), {}); }, "batch_write_item", "at most 25");
  refused([&] { encode_batch_write_item(batch(0), {}); }, "batch_write_item", "at least 1");
  auto twice = batch(2);
  twice.push_back(write_request::remove("tbl", {{"pk", S("k0")}, {"sk", S("x")}}));
  const key_schema_lookup known = [](std::string_view) { return std::optional<key_schema>(hash_range); };
  refused([&] { encode_batch_write_item(twice, known); }, "batch_write_item[2]", "same item twice");
}

BOOST_AUTO_TEST_CASE(expressions_are_at_most_4_kb) {
  auto upd = [](std::size_t n) {
    update_item_request r;
    r.table = "tbl";
    r.key = {{"pk", S("a")}, {"sk", S("b")}};
    r.update_expression = "SET a = :v" + std::string(n - 10, ' ');
    r.expression.values = {{":v", S("x")}};
    return r;
  };
  accepted([&] { encode_update_item(upd(4096), &hash_range); });
  refused([&] { encode_update_item(upd(4097), &hash_range); }, "update_item.UpdateExpression", "4 KB");
  auto bad_placeholder = upd(20);
  bad_placeholder.expression.values = {{"v", S("x")}};
  refused([&] { encode_update_item(bad_placeholder, &hash_range); }, "update_item.expression.values",
          "start with ':'");
}

BOOST_AUTO_TEST_CASE(numbers_strings_and_sets) {
  for (const char* ok :
       {"0", "-0", "12", "-1.5", "1E+3", "1e-130", "9.9999999999999999999999999999999999999E+125",
        "12345678901234567890123456789012345678", "0.000", "100000000000000000000000000000000000000000"}) {
    BOOST_TEST_CONTEXT(ok) {
      accepted([&] { check_number("n", ok); });
    }
  }
  for (const char* bad : {"", "-", ".", "1e", "abc", "1,5", "+1", "0x10", " 1", "1e-131", "1E+126",
                          "123456789012345678901234567890123456789"}) {
    BOOST_TEST_CONTEXT(bad) {
      BOOST_TEST(refusal([&] { check_number("n", bad); }) != "");
    }
  }
  refused([] { check_value("v", S("\xff")); }, "v", "valid UTF-8");
  refused([] { check_value("v", attribute_value::string_set({})); }, "v", "must not be empty");
  refused([] { check_value("v", attribute_value::string_set({"a", "a"})); }, "v", "duplicates");
  refused([] { check_value("v", attribute_value::number_set({"1", "x"})); }, "v", "decimal text");
  attribute_value deep = attribute_value::null_value();
  for (int i = 0; i < 33; ++i) deep = attribute_value::list_value({deep});
  refused([&] { check_value("v", deep); }, "v", "32 levels");
}

BOOST_AUTO_TEST_SUITE_END()
