// The errc category, aws_error, retry classification and AWS JSON 1.1 error decoding.
#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>
#include <set>
#include <string>

#include "core/throw.hpp"

using namespace awsmp;

BOOST_AUTO_TEST_SUITE(error)

BOOST_AUTO_TEST_CASE(category_and_messages) {
  BOOST_TEST(std::string(error_category().name()) == "awsmp");
  std::set<std::string> seen;
  for (int v = static_cast<int>(errc::invalid_argument); v <= static_cast<int>(errc::stopped); ++v) {
    const auto ec = make_error_code(static_cast<errc>(v));
    BOOST_TEST(&ec.category() == &error_category());
    BOOST_TEST(!ec.message().empty());
    BOOST_TEST(ec.message().find("unknown") == std::string::npos, ec.message());
    seen.insert(ec.message());
  }
  BOOST_TEST(seen.size() == 12u);  // one distinct message per value
  BOOST_TEST(make_error_code(static_cast<errc>(999)).message().find("unknown") != std::string::npos);
  const boost::system::error_code ec = errc::timeout;  // is_error_code_enum
  BOOST_TEST((ec == errc::timeout));
  BOOST_TEST(ec.message() == "timed out");
}

BOOST_AUTO_TEST_CASE(throw_helpers_have_plain_messages) {
  try {
    detail::throw_invalid_argument("UsageRecords[3].Quantity", "must be 0..2147483647");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == errc::invalid_argument));
    BOOST_TEST(std::string(e.what()) == "UsageRecords[3].Quantity: must be 0..2147483647");
  }
  try {
    detail::throw_error(errc::journal_corrupt, "entry 7: bad checksum");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == errc::journal_corrupt));
    BOOST_TEST(std::string(e.what()) == "entry 7: bad checksum");
  }
}

BOOST_AUTO_TEST_CASE(aws_error_fields_and_what) {
  const aws_error e(400, "InvalidProductCodeException", "Invalid product code", "req-1");
  BOOST_TEST(e.type() == "InvalidProductCodeException");
  BOOST_TEST(e.http_status() == 400u);
  BOOST_TEST(e.request_id() == "req-1");
  BOOST_TEST(e.aws_message() == "Invalid product code");
  BOOST_TEST(!e.retryable());
  BOOST_TEST((e.code() == errc::service_error));
  BOOST_TEST(std::string(e.what()) ==
             "InvalidProductCodeException (HTTP 400, request id req-1): Invalid product code");
  const boost::system::system_error& base = e;
  BOOST_TEST(std::string(base.what()) == e.what());
}

BOOST_AUTO_TEST_CASE(retryable_types_and_statuses) {
  for (const char* t :
       {"ThrottlingException", "Throttling", "TooManyRequestsException", "InternalServiceErrorException",
        "InternalFailure", "ServiceUnavailable", "RequestTimeout", "RequestTimeoutException",
        "com.amazonaws.marketplace#ThrottlingException"})
    BOOST_TEST(is_retryable_error(t, 400), t);
  for (unsigned s : {429u, 500u, 502u, 503u, 504u}) BOOST_TEST(is_retryable_error("", s), s);
  for (const char* t :
       {"InvalidProductCodeException", "InvalidCustomerIdentifierException", "DuplicateRequestException",
        "TimestampOutOfBoundsException", "CustomerNotEntitledException", "InvalidTokenException",
        "ExpiredTokenException", "AccessDeniedException", "UnknownError", ""})
    BOOST_TEST(!is_retryable_error(t, 400), t);
  for (unsigned s : {200u, 400u, 401u, 403u, 404u, 413u, 501u}) BOOST_TEST(!is_retryable_error("", s), s);
}

BOOST_AUTO_TEST_CASE(type_trimming) {
  BOOST_TEST(trim_aws_error_type("com.amazonaws.marketplace#ThrottlingException") == "ThrottlingException");
  BOOST_TEST(trim_aws_error_type(
                 "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/") ==
             "ThrottlingException");
  BOOST_TEST(trim_aws_error_type("aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/") ==
             "FooError");
  BOOST_TEST(trim_aws_error_type("FooError") == "FooError");
  BOOST_TEST(trim_aws_error_type("") == "");
}

BOOST_AUTO_TEST_CASE(decode_body_type_and_message) {
  const auto e = decode_aws_error(
      400, "", "rid-9",
      R"({"__type":"com.amazonaws.marketplace#InvalidProductCodeException","message":"bad code"})");
  BOOST_TEST(e.type() == "InvalidProductCodeException");
  BOOST_TEST(e.aws_message() == "bad code");
  BOOST_TEST(e.request_id() == "rid-9");
  BOOST_TEST(e.http_status() == 400u);
  BOOST_TEST(!e.retryable());
  const auto m = decode_aws_error(400, "", "", R"({"__type":"InvalidTokenException","Message":"capital M"})");
  BOOST_TEST(m.aws_message() == "capital M");
  BOOST_TEST(std::string(m.what()) == "InvalidTokenException (HTTP 400, request id none): capital M");
}

BOOST_AUTO_TEST_CASE(header_type_is_preferred) {
  const auto e = decode_aws_error(
      400, "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/", "r",
      R"({"__type":"SomethingElse","message":"Rate exceeded"})");
  BOOST_TEST(e.type() == "ThrottlingException");
  BOOST_TEST(e.aws_message() == "Rate exceeded");
  BOOST_TEST(e.retryable());
}

BOOST_AUTO_TEST_CASE(bodies_that_are_not_json_objects_never_throw) {
  const auto html = decode_aws_error(502, "", "", "<html><body>Bad Gateway</body></html>");
  BOOST_TEST(html.type() == "UnknownError");
  BOOST_TEST(html.http_status() == 502u);
  BOOST_TEST(html.retryable());
  BOOST_TEST(html.aws_message().find("not JSON") != std::string::npos, html.aws_message());
  BOOST_TEST(html.aws_message().find("Bad Gateway") != std::string::npos, html.aws_message());
  const auto arr = decode_aws_error(400, "", "", "[1,2]");
  BOOST_TEST(arr.type() == "UnknownError");
  BOOST_TEST(arr.aws_message().find("not a JSON object") != std::string::npos, arr.aws_message());
  BOOST_TEST(!arr.retryable());
  const auto empty = decode_aws_error(503, "", "", "");
  BOOST_TEST(empty.type() == "UnknownError");
  BOOST_TEST(empty.retryable());
  const auto wrong_types = decode_aws_error(400, "", "", R"({"__type":5,"message":{"a":1}})");
  BOOST_TEST(wrong_types.type() == "UnknownError");
  BOOST_TEST(wrong_types.aws_message().empty());
  const auto with_header = decode_aws_error(429, "TooManyRequestsException", "", "garbage");
  BOOST_TEST(with_header.type() == "TooManyRequestsException");
}

BOOST_AUTO_TEST_CASE(huge_or_hostile_bodies_are_bounded) {
  const std::string big(1 << 20, 'x');
  const auto e = decode_aws_error(500, "", "", big);
  BOOST_TEST(std::string(e.what()).size() < 1024u);
  const auto ctl =
      decode_aws_error(400, "", "id\r\nInjected: 1", R"({"__type":"X","message":"line1\nline2"})");
  BOOST_TEST(std::string(ctl.what()).find('\n') == std::string::npos, ctl.what());
  BOOST_TEST(std::string(ctl.what()).find('\r') == std::string::npos, ctl.what());
}

BOOST_AUTO_TEST_CASE(session_tokens_quoted_by_aws_are_redacted) {
  // InvalidSignatureException quotes the expected canonical request, signed headers included.
  const std::string token = "IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+abc==";
  const std::string body =
      R"({"__type":"InvalidSignatureException","message":"The request signature we calculated does not )"
      R"(match the signature you provided. The Canonical String for this request should have been\n'POST\n/\n\n)"
      R"(content-type:application/x-amz-json-1.1\nx-amz-security-token:)" +
      token + R"(\nx-amz-target:AWSMPMeteringService.BatchMeterUsage\n' Signature=deadbeef01"})";
  const auto e = decode_aws_error(403, "", "r", body);
  const std::string what = e.what();
  BOOST_TEST(e.type() == "InvalidSignatureException");
  BOOST_TEST(what.find(token) == std::string::npos, what);
  BOOST_TEST(what.find("deadbeef01") == std::string::npos, what);
  BOOST_TEST(what.find("x-amz-security-token:<redacted>") != std::string::npos, what);
  BOOST_TEST(what.find("x-amz-target:AWSMPMeteringService.BatchMeterUsage") != std::string::npos, what);
  const auto upper =
      decode_aws_error(403, "", "", R"({"message":"X-Amz-Security-Token=)" + token + R"(&x=1"})");
  BOOST_TEST(std::string(upper.what()).find(token) == std::string::npos, upper.what());
  const auto raw = decode_aws_error(400, "", "", "x-amz-security-token:" + token + " not json");
  BOOST_TEST(std::string(raw.what()).find(token) == std::string::npos, raw.what());
}

BOOST_AUTO_TEST_SUITE_END()
