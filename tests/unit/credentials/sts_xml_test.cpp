#include "credentials/sts_xml.hpp"

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "test_util.hpp"

using namespace awsmp;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::year;

namespace {
std::string data(const std::string& name) {
  std::ifstream in(std::string(AWSMP_TEST_DATA_DIR) + "/credentials/" + name, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "missing test data " << name);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_sts_xml)

BOOST_AUTO_TEST_CASE(form_body_bytes) {
  BOOST_TEST(detail::form_encode("AZaz09-._~") == "AZaz09-._~");
  BOOST_TEST(detail::form_encode("a b+c/d=e&f:\xC3\xA9") == "a%20b%2Bc%2Fd%3De%26f%3A%C3%A9");
  BOOST_TEST(detail::assume_role_with_web_identity_body("arn:aws:iam::123456789012:role/my-role", "sess@1",
                                                        "eyJ.a-b_c.sig+/=") ==
             "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
             "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fmy-role"
             "&RoleSessionName=sess%401&WebIdentityToken=eyJ.a-b_c.sig%2B%2F%3D");
}

BOOST_AUTO_TEST_CASE(success_response) {
  const auto c =
      detail::parse_assume_role_with_web_identity_response(data("sts_assume_role_with_web_identity.xml"));
  BOOST_TEST(c.access_key_id == "ASIAIOSFODNN7EXAMPLE");
  BOOST_TEST(c.secret_access_key == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  BOOST_TEST(c.session_token == "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE&more");
  BOOST_REQUIRE(c.expiration);
  BOOST_TEST((*c.expiration == time_point(sys_days{year{2026} / 11 / 25} + hours{23} + seconds{23})));
}

BOOST_AUTO_TEST_CASE(error_response) {
  const auto e = detail::parse_sts_error(data("sts_error.xml"));
  BOOST_TEST(e.code == "InvalidIdentityToken");
  BOOST_TEST(e.message == "Token <expired> & rejected");
  BOOST_TEST(e.request_id == "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
  const auto empty = detail::parse_sts_error("<html>proxy</html>");
  BOOST_TEST(empty.code.empty());
}

BOOST_AUTO_TEST_CASE(element_lookup_details) {
  BOOST_TEST(detail::xml_element_text("<a><Code>x</Code></a>", "Code").value() == "x");
  BOOST_TEST(detail::xml_element_text("<a><CodeX>y</CodeX><Code attr=\"1\"> z </Code></a>", "Code").value() ==
             "z");
  BOOST_TEST(detail::xml_element_text("<a><Code/></a>", "Code").value() == "");
  BOOST_TEST(detail::xml_element_text("<a><Code><![CDATA[a<b]]></Code></a>", "Code").value() == "a<b");
  BOOST_TEST(detail::xml_element_text("<a>&#65;&#x42;&unknown;</a>", "a").value() == "AB&unknown;");
  BOOST_TEST(!detail::xml_element_text("<a><Code>x</a>", "Code").has_value());
  BOOST_TEST(!detail::xml_element_text("<a/>", "Code").has_value());
}

BOOST_AUTO_TEST_CASE(incomplete_responses_name_the_element_never_a_value) {
  const std::string full = data("sts_assume_role_with_web_identity.xml");
  for (std::string_view element : {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}) {
    std::string doc = full;
    const auto open = doc.find("<" + std::string(element) + ">");
    const auto close = doc.find("</" + std::string(element) + ">");
    BOOST_REQUIRE(open != std::string::npos && close != std::string::npos);
    doc.erase(open, close + element.size() + 3 - open);
    const auto e = test::error_of([&] { (void)detail::parse_assume_role_with_web_identity_response(doc); });
    BOOST_TEST(e.code() == errc::malformed_message);
    const std::string what = e.what();
    BOOST_TEST(what.find("element " + std::string(element) + " is missing") != std::string::npos, what);
    test::check_no_secret(what, {"wJalrXUtnFEMI", "AQoDYXdzEE0a8"});
  }
  const auto e =
      test::error_of([] { (void)detail::parse_assume_role_with_web_identity_response("<Other/>"); });
  BOOST_TEST(e.code() == errc::malformed_message);
}

BOOST_AUTO_TEST_SUITE_END()
