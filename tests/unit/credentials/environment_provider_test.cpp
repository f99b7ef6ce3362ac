#include <awsmp/environment_credentials_provider.hpp>
#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE(credentials_environment_provider)

BOOST_AUTO_TEST_CASE(full_set) {
  boost::asio::io_context ctx;
  environment_credentials_provider p(
      fixed_environment({{"AWS_ACCESS_KEY_ID", "AKID"},
                         {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                         {"AWS_SESSION_TOKEN", "TOKEN"},
                         {"AWS_CREDENTIAL_EXPIRATION", "2026-11-25T18:00:00Z"}}));
  const auto c = test::run_sync(ctx, p.get());
  BOOST_TEST(c.access_key_id == "AKID");
  BOOST_TEST(c.secret_access_key == "SECRET");
  BOOST_TEST(c.session_token == "TOKEN");
  BOOST_TEST((c.expiration == time_point(sys_days{year{2026} / 11 / 25} + hours{18})));
}

BOOST_AUTO_TEST_CASE(legacy_names_and_no_token) {
  boost::asio::io_context ctx;
  environment_credentials_provider p(
      fixed_environment({{"AWS_ACCESS_KEY", "AKID2"}, {"AWS_SECRET_KEY", "S2"}}));
  const auto c = test::run_sync(ctx, p.get());
  BOOST_TEST(c.access_key_id == "AKID2");
  BOOST_TEST(c.secret_access_key == "S2");
  BOOST_TEST(c.session_token.empty());
  BOOST_TEST(!c.expiration.has_value());
}

BOOST_AUTO_TEST_CASE(not_configured_vs_broken) {
  boost::asio::io_context ctx;
  auto get = [&](std::map<std::string, std::string, std::less<>> vars) {
    return test::error_of([&] {
      environment_credentials_provider p(fixed_environment(std::move(vars)));
      (void)test::run_sync(ctx, p.get());
    });
  };
  BOOST_TEST(get({}).code() == errc::credentials_unavailable);
  BOOST_TEST(get({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}}).code() ==
             errc::credentials_unavailable);

  const auto half = get({{"AWS_SECRET_ACCESS_KEY", "SECRETVALUE"}});
  BOOST_TEST(half.code() == errc::invalid_argument);
  BOOST_TEST(std::string(half.what()).find("AWS_ACCESS_KEY_ID") != std::string::npos);
  test::check_no_secret(half.what(), {"SECRETVALUE"});

  const auto other_half = get({{"AWS_ACCESS_KEY_ID", "AKID"}});
  BOOST_TEST(other_half.code() == errc::invalid_argument);
  BOOST_TEST(std::string(other_half.what()).find("AWS_SECRET_ACCESS_KEY") != std::string::npos);

  const auto bad_time = get({{"AWS_ACCESS_KEY_ID", "AKID"},
                             {"AWS_SECRET_ACCESS_KEY", "SECRETVALUE"},
                             {"AWS_SESSION_TOKEN", "TOKENVALUE"},
                             {"AWS_CREDENTIAL_EXPIRATION", "tomorrow"}});
  BOOST_TEST(bad_time.code() == errc::invalid_argument);
  BOOST_TEST(std::string(bad_time.what()).find("AWS_CREDENTIAL_EXPIRATION") != std::string::npos);
  test::check_no_secret(bad_time.what(), {"SECRETVALUE", "TOKENVALUE"});
}

BOOST_AUTO_TEST_CASE(reads_the_environment_on_every_call) {
  boost::asio::io_context ctx;
  int calls = 0;
  environment_credentials_provider p([&](std::string_view name) -> std::optional<std::string> {
    if (name == "AWS_ACCESS_KEY_ID") return "K" + std::to_string(++calls);
    if (name == "AWS_SECRET_ACCESS_KEY") return "S";
    return std::nullopt;
  });
  BOOST_TEST(test::run_sync(ctx, p.get()).access_key_id == "K1");
  BOOST_TEST(test::run_sync(ctx, p.get()).access_key_id == "K2");
}

BOOST_AUTO_TEST_CASE(process_environment_reads_getenv) {
  // A name no other test uses; restored at once.
  ::setenv("AWSMP_CREDS_TEST_VARIABLE", "value-1", 1);
  const auto env = process_environment();
  BOOST_TEST(env("AWSMP_CREDS_TEST_VARIABLE").value() == "value-1");
  ::unsetenv("AWSMP_CREDS_TEST_VARIABLE");
  BOOST_TEST(!env("AWSMP_CREDS_TEST_VARIABLE").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
