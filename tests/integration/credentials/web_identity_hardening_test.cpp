// Web identity hardening (issue 15 item 3): the token is a bearer credential, so nothing may
// steer it to another host (a region that is not a DNS label, plain http beyond loopback), an
// STS error may not carry it back out (every echo, in pieces too), and files read for it are
// bounded. Each case fails without its fix: before, the region and http cases reached the
// network, the echo survived after its first occurrence, and a 2 MiB config file was read.
#include <awsmp/profile_credentials_provider.hpp>
#include <awsmp/web_identity_credentials_provider.hpp>
#include <boost/test/unit_test.hpp>

#include "fake_http_server.hpp"
#include "unit/credentials/test_util.hpp"

using namespace awsmp;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view token = "WEB-IDENTITY-TOKEN-0123456789abcdefghij";

web_identity_options options_for(const test::temp_dir& dir) {
  web_identity_options o;
  o.role_arn = "arn:aws:iam::123456789012:role/web";
  o.token_file = dir.write("token", std::string(token) + "\n");
  o.timeout = 300ms;
  o.max_attempts = 1;
  return o;
}

boost::system::system_error get_error(web_identity_options o) {
  boost::asio::io_context ctx;
  web_identity_credentials_provider p(ctx.get_executor(), std::move(o));
  return test::error_of([&] { (void)test::run(ctx, p.get()); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(web_identity_hardening)

BOOST_AUTO_TEST_CASE(a_region_that_is_not_a_dns_label_is_refused_before_sending) {
  test::temp_dir dir;
  for (std::string region :
       {"evil.example/", "evil.example", "us-east-1/../x", "us-east-1@evil", "us-east-1-"}) {
    auto o = options_for(dir);
    o.region = region;
    const auto e = get_error(o);
    BOOST_TEST((e.code() == errc::invalid_argument), region << ": " << e.what());
    BOOST_TEST(std::string(e.what()).find("region") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(the_profile_path_checks_the_region_too) {
  test::temp_dir dir;
  const auto token_file = dir.write("token", std::string(token));
  const auto config = dir.write("config",
                                "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\n"
                                "web_identity_token_file = " +
                                    token_file.string() + "\n");
  const auto credentials_file = dir.path() / "none";
  for (const auto& [variable, region] : std::vector<std::pair<std::string, std::string>>{
           {"AWS_REGION", "evil.example/"}, {"AWS_DEFAULT_REGION", "evil.example"}}) {
    const auto env = fixed_environment({{"AWS_CONFIG_FILE", config.string()},
                                        {"AWS_SHARED_CREDENTIALS_FILE", credentials_file.string()},
                                        {variable, region}});
    boost::asio::io_context ctx;
    profile_credentials_options po;
    po.sts_timeout = 300ms;
    profile_credentials_provider p(ctx.get_executor(), env, po);
    const auto e = test::error_of([&] { (void)test::run(ctx, p.get()); });
    BOOST_TEST((e.code() == errc::invalid_argument), e.what());
    BOOST_TEST(std::string(e.what()).find(variable) != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(plain_http_sts_is_refused_beyond_loopback) {
  test::temp_dir dir;
  auto o = options_for(dir);
  o.sts_endpoint = "http://192.0.2.1:9/";  // TEST-NET-1: never reached either way
  const auto e = get_error(o);
  BOOST_TEST((e.code() == errc::invalid_argument), e.what());
  BOOST_TEST(std::string(e.what()).find("sts_endpoint") != std::string::npos, e.what());
}

BOOST_AUTO_TEST_CASE(every_echo_of_the_token_is_redacted_and_the_text_is_sanitised) {
  const std::string t(token);
  const std::string half1 = t.substr(0, t.size() / 2), half2 = t.substr(t.size() / 2);
  const std::string message = "first " + t + " second " + t + " quoted \"" + t + "\" split " + half1 +
                              "\r\n" + half2 + " cut " + t.substr(3, 12) + " bell\x07" +
                              std::string(5000, 'm') + " tail " + t;
  test::fake_http_server server([&](const test::server_request&) -> test::fake_http_server::action {
    return {test::respond(403,
                          "<ErrorResponse><Error><Code>AccessDenied</Code><Message>" + message +
                              "</Message></Error><RequestId>r-" + t + "</RequestId></ErrorResponse>",
                          "text/xml")};
  });
  test::temp_dir dir;
  auto o = options_for(dir);
  o.sts_endpoint = server.url();
  try {
    boost::asio::io_context ctx;
    web_identity_credentials_provider p(ctx.get_executor(), o);
    (void)test::run(ctx, p.get());
    BOOST_FAIL("expected aws_error");
  } catch (const aws_error& e) {
    const std::string what = e.what();
    BOOST_TEST(e.type() == "AccessDenied");
    for (std::size_t i = 0; i + 8 <= t.size(); ++i)
      BOOST_TEST((what.find(t.substr(i, 8)) == std::string::npos),
                 "slice " << t.substr(i, 8) << " in " << what);
    for (const char c : what) BOOST_TEST((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
    BOOST_TEST(e.aws_message().size() <= 1024u + 3u);
    BOOST_TEST(e.aws_message().find("first <redacted> second <redacted>") == 0u, e.aws_message());
  }
}

BOOST_AUTO_TEST_CASE(files_read_for_credentials_are_bounded) {
  test::temp_dir dir;
  const auto token_file = dir.write("token", std::string(token));
  std::string config = "[default]\nrole_arn = arn:aws:iam::123456789012:role/r\nweb_identity_token_file = " +
                       token_file.string() + "\nregion = us-east-1\n";
  while (config.size() < 2 * 1024 * 1024)
    config += "# padding padding padding padding padding padding padding\n";
  const auto config_file = dir.write("config", config);
  const auto env = fixed_environment({{"AWS_CONFIG_FILE", config_file.string()},
                                      {"AWS_SHARED_CREDENTIALS_FILE", (dir.path() / "none").string()}});
  boost::asio::io_context ctx;
  profile_credentials_provider p(ctx.get_executor(), env);
  const auto e = test::error_of([&] { (void)test::run(ctx, p.get()); });
  BOOST_TEST((e.code() == errc::invalid_argument), e.what());
  BOOST_TEST(std::string(e.what()).find("larger than") != std::string::npos, e.what());

  // A token file far beyond STS's 20000 characters (or a device that never ends) is not read whole.
  auto o = options_for(dir);
  o.token_file = dir.write("huge-token", std::string(4 * 1024 * 1024, 'T'));
  o.sts_endpoint = "http://127.0.0.1:9/";
  const auto t = get_error(o);
  BOOST_TEST((t.code() == errc::invalid_argument), t.what());
  BOOST_TEST(std::string(t.what()).find("larger than") != std::string::npos, t.what());
}

BOOST_AUTO_TEST_SUITE_END()
