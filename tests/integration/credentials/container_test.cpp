#include <awsmp/container_credentials_provider.hpp>
#include <boost/test/unit_test.hpp>

#include "credentials/credentials_http.hpp"
#include "fake_http_server.hpp"
#include "unit/credentials/test_util.hpp"

using namespace awsmp;
using namespace std::chrono_literals;

namespace {

constexpr const char* creds_json =
    R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"ECS-SECRET-VALUE","Token":"ECS-SESSION-TOKEN",)"
    R"("Expiration":"2026-11-25T23:00:00Z","RoleArn":"arn:aws:iam::123456789012:role/task"})";

// Plays the ECS / EKS Pod Identity endpoint: answers only a request with the expected
// Authorization header (when one is expected).
struct ecs_fake {
  std::string expected_authorization;
  std::string body = creds_json;
  test::fake_http_server::action operator()(const test::server_request& r) const {
    if (r.method() != boost::beast::http::verb::get) return {test::respond(405)};
    if (!expected_authorization.empty() &&
        r[boost::beast::http::field::authorization] != expected_authorization)
      return {test::respond(401, R"({"code":"AccessDenied","message":"bad token"})", "application/json")};
    return {test::respond(200, body, "application/json")};
  }
};

credentials fetch(const environment_lookup& env) {
  boost::asio::io_context ctx;
  container_credentials_options o;
  o.timeout = 500ms;
  container_credentials_provider p(ctx.get_executor(), env, o);
  return test::run(ctx, p.get());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_container)

BOOST_AUTO_TEST_CASE(full_uri_with_authorization_token) {
  ecs_fake fake{"Bearer-ECS-AUTH-TOKEN"};
  test::fake_http_server server(std::ref(fake));
  test::log_capture logs;
  const auto c =
      fetch(fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/v1/credentials?id=7"},
                               {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer-ECS-AUTH-TOKEN"}}));
  BOOST_TEST(c.access_key_id == "ASIAECS");
  BOOST_TEST(c.secret_access_key == "ECS-SECRET-VALUE");
  BOOST_TEST(c.session_token == "ECS-SESSION-TOKEN");
  const auto reqs = server.requests();
  BOOST_REQUIRE_EQUAL(reqs.size(), 1u);
  BOOST_TEST(reqs[0].target() == "/v1/credentials?id=7");
  BOOST_TEST(reqs[0][boost::beast::http::field::authorization] == "Bearer-ECS-AUTH-TOKEN");
  test::check_no_secret(logs.all(), {"ECS-SECRET-VALUE", "ECS-SESSION-TOKEN", "Bearer-ECS-AUTH-TOKEN"});
}

BOOST_AUTO_TEST_CASE(token_file_wins_and_is_reread) {
  ecs_fake fake{"FILE-TOKEN-1"};
  test::fake_http_server server(std::ref(fake));
  test::temp_dir dir;
  const auto file = dir.write("token", "FILE-TOKEN-1\n");
  const auto env = fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"},
                                      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "ENV-TOKEN"},
                                      {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file.string()}});
  BOOST_TEST(fetch(env).access_key_id == "ASIAECS");
  dir.write("token", "FILE-TOKEN-2");
  fake.expected_authorization = "FILE-TOKEN-2";
  BOOST_TEST(fetch(env).access_key_id == "ASIAECS");
  const auto reqs = server.requests();
  BOOST_REQUIRE_EQUAL(reqs.size(), 2u);
  BOOST_TEST(reqs[0][boost::beast::http::field::authorization] == "FILE-TOKEN-1");
  BOOST_TEST(reqs[1][boost::beast::http::field::authorization] == "FILE-TOKEN-2");
}

BOOST_AUTO_TEST_CASE(refused_token_is_reported_without_the_token) {
  ecs_fake fake{"RIGHT-TOKEN"};
  test::fake_http_server server(std::ref(fake));
  test::log_capture logs;
  const auto e = test::error_of([&] {
    (void)fetch(fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"},
                                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "WRONG-SECRET-TOKEN"}}));
  });
  BOOST_TEST(e.code() == errc::service_error);
  BOOST_TEST(std::string(e.what()).find("HTTP 401") != std::string::npos);
  test::check_no_secret(e.what(), {"WRONG-SECRET-TOKEN", "RIGHT-TOKEN"});
  test::check_no_secret(logs.all(), {"WRONG-SECRET-TOKEN", "RIGHT-TOKEN"});
  BOOST_TEST(server.request_count() == 1u);  // a 4xx is not retried
}

BOOST_AUTO_TEST_CASE(http_only_to_allowed_hosts) {
  for (const char* url : {"http://example.com/creds", "http://10.0.0.1/creds", "http://169.254.169.254/creds",
                          "ftp://127.0.0.1/x"}) {
    const auto e = test::error_of([&] {
      (void)fetch(fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", url}}));
    });
    BOOST_TEST(e.code() == errc::invalid_argument, url);
  }
  BOOST_TEST(detail::is_allowed_container_http_host("127.0.0.1"));
  BOOST_TEST(detail::is_allowed_container_http_host("127.1.2.3"));
  BOOST_TEST(detail::is_allowed_container_http_host("::1"));
  BOOST_TEST(detail::is_allowed_container_http_host("localhost"));
  BOOST_TEST(detail::is_allowed_container_http_host("169.254.170.2"));
  BOOST_TEST(detail::is_allowed_container_http_host("169.254.170.23"));
  BOOST_TEST(detail::is_allowed_container_http_host("fd00:ec2::23"));
  BOOST_TEST(!detail::is_allowed_container_http_host("169.254.170.3"));
  BOOST_TEST(!detail::is_allowed_container_http_host("localhost.example.com"));
}

BOOST_AUTO_TEST_CASE(relative_uri_goes_to_the_ecs_address_and_wins) {
  const auto url = detail::parse_credentials_url("http://169.254.170.2/v2/credentials/abc", "x");
  BOOST_TEST(url.ep.host == "169.254.170.2");
  BOOST_TEST(url.target == "/v2/credentials/abc");
  ecs_fake fake;
  test::fake_http_server server(std::ref(fake));
  // Relative wins over full: the loopback server must not be asked (169.254.170.2 is not
  // reachable from the test machine, so the call fails fast with a short timeout).
  boost::asio::io_context ctx;
  container_credentials_options o;
  o.timeout = 200ms;
  o.max_attempts = 1;
  container_credentials_provider p(
      ctx.get_executor(),
      fixed_environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc"},
                         {"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url() + "/creds"}}),
      o);
  const auto e = test::error_of([&] { (void)test::run(ctx, p.get()); });
  BOOST_TEST(e.code() != errc::credentials_unavailable);
  BOOST_TEST(server.request_count() == 0u);
  BOOST_TEST(test::error_of([] {
               (void)fetch(fixed_environment({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "no-slash"}}));
             }).code() == errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(unusable_tokens_and_missing_files) {
  ecs_fake fake;
  test::fake_http_server server(std::ref(fake));
  test::temp_dir dir;
  const auto e1 = test::error_of([&] {
    (void)fetch(fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url()},
                                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "SECRET-A\r\nX-Injected: 1"}}));
  });
  BOOST_TEST(e1.code() == errc::invalid_argument);
  test::check_no_secret(e1.what(), {"SECRET-A"});
  const auto e2 = test::error_of([&] {
    (void)fetch(
        fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url()},
                           {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", (dir.path() / "none").string()}}));
  });
  BOOST_TEST(e2.code() == errc::invalid_argument);
  BOOST_TEST(server.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(not_configured_and_broken_answers) {
  BOOST_TEST(test::error_of([] { (void)fetch(fixed_environment({})); }).code() ==
             errc::credentials_unavailable);
  ecs_fake fake;
  fake.body = "<html>SECRET-IN-BODY</html>";
  test::fake_http_server server(std::ref(fake));
  const auto e = test::error_of([&] {
    (void)fetch(fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url()}}));
  });
  BOOST_TEST(e.code() == errc::malformed_message);
  test::check_no_secret(e.what(), {"SECRET-IN-BODY"});
  const auto refused = test::error_of([&] {
    (void)fetch(fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                    "http://127.0.0.1:" + std::to_string(test::closed_port()) + "/c"}}));
  });
  BOOST_TEST(refused.code() != errc::credentials_unavailable);  // configured: the failure is reported
}

BOOST_AUTO_TEST_SUITE_END()
