#include "fake_http_server.hpp"
#include "unit/credentials/test_util.hpp"

#include <awsmp/web_identity_credentials_provider.hpp>

#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

using namespace awsmp;
using namespace std::chrono_literals;

namespace {

std::string data(const std::string& name) {
  std::ifstream in(std::string(AWSMP_TEST_DATA_DIR) + "/credentials/" + name, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Plays STS: checks the Query API form body and answers XML, or scripted errors first.
struct sts_fake {
  std::string expected_token = "WEB-IDENTITY-TOKEN-1";
  std::vector<std::pair<unsigned, std::string>> errors;  // answered (in order) before success

  test::fake_http_server::action operator()(const test::server_request& r) {
    if (r.method() != boost::beast::http::verb::post || r.target() != "/") return {test::respond(404)};
    if (r[boost::beast::http::field::content_type].find("application/x-www-form-urlencoded") != 0)
      return {test::respond(400, "wrong content type")};
    if (!errors.empty()) {
      auto [status, body] = errors.front();
      errors.erase(errors.begin());
      return {test::respond(status, body, "text/xml")};
    }
    const std::string expected = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15"
                                 "&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fweb"
                                 "&RoleSessionName=my-session&WebIdentityToken=" + expected_token;
    if (r.body() != expected) return {test::respond(400, data("sts_error.xml"), "text/xml")};
    return {test::respond(200, data("sts_assume_role_with_web_identity.xml"), "text/xml")};
  }
};

struct sts_setup {
  test::temp_dir dir;
  std::filesystem::path token_file = dir.write("token", "WEB-IDENTITY-TOKEN-1\n");

  environment_lookup env(const test::fake_http_server& server,
                         std::map<std::string, std::string, std::less<>> extra = {}) const {
    extra.emplace("AWS_WEB_IDENTITY_TOKEN_FILE", token_file.string());
    extra.emplace("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web");
    extra.emplace("AWS_ROLE_SESSION_NAME", "my-session");
    extra.emplace("AWS_ENDPOINT_URL_STS", server.url());
    return fixed_environment(std::move(extra));
  }
};

credentials fetch(const environment_lookup& env) {
  boost::asio::io_context ctx;
  web_identity_credentials_provider p(ctx.get_executor(), env);
  return test::run(ctx, p.get());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_web_identity)

BOOST_AUTO_TEST_CASE(assume_role_with_web_identity) {
  sts_fake fake;
  test::fake_http_server server(std::ref(fake));
  sts_setup s;
  test::log_capture logs;
  const auto c = fetch(s.env(server));
  BOOST_TEST(c.access_key_id == "ASIAIOSFODNN7EXAMPLE");
  BOOST_TEST(c.secret_access_key == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  BOOST_TEST(c.session_token == "AQoDYXdzEE0a8ANXXXXXXXXNO1ewxE5TijQyp+IEXAMPLE&more");
  BOOST_TEST(c.expiration.has_value());
  const auto reqs = server.requests();
  BOOST_REQUIRE_EQUAL(reqs.size(), 1u);
  BOOST_TEST(reqs[0][boost::beast::http::field::authorization] == "");  // unsigned call
  BOOST_TEST(reqs[0][boost::beast::http::field::host] == "127.0.0.1:" + std::to_string(server.port()));
  test::check_no_secret(logs.all(), {"WEB-IDENTITY-TOKEN-1", "wJalrXUtnFEMI", "AQoDYXdzEE0a8"});
}

BOOST_AUTO_TEST_CASE(the_token_file_is_reread_on_every_call) {
  sts_fake fake;
  test::fake_http_server server(std::ref(fake));
  sts_setup s;
  (void)fetch(s.env(server));
  s.dir.write("token", "WEB-IDENTITY-TOKEN-2");
  fake.expected_token = "WEB-IDENTITY-TOKEN-2";
  BOOST_TEST(fetch(s.env(server)).access_key_id == "ASIAIOSFODNN7EXAMPLE");
}

BOOST_AUTO_TEST_CASE(an_sts_refusal_is_an_aws_error_without_the_token) {
  sts_fake fake;
  fake.expected_token = "SOMETHING-ELSE";
  test::fake_http_server server(std::ref(fake));
  sts_setup s;
  test::log_capture logs;
  try {
    (void)fetch(s.env(server));
    BOOST_FAIL("expected aws_error");
  } catch (const aws_error& e) {
    BOOST_TEST(e.type() == "InvalidIdentityToken");
    BOOST_TEST(e.http_status() == 400u);
    BOOST_TEST(e.request_id() == "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
    BOOST_TEST(e.aws_message() == "Token <expired> & rejected");
    BOOST_TEST(!e.retryable());
    test::check_no_secret(e.what(), {"WEB-IDENTITY-TOKEN-1"});
  }
  BOOST_TEST(server.request_count() == 1u);  // not retried
  test::check_no_secret(logs.all(), {"WEB-IDENTITY-TOKEN-1"});
}

BOOST_AUTO_TEST_CASE(an_echoed_token_is_redacted) {
  sts_fake fake;
  fake.errors.push_back({403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no for WEB-IDENTITY-TOKEN-1 "
                              "sorry</Message></Error><RequestId>r</RequestId></ErrorResponse>"});
  test::fake_http_server server(std::ref(fake));
  sts_setup s;
  try {
    (void)fetch(s.env(server));
    BOOST_FAIL("expected aws_error");
  } catch (const aws_error& e) {
    BOOST_TEST(e.type() == "AccessDenied");
    BOOST_TEST(e.aws_message() == "no for <redacted> sorry");
    test::check_no_secret(e.what(), {"WEB-IDENTITY-TOKEN-1"});
  }
}

BOOST_AUTO_TEST_CASE(idp_communication_errors_and_5xx_are_retried_once) {
  const std::string idp = "<ErrorResponse><Error><Code>IDPCommunicationError</Code><Message>idp slow</Message></Error></ErrorResponse>";
  {
    sts_fake fake;
    fake.errors.push_back({400, idp});
    test::fake_http_server server(std::ref(fake));
    sts_setup s;
    BOOST_TEST(fetch(s.env(server)).access_key_id == "ASIAIOSFODNN7EXAMPLE");
    BOOST_TEST(server.request_count() == 2u);
  }
  {
    sts_fake fake;
    fake.errors = {{503, "<ErrorResponse><Error><Code>ServiceUnavailable</Code></Error></ErrorResponse>"},
                   {400, idp}};
    test::fake_http_server server(std::ref(fake));
    sts_setup s;
    try {
      (void)fetch(s.env(server));
      BOOST_FAIL("expected aws_error");
    } catch (const aws_error& e) {
      BOOST_TEST(e.type() == "IDPCommunicationError");
    }
    BOOST_TEST(server.request_count() == 2u);
  }
}

BOOST_AUTO_TEST_CASE(configuration_errors) {
  sts_fake fake;
  test::fake_http_server server(std::ref(fake));
  sts_setup s;
  BOOST_TEST(test::error_of([] { (void)fetch(fixed_environment({})); }).code() == errc::credentials_unavailable);
  BOOST_TEST(test::error_of([] { (void)fetch(fixed_environment({{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}})); }).code() ==
             errc::invalid_argument);
  BOOST_TEST(test::error_of([&] { (void)fetch(fixed_environment({{"AWS_WEB_IDENTITY_TOKEN_FILE", s.token_file.string()}})); })
                 .code() == errc::invalid_argument);
  s.dir.write("token", "\n");
  BOOST_TEST(test::error_of([&] { (void)fetch(s.env(server)); }).code() == errc::invalid_argument);
  std::filesystem::remove(s.token_file);
  BOOST_TEST(test::error_of([&] { (void)fetch(s.env(server)); }).code() == errc::invalid_argument);
  s.dir.write("token", "T12");  // STS wants 4..20000 characters
  BOOST_TEST(test::error_of([&] { (void)fetch(s.env(server)); }).code() == errc::invalid_argument);
  s.dir.write("token", "T123");
  BOOST_TEST(test::error_of([&] { (void)fetch(s.env(server, {{"AWS_ROLE_SESSION_NAME", "bad name!"}})); }).code() ==
             errc::invalid_argument);
  BOOST_TEST(test::error_of([&] { (void)fetch(s.env(server, {{"AWS_ROLE_ARN", "arn:aws:iam::1"}})); }).code() ==
             errc::invalid_argument);
  BOOST_TEST(server.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(endpoint_selection) {
  const auto o = web_identity_options::from_environment(fixed_environment(
      {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}, {"AWS_REGION", "eu-west-1"}}));
  BOOST_REQUIRE(o);
  BOOST_TEST(o->sts_endpoint.empty());
  BOOST_TEST(o->region == "eu-west-1");
  const auto g = web_identity_options::from_environment(fixed_environment(
      {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}, {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}, {"AWS_ENDPOINT_URL", "http://127.0.0.1:1"}}));
  BOOST_TEST(g->sts_endpoint == "http://127.0.0.1:1");
  const auto sts = web_identity_options::from_environment(fixed_environment({{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"},
                                                                             {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"},
                                                                             {"AWS_ENDPOINT_URL", "http://a"},
                                                                             {"AWS_ENDPOINT_URL_STS", "http://b"}}));
  BOOST_TEST(sts->sts_endpoint == "http://b");
  BOOST_TEST(!web_identity_options::from_environment(fixed_environment({})).has_value());
}

BOOST_AUTO_TEST_CASE(explicit_options_and_default_session_name) {
  sts_fake fake;
  test::fake_http_server server(std::ref(fake));
  sts_setup s;
  web_identity_options o;
  o.role_arn = "arn:aws:iam::123456789012:role/web";
  o.token_file = s.token_file;
  o.sts_endpoint = server.url();
  boost::asio::io_context ctx;
  web_identity_credentials_provider p(ctx.get_executor(), o);
  // The fake refuses a body whose session name is not "my-session": the default one differs.
  BOOST_TEST(test::error_of([&] { (void)test::run(ctx, p.get()); }).code() == errc::service_error);
  const auto body = server.requests().at(0).body();
  BOOST_TEST(body.find("&RoleSessionName=awsmp-") != std::string::npos, body);
}

BOOST_AUTO_TEST_SUITE_END()
