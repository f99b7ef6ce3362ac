#include "credentials/shared_config.hpp"

#include <awsmp/environment.hpp>
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

using namespace awsmp;
using detail::parse_ini;
using detail::select_profile;

BOOST_AUTO_TEST_SUITE(credentials_shared_config)

BOOST_AUTO_TEST_CASE(env_value_treats_empty_as_unset) {
  const auto env = fixed_environment({{"A", "x"}, {"EMPTY", ""}});
  BOOST_TEST(detail::env_value(env, "A").value() == "x");
  BOOST_TEST(!detail::env_value(env, "EMPTY").has_value());
  BOOST_TEST(!detail::env_value(env, "MISSING").has_value());
  BOOST_TEST(!detail::env_value(environment_lookup{}, "A").has_value());
}

BOOST_AUTO_TEST_CASE(default_locations_under_home) {
  const auto where = detail::locate_shared_config(fixed_environment({{"HOME", "/home/u"}}));
  BOOST_TEST(where.credentials_file == std::filesystem::path("/home/u/.aws/credentials"));
  BOOST_TEST(where.config_file == std::filesystem::path("/home/u/.aws/config"));
  BOOST_TEST(where.profile == "default");
  BOOST_TEST(!where.profile_explicit);
}

BOOST_AUTO_TEST_CASE(environment_overrides_and_tilde) {
  const auto where = detail::locate_shared_config(fixed_environment({{"HOME", "/home/u"},
                                                                     {"AWS_SHARED_CREDENTIALS_FILE", "~/c"},
                                                                     {"AWS_CONFIG_FILE", "/etc/aws/config"},
                                                                     {"AWS_PROFILE", "prod"},
                                                                     {"AWS_DEFAULT_PROFILE", "legacy"}}));
  BOOST_TEST(where.credentials_file == std::filesystem::path("/home/u/c"));
  BOOST_TEST(where.config_file == std::filesystem::path("/etc/aws/config"));
  BOOST_TEST(where.profile == "prod");
  BOOST_TEST(where.profile_explicit);

  const auto legacy = detail::locate_shared_config(fixed_environment({{"AWS_DEFAULT_PROFILE", "legacy"}}));
  BOOST_TEST(legacy.profile == "legacy");

  const auto args =
      detail::locate_shared_config(fixed_environment({{"AWS_PROFILE", "prod"}}), "arg", "/x/c", "/x/k");
  BOOST_TEST(args.profile == "arg");
  BOOST_TEST(args.credentials_file == std::filesystem::path("/x/c"));
  BOOST_TEST(args.config_file == std::filesystem::path("/x/k"));
}

BOOST_AUTO_TEST_CASE(profile_headers_in_each_file) {
  const auto credentials = parse_ini(
      "[default]\naws_access_key_id = CRED_DEFAULT\n"
      "[dev]\naws_access_key_id = CRED_DEV\n"
      "[profile weird]\naws_access_key_id = NOT_A_PROFILE_HEADER_HERE\n",
      "credentials");
  const auto config = parse_ini(
      "[default]\nregion = us-east-1\naws_access_key_id = CONFIG_DEFAULT\n"
      "[profile  dev]\nregion = eu-west-1\naws_access_key_id = CONFIG_DEV\noutput = json\n"
      "[only_bare]\nregion = ap-south-1\n"
      "[profile weird]\nregion = sa-east-1\n",
      "config");

  const auto dev = select_profile(&credentials, &config, "dev");
  BOOST_REQUIRE(dev);
  BOOST_TEST(dev->at("aws_access_key_id") == "CRED_DEV");  // credentials file wins
  BOOST_TEST(dev->at("region") == "eu-west-1");
  BOOST_TEST(dev->at("output") == "json");

  const auto def = select_profile(&credentials, &config, "default");
  BOOST_REQUIRE(def);
  BOOST_TEST(def->at("aws_access_key_id") == "CRED_DEFAULT");
  BOOST_TEST(def->at("region") == "us-east-1");

  // In the config file a non-default profile needs the "profile " prefix.
  BOOST_TEST(!select_profile(&credentials, &config, "only_bare").has_value());
  // In the credentials file "[profile weird]" is a profile literally named "profile weird".
  const auto weird = select_profile(&credentials, &config, "weird");
  BOOST_REQUIRE(weird);
  BOOST_TEST(weird->count("aws_access_key_id") == 0u);
  BOOST_TEST(weird->at("region") == "sa-east-1");

  BOOST_TEST(!select_profile(&credentials, &config, "absent").has_value());
  BOOST_TEST(!select_profile(nullptr, nullptr, "default").has_value());
}

BOOST_AUTO_TEST_CASE(profile_default_header_wins_over_bare_default_in_config) {
  const auto config =
      parse_ini("[default]\nregion = us-east-1\n[profile default]\nregion = us-west-2\n", "config");
  const auto def = select_profile(nullptr, &config, "default");
  BOOST_REQUIRE(def);
  BOOST_TEST(def->at("region") == "us-west-2");
}

BOOST_AUTO_TEST_CASE(load_profile_reads_both_files_missing_ones_count_as_empty) {
  test::temp_dir dir;
  const auto creds = dir.write("credentials", "[p]\naws_access_key_id = K\n");
  detail::shared_config_location where{creds, dir.path() / "no-config", "p", true};
  const auto props = detail::load_profile(where);
  BOOST_REQUIRE(props);
  BOOST_TEST(props->at("aws_access_key_id") == "K");

  where.credentials_file = dir.path() / "nothing";
  BOOST_TEST(!detail::load_profile(where).has_value());

  const auto bad = dir.write("config", "[profile p]\nthis line is broken\n");
  where.config_file = bad;
  const auto e = test::error_of([&] { (void)detail::load_profile(where); });
  BOOST_TEST(e.code() == errc::invalid_argument);
  BOOST_TEST(std::string(e.what()).find(bad.string() + ":2:") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
