// Each canonicalisation rule of SigV4 on its own: URI, query, headers, date, payload, scope.
#include <awsmp/sigv4.hpp>
#include <boost/test/unit_test.hpp>
#include <string>

#include "core/crypto.hpp"
#include "sigv4_test_support.hpp"

using namespace awsmp;
using namespace awsmp::test_sigv4;

namespace {

const credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}};
const time_point when = parse_amz_date("20150830T123600Z");

http_request make(std::string_view method, std::string_view target) {
  http_request r;
  r.method_string(method);
  r.target(target);
  r.set("Host", "example.amazonaws.com");
  return r;
}

// The lines of a canonical request: method, uri, query, headers..., "", signed, payload.
std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t end = s.find('\n', pos);
    out.push_back(s.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return out;
}

std::string empty_hash() {
  return detail::to_hex(detail::sha256(""));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sigv4_canonical_uri)

BOOST_AUTO_TEST_CASE(empty_path_is_slash) {
  BOOST_TEST(sigv4::canonical_uri("") == "/");
  BOOST_TEST(sigv4::canonical_uri("/") == "/");
  BOOST_TEST(sigv4::canonical_uri("", false) == "/");
}

BOOST_AUTO_TEST_CASE(dot_segments_are_removed) {
  BOOST_TEST(sigv4::canonical_uri("/./") == "/");
  BOOST_TEST(sigv4::canonical_uri("/./example") == "/example");
  BOOST_TEST(sigv4::canonical_uri("/example1/example2/../..") == "/");
  BOOST_TEST(sigv4::canonical_uri("/a/b/../c/./d") == "/a/c/d");
  BOOST_TEST(sigv4::canonical_uri("/../../a") == "/a");  // ".." never climbs above the root
  BOOST_TEST(sigv4::canonical_uri("/a/b/..") == "/a/");  // RFC 3986 5.2.4: a directory
  BOOST_TEST(sigv4::canonical_uri("/a/.") == "/a/");
  BOOST_TEST(sigv4::canonical_uri("/a/..b/.c") == "/a/..b/.c");  // only whole segments are dots
}

BOOST_AUTO_TEST_CASE(empty_segments_are_removed_but_a_trailing_slash_stays) {
  BOOST_TEST(sigv4::canonical_uri("//") == "/");
  BOOST_TEST(sigv4::canonical_uri("//example//") == "/example/");
  BOOST_TEST(sigv4::canonical_uri("/a//b") == "/a/b");
  BOOST_TEST(sigv4::canonical_uri("/a/b/") == "/a/b/");
}

BOOST_AUTO_TEST_CASE(each_segment_is_percent_encoded_once_more) {
  BOOST_TEST(sigv4::canonical_uri("/example space/") == "/example%20space/");
  BOOST_TEST(sigv4::canonical_uri("/\xE1\x88\xB4") == "/%E1%88%B4");
  BOOST_TEST(sigv4::canonical_uri("/-._~AZaz09") == "/-._~AZaz09");
  BOOST_TEST(sigv4::canonical_uri("/!$&'()*+,;=:@") == "/%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40");
  // A path that is already encoded on the wire is encoded again (every service but S3).
  BOOST_TEST(sigv4::canonical_uri("/a%20b/%2F") == "/a%2520b/%252F");
}

BOOST_AUTO_TEST_CASE(without_normalisation_the_path_keeps_its_segments) {
  BOOST_TEST(sigv4::canonical_uri("//a/./b/../", false) == "//a/./b/../");
  BOOST_TEST(sigv4::canonical_uri("/a b", false) == "/a%20b");
  http_request r = make("GET", "/my-object//example//photo.user");
  sigv4::signing_options s3;
  s3.normalize_path = false;
  s3.encode_path = false;
  const auto steps = sigv4::sign(r, creds, "us-east-1", "s3", when, s3);
  BOOST_TEST(lines(steps.canonical_request).at(1) == "/my-object//example//photo.user");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sigv4_canonical_query)

BOOST_AUTO_TEST_CASE(pairs_sort_by_key_then_value) {
  BOOST_TEST(sigv4::canonical_query_string("b=2&a=1") == "a=1&b=2");
  BOOST_TEST(sigv4::canonical_query_string("Param1=value2&Param1=Value1") == "Param1=Value1&Param1=value2");
  BOOST_TEST(sigv4::canonical_query_string("a=2&a=1&a=10") == "a=1&a=10&a=2");
  BOOST_TEST(sigv4::canonical_query_string("b=1&B=2") == "B=2&b=1");  // byte order: upper case first
}

BOOST_AUTO_TEST_CASE(sorting_uses_the_encoded_names) {
  // Decoded, "a b" < "a-"; encoded, "a%20b" < "a-" too, but "a~" > "a%7F": the encoded bytes decide.
  BOOST_TEST(sigv4::canonical_query_string("a-=1&a%20b=2") == "a%20b=2&a-=1");
  BOOST_TEST(sigv4::canonical_query_string("a~=1&a%7F=2") == "a%7F=2&a~=1");
}

BOOST_AUTO_TEST_CASE(empty_values_are_kept) {
  BOOST_TEST(sigv4::canonical_query_string("a") == "a=");
  BOOST_TEST(sigv4::canonical_query_string("a=") == "a=");
  BOOST_TEST(sigv4::canonical_query_string("b&a=&a=x") == "a=&a=x&b=");
  BOOST_TEST(sigv4::canonical_query_string("") == "");
  BOOST_TEST(sigv4::canonical_query_string("a=1&&b=2&") == "a=1&b=2");  // empty pairs carry nothing
}

BOOST_AUTO_TEST_CASE(names_and_values_are_decoded_then_re_encoded) {
  BOOST_TEST(sigv4::canonical_query_string("k=%2f%3a") == "k=%2F%3A");    // upper-case hex
  BOOST_TEST(sigv4::canonical_query_string("%41%7e=%2D") == "A~=-");      // unreserved decoded
  BOOST_TEST(sigv4::canonical_query_string("k=a b/c") == "k=a%20b%2Fc");  // raw bytes encoded
  BOOST_TEST(sigv4::canonical_query_string("k=a+b") == "k=a%2Bb");        // '+' is a plus
  BOOST_TEST(sigv4::canonical_query_string("k=1=2") == "k=1%3D2");        // first '=' splits
  BOOST_TEST(sigv4::canonical_query_string("k=%zz%4") == "k=%25zz%254");  // bad escapes literal
  BOOST_TEST(sigv4::canonical_query_string("\xE1\x88\xB4=1") == "%E1%88%B4=1");
  BOOST_TEST(sigv4::canonical_query_string("%E1%88%B4=1") == "%E1%88%B4=1");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sigv4_canonical_headers)

BOOST_AUTO_TEST_CASE(names_are_lower_case_and_sorted) {
  http_request r = make("GET", "/");
  r.set("ZZ-Last", "z");
  r.set("A-First", "a");
  r.set("My-Header", "m");
  const auto steps = sigv4::sign(r, creds, "us-east-1", "service", when, {});
  const auto l = lines(steps.canonical_request);
  BOOST_TEST(l.at(3) == "a-first:a");
  BOOST_TEST(l.at(4) == "host:example.amazonaws.com");
  BOOST_TEST(l.at(5) == "my-header:m");
  BOOST_TEST(l.at(6) == "x-amz-date:20150830T123600Z");
  BOOST_TEST(l.at(7) == "zz-last:z");
  BOOST_TEST(l.at(9) == "a-first;host;my-header;x-amz-date;zz-last");
  BOOST_TEST(steps.authorization.find("SignedHeaders=a-first;host;my-header;x-amz-date;zz-last,") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(values_are_trimmed_and_inner_whitespace_folded) {
  http_request r = make("GET", "/");
  r.set("X-A", "  leading and trailing \t ");
  r.set("X-B", "a   b\t\tc \t d");
  r.set("X-C", "value1\r\n  value2\n\tvalue3");  // an obsolete multi-line value
  r.set("X-D", "");
  r.set("X-E", "\"a   b\"");  // quotes do not protect the spaces
  const auto l = lines(sigv4::sign(r, creds, "us-east-1", "service", when, {}).canonical_request);
  BOOST_TEST(l.at(4) == "x-a:leading and trailing");
  BOOST_TEST(l.at(5) == "x-amz-date:20150830T123600Z");  // "x-a" < "x-amz-date" < "x-b"
  BOOST_TEST(l.at(6) == "x-b:a b c d");
  BOOST_TEST(l.at(7) == "x-c:value1 value2 value3");
  BOOST_TEST(l.at(8) == "x-d:");
  BOOST_TEST(l.at(9) == "x-e:\"a b\"");
}

BOOST_AUTO_TEST_CASE(repeated_headers_join_with_commas_in_order) {
  http_request r = make("GET", "/");
  r.insert("My-Header1", "value2");
  r.insert("x-other", "o");
  r.insert("my-header1", "  value2 ");
  r.insert("MY-HEADER1", "value1");
  const auto l = lines(sigv4::sign(r, creds, "us-east-1", "service", when, {}).canonical_request);
  BOOST_TEST(l.at(4) == "my-header1:value2,value2,value1");
  BOOST_TEST(l.at(5) == "x-amz-date:20150830T123600Z");
  BOOST_TEST(l.at(6) == "x-other:o");
  BOOST_TEST(l.at(8) == "host;my-header1;x-amz-date;x-other");
}

BOOST_AUTO_TEST_CASE(hop_by_hop_and_proxy_rewritten_headers_are_not_signed) {
  http_request r = make("POST", "/");
  r.set("User-Agent", "awsmp/0.1");
  r.set("Connection", "keep-alive");
  r.set("Expect", "100-continue");
  r.set("X-Amzn-Trace-Id", "Root=1");
  r.set("Transfer-Encoding", "chunked");
  r.set("Content-Type", "application/x-amz-json-1.1");
  const auto l = lines(sigv4::sign(r, creds, "us-east-1", "service", when, {}).canonical_request);
  BOOST_TEST(l.at(7) == "content-type;host;x-amz-date");
}

BOOST_AUTO_TEST_CASE(x_amz_date_is_added_and_replaces_an_old_one) {
  http_request r = make("GET", "/");
  r.set("X-Amz-Date", "19990101T000000Z");
  r.set("Authorization", "stale");
  const auto steps = sigv4::sign(r, creds, "us-east-1", "service", when, {});
  BOOST_TEST(std::distance(r.equal_range("x-amz-date").first, r.equal_range("x-amz-date").second) == 1);
  BOOST_TEST(std::string(r["X-Amz-Date"]) == "20150830T123600Z");
  BOOST_TEST(std::string(r["Authorization"]) == steps.authorization);
}

BOOST_AUTO_TEST_CASE(payload_is_hashed_or_taken_from_x_amz_content_sha256) {
  http_request r = make("POST", "/");
  r.body() = "{\"ProductCode\":\"p\"}";
  auto l = lines(sigv4::sign(r, creds, "us-east-1", "service", when, {}).canonical_request);
  BOOST_TEST(l.back() == detail::to_hex(detail::sha256(r.body())));

  http_request e = make("GET", "/");
  l = lines(sigv4::sign(e, creds, "us-east-1", "service", when, {}).canonical_request);
  BOOST_TEST(l.back() == empty_hash());

  http_request u = make("PUT", "/");
  u.body() = "data";
  u.set("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD");
  l = lines(sigv4::sign(u, creds, "us-east-1", "s3", when, {}).canonical_request);
  BOOST_TEST(l.back() == "UNSIGNED-PAYLOAD");

  http_request a = make("PUT", "/");
  a.body() = "data";
  sigv4::signing_options opt;
  opt.add_content_sha256 = true;
  l = lines(sigv4::sign(a, creds, "us-east-1", "s3", when, opt).canonical_request);
  BOOST_TEST(std::string(a["x-amz-content-sha256"]) == detail::to_hex(detail::sha256("data")));
  BOOST_TEST(l.back() == detail::to_hex(detail::sha256("data")));
  BOOST_TEST(l.at(l.size() - 2) == "host;x-amz-content-sha256;x-amz-date");
}

BOOST_AUTO_TEST_CASE(canonical_request_of_an_unsigned_request_uses_signable_headers) {
  http_request r = make("POST", "/path?b=2&a=1");
  r.set("User-Agent", "ua");
  r.set("X-Amz-Target", "AWSMPMeteringService.BatchMeterUsage");
  const std::string want =
      "POST\n/path\na=1&b=2\nhost:example.amazonaws.com\n"
      "x-amz-target:AWSMPMeteringService.BatchMeterUsage\n\nhost;x-amz-target\n" +
      empty_hash();
  BOOST_TEST(sigv4::canonical_request(r) == want);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sigv4_date_and_scope)

BOOST_AUTO_TEST_CASE(amz_date_is_utc_and_truncates_fractions) {
  using namespace std::chrono;
  BOOST_TEST(sigv4::amz_date(awsmp::time_point{}) == "19700101T000000Z");
  BOOST_TEST(sigv4::amz_date(sys_days{2024y / February / 29} + 23h + 59min + 59s + 999ms) ==
             "20240229T235959Z");
  BOOST_TEST(sigv4::amz_date(sys_days{2025y / December / 31} + 23h + 59min + 59s) == "20251231T235959Z");
  BOOST_TEST(sigv4::amz_date(sys_days{2026y / January / 1}) == "20260101T000000Z");
  BOOST_TEST(sigv4::amz_date(sys_days{1969y / December / 31} + 23h + 59min + 59s + 500ms) ==
             "19691231T235959Z");
  // The extremes of system_clock (nanoseconds on libstdc++: years 1677 to 2262) still format.
  BOOST_TEST(sigv4::amz_date(awsmp::time_point::min()).size() == 16u);
  BOOST_TEST(sigv4::amz_date(awsmp::time_point::max()).starts_with("2262"));
}

BOOST_AUTO_TEST_CASE(scope_and_date_follow_the_signing_time_across_midnight) {
  using namespace std::chrono;
  http_request r = make("GET", "/");
  const auto before = sigv4::sign(r, creds, "us-west-2", "aws-marketplace",
                                  sys_days{2025y / December / 31} + 23h + 59min + 59s, {});
  BOOST_TEST(before.amz_date == "20251231T235959Z");
  BOOST_TEST(before.string_to_sign.find("\n20251231/us-west-2/aws-marketplace/aws4_request\n") !=
             std::string::npos);
  const auto after = sigv4::sign(r, creds, "us-west-2", "aws-marketplace", sys_days{2026y / January / 1}, {});
  BOOST_TEST(
      after.authorization.find("Credential=AKIDEXAMPLE/20260101/us-west-2/aws-marketplace/aws4_request, ") !=
      std::string::npos);
  BOOST_TEST(before.signature != after.signature);
}

BOOST_AUTO_TEST_CASE(signing_key_matches_the_aws_documentation_example) {
  // The derivation example of the AWS General Reference (IAM, 2012-02-15).
  const auto key =
      sigv4::derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
  BOOST_TEST(detail::to_hex(key) == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

BOOST_AUTO_TEST_CASE(signature_is_the_hmac_of_the_string_to_sign) {
  http_request r = make("POST", "/");
  r.body() = "{}";
  const auto steps = sigv4::sign(r, creds, "us-east-1", "aws-marketplace", when, {});
  const auto key =
      sigv4::derive_signing_key(creds.secret_access_key, "20150830", "us-east-1", "aws-marketplace");
  BOOST_TEST(steps.signature == detail::to_hex(detail::hmac_sha256(key, steps.string_to_sign)));
  BOOST_TEST(lines(steps.string_to_sign).at(3) == detail::to_hex(detail::sha256(steps.canonical_request)));
  BOOST_TEST(steps.signature.size() == 64u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sigv4_session_token)

BOOST_AUTO_TEST_CASE(token_is_signed_by_default) {
  credentials c = creds;
  c.session_token = "AQoDYXdzEPT//////////wEXAMPLE=";
  http_request r = make("POST", "/");
  const auto steps = sigv4::sign(r, c, "us-east-1", "service", when, {});
  BOOST_TEST(std::string(r["X-Amz-Security-Token"]) == c.session_token);
  BOOST_TEST(steps.canonical_request.find("\nx-amz-security-token:" + c.session_token + "\n") !=
             std::string::npos);
  BOOST_TEST(steps.authorization.find("SignedHeaders=host;x-amz-date;x-amz-security-token,") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(token_can_be_added_after_signing) {
  credentials c = creds;
  c.session_token = "AQoDYXdzEPT//////////wEXAMPLE=";
  http_request with = make("POST", "/");
  sigv4::signing_options after;
  after.sign_session_token = false;
  const auto steps = sigv4::sign(with, c, "us-east-1", "service", when, after);
  BOOST_TEST(std::string(with["X-Amz-Security-Token"]) == c.session_token);
  BOOST_TEST(steps.canonical_request.find("x-amz-security-token") == std::string::npos);
  // Unsigned, the token does not change the signature.
  http_request without = make("POST", "/");
  BOOST_TEST(sigv4::sign(without, creds, "us-east-1", "service", when, {}).signature == steps.signature);
}

BOOST_AUTO_TEST_CASE(a_stale_token_header_is_replaced_or_removed) {
  http_request r = make("POST", "/");
  r.set("X-Amz-Security-Token", "old-token");
  sigv4::sign(r, creds, "us-east-1", "service", when, {});
  BOOST_TEST((r.find("X-Amz-Security-Token") == r.end()));
  credentials c = creds;
  c.session_token = "new-token";
  r.set("X-Amz-Security-Token", "old-token");
  sigv4::sign(r, c, "us-east-1", "service", when, {});
  BOOST_TEST(std::distance(r.equal_range("X-Amz-Security-Token").first,
                           r.equal_range("X-Amz-Security-Token").second) == 1);
  BOOST_TEST(std::string(r["X-Amz-Security-Token"]) == "new-token");
}

BOOST_AUTO_TEST_SUITE_END()
