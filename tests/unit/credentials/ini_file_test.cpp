#include "credentials/ini_file.hpp"

#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

using awsmp::detail::parse_ini;

BOOST_AUTO_TEST_SUITE(credentials_ini_file)

BOOST_AUTO_TEST_CASE(sections_properties_and_comments) {
  const auto f = parse_ini(
      "\xEF\xBB\xBF# leading comment\n"
      "; another\n"
      "[default]\n"
      "aws_access_key_id = AKIDEXAMPLE\n"
      "aws_secret_access_key=secret/with+chars\n"
      "region = us-west-2 # inline comment\n"
      "url = http://host/a#fragment\n"
      "\n"
      "[ profile dev ]\r\n"
      "region\t=\teu-west-1\t;tab comment\r\n",
      "test");
  BOOST_REQUIRE_EQUAL(f.sections.size(), 2u);
  const auto* d = f.find("default");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->values.at("aws_access_key_id") == "AKIDEXAMPLE");
  BOOST_TEST(d->values.at("aws_secret_access_key") == "secret/with+chars");
  BOOST_TEST(d->values.at("region") == "us-west-2");
  BOOST_TEST(d->values.at("url") == "http://host/a#fragment");  // '#' without whitespace is data
  const auto* dev = f.find("profile dev");
  BOOST_REQUIRE(dev);
  BOOST_TEST(dev->values.at("region") == "eu-west-1");
  BOOST_TEST(f.find("dev") == nullptr);
}

BOOST_AUTO_TEST_CASE(sub_properties_are_skipped_and_repeats_merge) {
  const auto f = parse_ini(
      "[default]\n"
      "s3 =\n"
      "  addressing_style = path\n"
      "  max_concurrent_requests = 10\n"
      "region = us-east-1\n"
      "[other]\n"
      "a = 1\n"
      "[default]\n"
      "region = us-east-2\n"
      "output = json\n",
      "test");
  BOOST_REQUIRE_EQUAL(f.sections.size(), 2u);
  const auto* d = f.find("default");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->values.count("addressing_style") == 0u);
  BOOST_TEST(d->values.at("s3") == "");
  BOOST_TEST(d->values.at("region") == "us-east-2");
  BOOST_TEST(d->values.at("output") == "json");
}

BOOST_AUTO_TEST_CASE(errors_name_source_and_line_but_never_the_text) {
  struct bad_case {
    std::string text;
    std::string expected;
  };
  const bad_case cases[] = {
      {"aws_secret_access_key = SECRETVALUE1\n", "creds:1: property before any section header"},
      {"[default]\nSECRETVALUE1\n", "creds:2: expected 'key = value'"},
      {"[default\nx = SECRETVALUE1\n", "creds:1: section header without ']'"},
      {"[]\n", "creds:1: empty section name"},
      {"[a] SECRETVALUE1\n", "creds:1: text after a section header"},
      {"[a]\n= SECRETVALUE1\n", "creds:2: empty property name"},
      {"[a]\n  SECRETVALUE1 = x\n", "creds:2: indented line outside a property"},
  };
  for (const auto& c : cases) {
    const auto e = awsmp::test::error_of([&] { (void)parse_ini(c.text, "creds"); });
    BOOST_TEST(e.code() == awsmp::errc::invalid_argument);
    const std::string what = e.what();
    BOOST_TEST(what.find(c.expected) != std::string::npos, what << " lacks " << c.expected);
    awsmp::test::check_no_secret(what, {"SECRETVALUE1"});
  }
}

BOOST_AUTO_TEST_CASE(missing_file_is_nullopt_directory_is_an_error) {
  awsmp::test::temp_dir dir;
  BOOST_TEST(!awsmp::detail::read_optional_file(dir.path() / "absent").has_value());
  const auto p = dir.write("present", "[a]\nb = c\n");
  BOOST_TEST(awsmp::detail::read_optional_file(p).value() == "[a]\nb = c\n");
  const auto e = awsmp::test::error_of([&] { (void)awsmp::detail::read_optional_file(dir.path()); });
  BOOST_TEST(e.code() == awsmp::errc::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()
