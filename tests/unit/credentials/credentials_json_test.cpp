#include "credentials/credentials_json.hpp"

#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

using namespace awsmp;
using detail::parse_iso8601;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year;

BOOST_AUTO_TEST_SUITE(credentials_json)

BOOST_AUTO_TEST_CASE(iso8601_forms) {
  const time_point base = sys_days{year{2026} / 11 / 25} + hours{17} + minutes{4} + seconds{5};
  BOOST_TEST((parse_iso8601("2026-11-25T17:04:05Z") == base));
  BOOST_TEST((parse_iso8601("2026-11-25t17:04:05z") == base));
  BOOST_TEST((parse_iso8601("2026-11-25T17:04:05.250Z") == base + milliseconds{250}));
  BOOST_TEST((parse_iso8601("2026-11-25T19:04:05+02:00") == base));
  BOOST_TEST((parse_iso8601("2026-11-25T16:34:05-00:30") == base));
  BOOST_TEST((parse_iso8601("2024-02-29T00:00:00Z") == time_point(sys_days{year{2024} / 2 / 29})));
  for (std::string_view bad :
       {"", "2026-11-25", "2026-11-25T17:04:05", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-25T24:00:00Z", "2026-11-25T17:04:05.Z", "2026-11-25T17:04:05Zjunk",
        "2026-11-25T17:04:05+0200", "x026-11-25T17:04:05Z"})
    BOOST_TEST(!parse_iso8601(bad).has_value(), bad);
}

// Times come from IMDS, container and STS answers and from AWS_CREDENTIAL_EXPIRATION: an
// untrusted year must not reach the nanosecond arithmetic, which ends in 2262 (issue 15 item 2).
BOOST_AUTO_TEST_CASE(iso8601_years_are_bounded_like_amz_dates) {
  for (std::string_view bad :
       {"9999-12-31T23:59:59Z", "2263-01-01T00:00:00Z", "2201-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z", "9999-12-31T23:59:59.999999999-23:59"})
    BOOST_TEST(!parse_iso8601(bad).has_value(), bad);
  BOOST_TEST((parse_iso8601("1970-01-01T00:00:00Z") == time_point{}));
  BOOST_TEST((parse_iso8601("2200-12-31T23:59:59Z") ==
              time_point(sys_days{year{2200} / 12 / 31} + hours{23} + minutes{59} + seconds{59})));
}

BOOST_AUTO_TEST_CASE(container_document) {
  const auto c = detail::parse_credentials_json(
      R"({"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"s3cr3t","Token":"tok","Expiration":"2026-11-25T18:00:00Z",
          "RoleArn":"arn:aws:iam::1:role/x"})",
      "ecs");
  BOOST_TEST(c.access_key_id == "ASIAEXAMPLE");
  BOOST_TEST(c.secret_access_key == "s3cr3t");
  BOOST_TEST(c.session_token == "tok");
  BOOST_REQUIRE(c.expiration);
  BOOST_TEST((*c.expiration == time_point(sys_days{year{2026} / 11 / 25} + hours{18})));
}

BOOST_AUTO_TEST_CASE(imds_document_with_code) {
  const auto c = detail::parse_credentials_json(
      R"({"Code":"Success","LastUpdated":"2026-11-25T17:00:00Z","Type":"AWS-HMAC","AccessKeyId":"A","SecretAccessKey":"S","Token":"T","Expiration":"2026-11-25T23:00:00Z"})",
      "imds");
  BOOST_TEST(c.access_key_id == "A");
  const auto e = test::error_of([] {
    (void)detail::parse_credentials_json(R"({"Code":"Failed","AccessKeyId":"A","SecretAccessKey":"SECRETX"})",
                                         "imds");
  });
  BOOST_TEST(e.code() == errc::service_error);
  BOOST_TEST(std::string(e.what()).find("Failed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(malformed_documents_name_the_member_never_the_value) {
  struct bad_case {
    std::string body;
    std::string expected;
  };
  const bad_case cases[] = {
      {"not json SECRETX", "the answer is not a JSON object"},
      {R"(["SECRETX"])", "the answer is not a JSON object"},
      {R"({"SecretAccessKey":"SECRETX"})", "member AccessKeyId is missing"},
      {R"({"AccessKeyId":"A"})", "member SecretAccessKey is missing"},
      {R"({"AccessKeyId":"","SecretAccessKey":"SECRETX"})", "member AccessKeyId is empty"},
      {R"({"AccessKeyId":"A","SecretAccessKey":7})", "member SecretAccessKey is not a string"},
      {R"({"AccessKeyId":"A","SecretAccessKey":"SECRETX","Token":"SECRETX","Expiration":"soon"})",
       "member Expiration is not an ISO 8601 time"},
  };
  for (const auto& c : cases) {
    const auto e = test::error_of([&] { (void)detail::parse_credentials_json(c.body, "src"); });
    BOOST_TEST(e.code() == errc::malformed_message);
    const std::string what = e.what();
    BOOST_TEST(what.find("src: " + c.expected) != std::string::npos, what);
    test::check_no_secret(what, {"SECRETX"});
  }
}

BOOST_AUTO_TEST_SUITE_END()
