// The string encoder's escaping and number formats, against Python's json.dumps output.
#include "wire/json_writer.hpp"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <limits>

using namespace awsmp;

namespace {
std::string str(std::string_view s) {
  std::string out;
  detail::append_json_string(out, s);
  return out;
}
std::string ts(std::chrono::nanoseconds ns) {
  std::string out;
  detail::append_json_timestamp(out, time_point(std::chrono::duration_cast<time_point::duration>(ns)));
  return out;
}
std::string dbl(double d) {
  std::string out;
  detail::append_json_double(out, d);
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(json_writer)

BOOST_AUTO_TEST_CASE(escapes_like_python_json_dumps) {
  // Expected values printed by python3 -c 'import json; print(json.dumps(...))'.
  BOOST_TEST(str("plain / text") == R"("plain / text")");
  BOOST_TEST(str(std::string_view("\x00\x1f\"\\\b\f\n\r\t\x7f", 10)) ==
             R"("\u0000\u001f\"\\\b\f\n\r\t\u007f")");
  BOOST_TEST(str("\xc3\xa9\xe2\x82\xac") == R"("\u00e9\u20ac")");
  BOOST_TEST(str("\xf0\x9f\x98\x80") == R"("\ud83d\ude00")");
  BOOST_TEST(str("\xf4\x8f\xbf\xbf") == R"("\udbff\udfff")");  // U+10FFFF
  BOOST_TEST(str("") == R"("")");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_becomes_replacement_characters) {
  BOOST_TEST(str("a\xff"
                 "b") == R"("a\ufffdb")");
  BOOST_TEST(str("\xc0\x80") == R"("\ufffd\ufffd")");                      // overlong NUL
  BOOST_TEST(str("\xed\xa0\x80") == R"("\ufffd\ufffd\ufffd")");            // surrogate
  BOOST_TEST(str("\xe2\x82") == R"("\ufffd\ufffd")");                      // truncated
  BOOST_TEST(str("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // above U+10FFFF
}

BOOST_AUTO_TEST_CASE(timestamps_whole_seconds_are_integers) {
  using namespace std::chrono;
  BOOST_TEST(ts(seconds(1700000000)) == "1700000000");
  BOOST_TEST(ts(seconds(0)) == "0");
  BOOST_TEST(ts(seconds(-5)) == "-5");
  BOOST_TEST(ts(seconds(1700000000) + microseconds(999)) == "1700000000");  // below a millisecond: dropped
}

BOOST_AUTO_TEST_CASE(timestamps_sub_second_have_millisecond_precision) {
  using namespace std::chrono;
  BOOST_TEST(ts(seconds(1700000000) + milliseconds(125)) == "1700000000.125");
  BOOST_TEST(ts(seconds(1700000000) + milliseconds(500)) == "1700000000.5");
  BOOST_TEST(ts(seconds(1700000000) + milliseconds(10)) == "1700000000.01");
  BOOST_TEST(ts(seconds(1) + microseconds(1999)) == "1.001");  // truncated, as botocore
  // Before the epoch botocore computes timegm(t) + ms/1000: -2 + 0.5.
  BOOST_TEST(ts(milliseconds(-1500)) == "-1.5");
  BOOST_TEST(ts(milliseconds(-500)) == "-0.5");
}

BOOST_AUTO_TEST_CASE(doubles_like_python_repr) {
  BOOST_TEST(dbl(2.0) == "2.0");
  BOOST_TEST(dbl(2.5) == "2.5");
  BOOST_TEST(dbl(0.1) == "0.1");
  BOOST_TEST(dbl(-0.0) == "-0.0");
  BOOST_TEST(dbl(1e300) == "1e+300");
  BOOST_TEST(dbl(std::numeric_limits<double>::quiet_NaN()) == "null");
  BOOST_TEST(dbl(std::numeric_limits<double>::infinity()) == "null");
}

BOOST_AUTO_TEST_CASE(integers) {
  std::string out;
  detail::append_json_int(out, std::numeric_limits<std::int64_t>::min());
  BOOST_TEST(out == "-9223372036854775808");
}

BOOST_AUTO_TEST_SUITE_END()
