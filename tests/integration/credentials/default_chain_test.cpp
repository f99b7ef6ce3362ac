#include "fake_http_server.hpp"
#include "unit/credentials/test_util.hpp"

#include <awsmp/credentials_provider_chain.hpp>

#include <boost/test/unit_test.hpp>

using namespace awsmp;

namespace {

constexpr const char* json_for_container =
    R"({"AccessKeyId":"FROM-CONTAINER","SecretAccessKey":"CONTAINER-SECRET","Token":"T","Expiration":"2099-01-01T00:00:00Z"})";
constexpr const char* json_for_imds =
    R"({"Code":"Success","AccessKeyId":"FROM-IMDS","SecretAccessKey":"IMDS-SECRET","Token":"T","Expiration":"2099-01-01T00:00:00Z"})";

test::fake_http_server::action container_handler(const test::server_request&) {
  return {test::respond(200, json_for_container, "application/json")};
}

test::fake_http_server::action imds_handler(const test::server_request& r) {
  if (r.method() == boost::beast::http::verb::put) return {test::respond(200, "TOK")};
  if (r["X-aws-ec2-metadata-token"] != "TOK") return {test::respond(401)};
  if (r.target() == "/latest/meta-data/iam/security-credentials/") return {test::respond(200, "role")};
  return {test::respond(200, json_for_imds, "application/json")};
}

test::fake_http_server::action sts_refusing_handler(const test::server_request&) {
  return {test::respond(400,
                        "<ErrorResponse><Error><Code>AccessDenied</Code><Message>Not authorized</Message></Error>"
                        "<RequestId>rid</RequestId></ErrorResponse>",
                        "text/xml")};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_default_chain)

BOOST_AUTO_TEST_CASE(falls_through_unconfigured_providers_to_container_then_imds) {
  test::fake_http_server container(container_handler);
  test::fake_http_server imds(imds_handler);
  test::temp_dir home;
  std::map<std::string, std::string, std::less<>> vars{{"HOME", home.path().string()},
                                                       {"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()},
                                                       {"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url() + "/c"}};
  boost::asio::io_context ctx;
  {
    auto provider = default_credentials_provider(ctx.get_executor(), fixed_environment(vars));
    BOOST_TEST(test::run(ctx, provider->get()).access_key_id == "FROM-CONTAINER");
    BOOST_TEST(test::run(ctx, provider->get()).access_key_id == "FROM-CONTAINER");  // cached
    BOOST_TEST(container.request_count() == 1u);
    BOOST_TEST(imds.request_count() == 0u);
  }
  vars.erase("AWS_CONTAINER_CREDENTIALS_FULL_URI");
  auto provider = default_credentials_provider(ctx.get_executor(), fixed_environment(vars));
  BOOST_TEST(test::run(ctx, provider->get()).access_key_id == "FROM-IMDS");
  BOOST_TEST(imds.request_count() == 3u);
}

BOOST_AUTO_TEST_CASE(a_failing_web_identity_is_reported_not_skipped) {
  test::fake_http_server sts(sts_refusing_handler);
  test::fake_http_server container(container_handler);
  test::temp_dir dir;
  const auto token = dir.write("token", "JWT-SECRET-TOKEN");
  const auto env = fixed_environment({{"HOME", dir.path().string()},
                                      {"AWS_WEB_IDENTITY_TOKEN_FILE", token.string()},
                                      {"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/web"},
                                      {"AWS_ENDPOINT_URL_STS", sts.url()},
                                      {"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url()},
                                      {"AWS_EC2_METADATA_DISABLED", "true"}});
  boost::asio::io_context ctx;
  test::log_capture logs;
  auto provider = default_credentials_provider(ctx.get_executor(), env);
  try {
    (void)test::run(ctx, provider->get());
    BOOST_FAIL("expected aws_error");
  } catch (const aws_error& e) {
    BOOST_TEST(e.type() == "AccessDenied");
    BOOST_TEST(std::string(e.what()).find("web_identity provider") != std::string::npos, e.what());
    test::check_no_secret(e.what(), {"JWT-SECRET-TOKEN"});
  }
  BOOST_TEST(container.request_count() == 0u);
  test::check_no_secret(logs.all(), {"JWT-SECRET-TOKEN", "CONTAINER-SECRET"});
}

BOOST_AUTO_TEST_CASE(a_broken_environment_pair_is_reported_not_skipped) {
  test::fake_http_server container(container_handler);
  boost::asio::io_context ctx;
  test::log_capture logs;
  auto chain = default_credentials_chain(ctx.get_executor(),
                                         fixed_environment({{"AWS_SECRET_ACCESS_KEY", "ENV-SECRET-VALUE"},
                                                            {"AWS_CONTAINER_CREDENTIALS_FULL_URI", container.url()}}));
  const auto e = test::error_of([&] { (void)test::run(ctx, chain->get()); });
  BOOST_TEST(e.code() == errc::invalid_argument);
  BOOST_TEST(std::string(e.what()).find("environment provider is configured but failed") != std::string::npos);
  test::check_no_secret(e.what(), {"ENV-SECRET-VALUE"});
  test::check_no_secret(logs.all(), {"ENV-SECRET-VALUE"});
  BOOST_TEST(container.request_count() == 0u);
}

BOOST_AUTO_TEST_CASE(unreachable_imds_ends_the_chain_with_the_full_list) {
  test::temp_dir home;
  boost::asio::io_context ctx;
  auto chain = default_credentials_chain(
      ctx.get_executor(),
      fixed_environment({{"HOME", home.path().string()},
                         {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(test::closed_port())}}));
  const auto e = test::error_of([&] { (void)test::run(ctx, chain->get()); });
  BOOST_TEST(e.code() == errc::credentials_unavailable);
  const std::string what = e.what();
  BOOST_TEST(what.find("imds (IMDS at 127.0.0.1:") != std::string::npos, what);
  BOOST_TEST(what.find("environment (") < what.find("web_identity ("));
  BOOST_TEST(what.find("web_identity (") < what.find("profile ("));
  BOOST_TEST(what.find("profile (") < what.find("container ("));
  BOOST_TEST(what.find("container (") < what.find("imds ("));
}

BOOST_AUTO_TEST_SUITE_END()
