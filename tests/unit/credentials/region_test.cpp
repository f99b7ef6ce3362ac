#include "test_util.hpp"

#include <awsmp/region.hpp>

#include <boost/test/unit_test.hpp>

using namespace awsmp;

BOOST_AUTO_TEST_SUITE(credentials_region)

BOOST_AUTO_TEST_CASE(order_aws_region_then_default_region_then_profile) {
  test::temp_dir dir;
  const auto config = dir.write("config", "[default]\nregion = eu-central-1\n[profile prod]\nregion = ap-northeast-1\n");
  const std::string cfg = config.string();

  BOOST_TEST(resolve_region(fixed_environment({{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "us-east-2"},
                                               {"AWS_CONFIG_FILE", cfg}})) == "us-west-2");
  BOOST_TEST(resolve_region(fixed_environment({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "us-east-2"},
                                               {"AWS_CONFIG_FILE", cfg}})) == "us-east-2");
  BOOST_TEST(resolve_region(fixed_environment({{"AWS_CONFIG_FILE", cfg}})) == "eu-central-1");
  BOOST_TEST(resolve_region(fixed_environment({{"AWS_CONFIG_FILE", cfg}, {"AWS_PROFILE", "prod"}})) == "ap-northeast-1");
  BOOST_TEST(find_region(fixed_environment({}), config, "prod").value() == "ap-northeast-1");
  BOOST_TEST(!find_region(fixed_environment({}), config, "absent").has_value());
}

BOOST_AUTO_TEST_CASE(home_default_config_path) {
  test::temp_dir dir;
  dir.write(".aws/config", "[default]\nregion = ca-central-1\n");
  BOOST_TEST(resolve_region(fixed_environment({{"HOME", dir.path().string()}})) == "ca-central-1");
}

BOOST_AUTO_TEST_CASE(nothing_set_throws_not_found_naming_the_places) {
  test::temp_dir dir;
  const auto env = fixed_environment({{"AWS_CONFIG_FILE", (dir.path() / "none").string()},
                                      {"AWS_SHARED_CREDENTIALS_FILE", (dir.path() / "none2").string()}});
  BOOST_TEST(!find_region(env).has_value());
  const auto e = test::error_of([&] { (void)resolve_region(env); });
  BOOST_TEST(e.code() == errc::not_found);
  const std::string what = e.what();
  BOOST_TEST(what.find("AWS_REGION") != std::string::npos);
  BOOST_TEST(what.find("AWS_DEFAULT_REGION") != std::string::npos);
  BOOST_TEST(what.find("'default'") != std::string::npos);
  BOOST_TEST(what.find((dir.path() / "none").string()) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_explicit_profile_must_exist_in_either_file) {
  test::temp_dir dir;
  const auto credentials = dir.write("credentials", "[p1]\naws_access_key_id = K\naws_secret_access_key = S\n");
  const auto base = std::map<std::string, std::string, std::less<>>{
      {"AWS_CONFIG_FILE", (dir.path() / "none").string()}, {"AWS_SHARED_CREDENTIALS_FILE", credentials.string()}};
  auto with = [&](std::map<std::string, std::string, std::less<>> extra) {
    extra.insert(base.begin(), base.end());
    return fixed_environment(std::move(extra));
  };
  BOOST_TEST(!find_region(with({{"AWS_PROFILE", "p1"}})).has_value());  // exists, has no region
  const auto e = test::error_of([&] { (void)find_region(with({{"AWS_PROFILE", "typo"}})); });
  BOOST_TEST(e.code() == errc::not_found);
  BOOST_TEST(std::string(e.what()).find("'typo'") != std::string::npos);
  BOOST_TEST(resolve_region(with({{"AWS_PROFILE", "typo"}, {"AWS_DEFAULT_REGION", "us-west-1"}})) == "us-west-1");
}

BOOST_AUTO_TEST_CASE(invalid_names_are_rejected) {
  BOOST_TEST(is_valid_region_name("us-east-1"));
  BOOST_TEST(is_valid_region_name("us-gov-west-1"));
  BOOST_TEST(!is_valid_region_name(""));
  BOOST_TEST(!is_valid_region_name("US-EAST-1"));
  BOOST_TEST(!is_valid_region_name("us-east-1/../x"));
  BOOST_TEST(!is_valid_region_name("1us"));
  BOOST_TEST(!is_valid_region_name(std::string(64, 'a')));
  const auto e = test::error_of([] { (void)resolve_region(fixed_environment({{"AWS_REGION", "evil.com/"}})); });
  BOOST_TEST(e.code() == errc::invalid_argument);
  BOOST_TEST(std::string(e.what()).find("AWS_REGION") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
