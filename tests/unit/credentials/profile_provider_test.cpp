#include <awsmp/profile_credentials_provider.hpp>
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

using namespace awsmp;

namespace {

struct files {
  test::temp_dir dir;
  std::filesystem::path credentials = dir.path() / "credentials";
  std::filesystem::path config = dir.path() / "config";

  environment_lookup env(std::map<std::string, std::string, std::less<>> extra = {}) const {
    extra.emplace("AWS_SHARED_CREDENTIALS_FILE", credentials.string());
    extra.emplace("AWS_CONFIG_FILE", config.string());
    return fixed_environment(std::move(extra));
  }
};

credentials get(const environment_lookup& env, profile_credentials_options options = {}) {
  boost::asio::io_context ctx;
  profile_credentials_provider p(ctx.get_executor(), env, std::move(options));
  return test::run_sync(ctx, p.get());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(credentials_profile_provider)

BOOST_AUTO_TEST_CASE(default_profile_static_keys) {
  files f;
  f.dir.write(
      "credentials",
      "[default]\naws_access_key_id = AKID\naws_secret_access_key = SECRET\naws_session_token = TOK\n");
  const auto c = get(f.env());
  BOOST_TEST(c.access_key_id == "AKID");
  BOOST_TEST(c.secret_access_key == "SECRET");
  BOOST_TEST(c.session_token == "TOK");
  BOOST_TEST(!c.expiration.has_value());
}

BOOST_AUTO_TEST_CASE(named_profile_from_config_and_credentials_precedence) {
  files f;
  f.dir.write("config",
              "[profile prod]\naws_access_key_id = FROM_CONFIG\naws_secret_access_key = CONFIG_SECRET\n"
              "[profile cfgonly]\naws_access_key_id = CFG\naws_secret_access_key = CFGS\n");
  f.dir.write("credentials",
              "[prod]\naws_access_key_id = FROM_CREDENTIALS\naws_secret_access_key = CRED_SECRET\n");
  const auto c = get(f.env({{"AWS_PROFILE", "prod"}}));
  BOOST_TEST(c.access_key_id == "FROM_CREDENTIALS");
  BOOST_TEST(c.secret_access_key == "CRED_SECRET");
  BOOST_TEST(get(f.env({{"AWS_PROFILE", "cfgonly"}})).access_key_id == "CFG");
  profile_credentials_options o;
  o.profile = "cfgonly";
  BOOST_TEST(get(f.env({{"AWS_PROFILE", "prod"}}), o).access_key_id == "CFG");  // the option wins
}

BOOST_AUTO_TEST_CASE(home_default_paths) {
  test::temp_dir home;
  home.write(".aws/credentials", "[default]\naws_access_key_id = HOMEKEY\naws_secret_access_key = S\n");
  BOOST_TEST(get(fixed_environment({{"HOME", home.path().string()}})).access_key_id == "HOMEKEY");
}

BOOST_AUTO_TEST_CASE(edits_are_picked_up_on_the_next_call) {
  files f;
  f.dir.write("credentials", "[default]\naws_access_key_id = ONE\naws_secret_access_key = S\n");
  boost::asio::io_context ctx;
  profile_credentials_provider p(ctx.get_executor(), f.env());
  BOOST_TEST(test::run_sync(ctx, p.get()).access_key_id == "ONE");
  f.dir.write("credentials", "[default]\naws_access_key_id = TWO\naws_secret_access_key = S\n");
  BOOST_TEST(test::run_sync(ctx, p.get()).access_key_id == "TWO");
}

BOOST_AUTO_TEST_CASE(absent_default_is_not_configured_absent_explicit_is_an_error) {
  files f;
  const auto none = test::error_of([&] { (void)get(f.env()); });
  BOOST_TEST(none.code() == errc::credentials_unavailable);

  f.dir.write("config", "[default]\nregion = us-east-1\n");
  const auto region_only = test::error_of([&] { (void)get(f.env()); });
  BOOST_TEST(region_only.code() == errc::credentials_unavailable);
  BOOST_TEST(std::string(region_only.what()).find("holds no credentials") != std::string::npos);

  const auto explicit_missing = test::error_of([&] { (void)get(f.env({{"AWS_PROFILE", "typo"}})); });
  BOOST_TEST(explicit_missing.code() == errc::not_found);
  BOOST_TEST(std::string(explicit_missing.what()).find("'typo'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(broken_profiles_are_reported_without_secrets) {
  struct bad_case {
    std::string credentials;
    std::string expected;
  };
  const bad_case cases[] = {
      {"[default]\naws_secret_access_key = SECRETVALUE\n",
       "has aws_secret_access_key but no aws_access_key_id"},
      {"[default]\naws_access_key_id = AKID\n", "has aws_access_key_id but no aws_secret_access_key"},
      {"[default]\ncredential_process = /bin/get-SECRETVALUE\n", "uses credential_process"},
      {"[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n", "uses source_profile"},
      {"[default]\nsso_session = s\n", "uses sso_session"},
      {"[default]\nrole_arn = arn:aws:iam::1:role/r\n", "has role_arn without web_identity_token_file"},
      {"[default]\nweb_identity_token_file = /t\n", "has web_identity_token_file but no role_arn"},
      {"[default]\naws_access_key_id = AKID\nSECRETVALUE\n", ":3: expected 'key = value'"},
  };
  for (const auto& c : cases) {
    files f;
    f.dir.write("credentials", c.credentials);
    test::log_capture logs;
    const auto e = test::error_of([&] { (void)get(f.env()); });
    BOOST_TEST(e.code() == errc::invalid_argument, c.expected);
    const std::string what = e.what();
    BOOST_TEST(what.find(c.expected) != std::string::npos, what);
    test::check_no_secret(what, {"SECRETVALUE"});
    test::check_no_secret(logs.all(), {"SECRETVALUE"});
  }
}

BOOST_AUTO_TEST_CASE(web_identity_profile_with_missing_token_file_is_reported) {
  files f;
  f.dir.write("config",
              "[profile wi]\nrole_arn = arn:aws:iam::123456789012:role/r\nweb_identity_token_file = " +
                  (f.dir.path() / "no-token").string() + "\nregion = us-west-2\n");
  const auto e = test::error_of([&] { (void)get(f.env({{"AWS_PROFILE", "wi"}})); });
  BOOST_TEST(e.code() == errc::invalid_argument);
  BOOST_TEST(std::string(e.what()).find("does not exist") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
