// The AttributeValue codec, table-driven: every type to its exact wire JSON and back, and the
// wire forms that must be refused as malformed.
#include <awsmp/error.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include "dynamodb/attribute_codec.hpp"
#include "dynamodb/base64.hpp"

using namespace awsmp;
using namespace awsmp::dynamodb;

namespace {

struct codec_case {
  const char* name;
  attribute_value value;
  const char* wire;
};

std::vector<codec_case> codec_cases() {
  return {
      {"S", attribute_value::string("héllo \"q\""), R"({"S":"héllo \"q\""})"},
      {"empty S", attribute_value::string(""), R"({"S":""})"},
      {"N int", attribute_value::number(-42), R"({"N":"-42"})"},
      {"N int64 max", attribute_value::number(INT64_MAX), R"({"N":"9223372036854775807"})"},
      {"N decimal text", attribute_value::number_text("1.25E-7"), R"({"N":"1.25E-7"})"},
      {"B", attribute_value::binary(std::string("\x00\xff\x10", 3)), R"({"B":"AP8Q"})"},
      {"B empty", attribute_value::binary(""), R"({"B":""})"},
      {"BOOL true", attribute_value::boolean_value(true), R"({"BOOL":true})"},
      {"BOOL false", attribute_value::boolean_value(false), R"({"BOOL":false})"},
      {"NULL", attribute_value::null_value(), R"({"NULL":true})"},
      {"M",
       attribute_value::map_value({{"a", attribute_value::number(1)}, {"b", attribute_value::string("x")}}),
       R"({"M":{"a":{"N":"1"},"b":{"S":"x"}}})"},
      {"M empty", attribute_value::map_value({}), R"({"M":{}})"},
      {"L",
       attribute_value::list_value({attribute_value::string("a"), attribute_value::null_value(),
                                    attribute_value::list_value({attribute_value::boolean_value(true)})}),
       R"({"L":[{"S":"a"},{"NULL":true},{"L":[{"BOOL":true}]}]})"},
      {"SS", attribute_value::string_set({"x", "y"}), R"({"SS":["x","y"]})"},
      {"NS", attribute_value::number_set({"1", "2.5"}), R"({"NS":["1","2.5"]})"},
      {"BS", attribute_value::binary_set({"a", "bc"}), R"({"BS":["YQ==","YmM="]})"},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dynamodb_codec)

BOOST_AUTO_TEST_CASE(every_type_encodes_to_its_exact_wire_json_and_back) {
  for (const auto& c : codec_cases()) {
    BOOST_TEST_CONTEXT(c.name) {
      const std::string wire = boost::json::serialize(detail::attribute_to_json(c.value));
      BOOST_TEST(wire == c.wire);
      const auto back = detail::attribute_from_json(boost::json::parse(c.wire), "test");
      BOOST_TEST((back == c.value), "round trip changed the value");
    }
  }
}

BOOST_AUTO_TEST_CASE(an_item_is_a_map_of_wire_values) {
  item i{{"pk", attribute_value::string("k")}, {"n", attribute_value::number(7)}};
  BOOST_TEST(boost::json::serialize(detail::item_to_json(i)) == R"({"n":{"N":"7"},"pk":{"S":"k"}})");
  BOOST_TEST((detail::item_from_json(boost::json::parse(R"({"pk":{"S":"k"},"n":{"N":"7"}})"), "t") == i));
}

BOOST_AUTO_TEST_CASE(malformed_wire_values_are_refused) {
  const char* bad[] = {
      R"("S")",                  // not an object
      R"({})",                   // no descriptor
      R"({"S":"a","N":"1"})",    // two descriptors
      R"({"X":"a"})",            // unknown descriptor
      R"({"S":1})",              // S not a string
      R"({"N":12})",             // N must be a string on the wire
      R"({"B":"not base64!"})",  // bad base64
      R"({"B":"YQ="})",          // wrong length
      R"({"B":"YR=="})",         // non-zero pad bits
      R"({"BOOL":"true"})",      // BOOL not a boolean
      R"({"NULL":false})",       // NULL must be true
      R"({"M":[]})",             // M not an object
      R"({"L":{}})",             // L not an array
      R"({"SS":"a"})",           // set not an array
      R"({"NS":[1]})",           // NS members are strings
      R"({"BS":["***"]})",       // BS member not base64
  };
  for (const char* w : bad) {
    BOOST_TEST_CONTEXT(w) {
      BOOST_CHECK_EXCEPTION(
          detail::attribute_from_json(boost::json::parse(w), "test"), boost::system::system_error,
          [](const auto& e) { return e.code() == make_error_code(errc::malformed_message); });
    }
  }
}

BOOST_AUTO_TEST_CASE(nesting_beyond_32_levels_is_refused_without_recursing_forever) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += R"({"L":[)";
  deep += R"({"NULL":true})";
  for (int i = 0; i < 40; ++i) deep += "]}";
  boost::json::parse_options deep_json;
  deep_json.max_depth = 1000;  // the codec must refuse it, not the JSON parser
  BOOST_CHECK_EXCEPTION(detail::attribute_from_json(boost::json::parse(deep, {}, deep_json), "test"),
                        boost::system::system_error,
                        [](const auto& e) { return e.code() == make_error_code(errc::malformed_message); });
}

BOOST_AUTO_TEST_CASE(base64_matches_rfc4648_test_vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(detail::base64_encode(plain) == encoded);
    BOOST_TEST(detail::base64_decode(encoded).value_or("<none>") == plain);
  }
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  BOOST_TEST(detail::base64_decode(detail::base64_encode(all)).value_or("") == all);
  BOOST_TEST(!detail::base64_decode("Zg=").has_value());
  BOOST_TEST(!detail::base64_decode("Z===").has_value());
  BOOST_TEST(!detail::base64_decode("Zg==Zg==").has_value(), "padding only at the end");
}

BOOST_AUTO_TEST_CASE(typed_accessors_refuse_the_wrong_type_as_store_corrupt) {
  BOOST_TEST(attribute_value::number(-5).as_int64() == -5);
  BOOST_TEST(attribute_value::string("a").as_string() == "a");
  BOOST_TEST(attribute_value::boolean_value(true).as_bool());
  auto corrupt = [](const boost::system::system_error& e) {
    return e.code() == make_error_code(errc::store_corrupt);
  };
  BOOST_CHECK_EXCEPTION(attribute_value::string("1").as_int64(), boost::system::system_error, corrupt);
  BOOST_CHECK_EXCEPTION(attribute_value::number_text("1.5").as_int64(), boost::system::system_error, corrupt);
  BOOST_CHECK_EXCEPTION(attribute_value::number_text("99999999999999999999").as_int64(),
                        boost::system::system_error, corrupt);
  BOOST_CHECK_EXCEPTION(attribute_value::number(1).as_string(), boost::system::system_error, corrupt);
  BOOST_CHECK_EXCEPTION(attribute_value::null_value().as_bool(), boost::system::system_error, corrupt);
}

BOOST_AUTO_TEST_SUITE_END()
