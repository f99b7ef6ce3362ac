#include <awsmp/credentials_provider_chain.hpp>
#include <boost/test/unit_test.hpp>

#include "core/throw.hpp"
#include "fake_provider.hpp"
#include "test_util.hpp"

using namespace awsmp;

namespace {

credentials unavailable(std::string why) {
  detail::throw_error(errc::credentials_unavailable, why);
}

struct chain_fixture {
  test::fake_provider* a = nullptr;
  test::fake_provider* b = nullptr;
  test::fake_provider* c = nullptr;

  std::unique_ptr<credentials_provider_chain> make(test::fake_provider::script sa,
                                                   test::fake_provider::script sb,
                                                   test::fake_provider::script sc) {
    std::vector<named_credentials_provider> links;
    auto pa = std::make_unique<test::fake_provider>(std::move(sa));
    auto pb = std::make_unique<test::fake_provider>(std::move(sb));
    auto pc = std::make_unique<test::fake_provider>(std::move(sc));
    a = pa.get();
    b = pb.get();
    c = pc.get();
    links.push_back({"first", std::move(pa)});
    links.push_back({"second", std::move(pb)});
    links.push_back({"third", std::move(pc)});
    return std::make_unique<credentials_provider_chain>(std::move(links));
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(credentials_chain, chain_fixture)

BOOST_AUTO_TEST_CASE(first_configured_provider_wins) {
  boost::asio::io_context ctx;
  auto chain = make([](int) { return unavailable("first not set"); },
                    [](int) { return test::make_credentials("SECOND"); },
                    [](int) { return test::make_credentials("THIRD"); });
  BOOST_TEST(test::run_sync(ctx, chain->get()).access_key_id == "SECOND");
  BOOST_TEST(a->calls() == 1);
  BOOST_TEST(b->calls() == 1);
  BOOST_TEST(c->calls() == 0);
}

BOOST_AUTO_TEST_CASE(nothing_configured_lists_every_provider_and_reason) {
  boost::asio::io_context ctx;
  auto chain =
      make([](int) { return unavailable("A not set"); }, [](int) { return unavailable("B not set"); },
           [](int) { return unavailable("C not set"); });
  const auto e = test::error_of([&] { (void)test::run_sync(ctx, chain->get()); });
  BOOST_TEST(e.code() == errc::credentials_unavailable);
  const std::string what = e.what();
  BOOST_TEST(what.find("first (A not set); second (B not set); third (C not set)") != std::string::npos,
             what);
  BOOST_TEST(c->calls() == 1);
}

BOOST_AUTO_TEST_CASE(configured_but_failing_stops_the_chain) {
  boost::asio::io_context ctx;
  auto chain = make([](int) { return unavailable("A not set"); },
                    [](int) -> credentials { detail::throw_error(errc::timeout, "endpoint slow"); },
                    [](int) { return test::make_credentials("THIRD"); });
  test::log_capture logs;
  const auto e = test::error_of([&] { (void)test::run_sync(ctx, chain->get()); });
  BOOST_TEST(e.code() == errc::timeout);
  const std::string what = e.what();
  BOOST_TEST(what.find("the second provider is configured but failed: endpoint slow") != std::string::npos,
             what);
  BOOST_TEST(what.find("first (A not set)") != std::string::npos, what);
  BOOST_TEST(c->calls() == 0);  // never silently falls through to another identity
  BOOST_TEST(logs.all().find("second provider is configured but failed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(aws_errors_keep_their_type) {
  boost::asio::io_context ctx;
  auto chain =
      make([](int) -> credentials { throw aws_error(400, "InvalidIdentityToken", "bad token", "req-1"); },
           [](int) { return test::make_credentials("SECOND"); },
           [](int) { return test::make_credentials("THIRD"); });
  try {
    (void)test::run_sync(ctx, chain->get());
    BOOST_FAIL("expected aws_error");
  } catch (const aws_error& e) {
    BOOST_TEST(e.type() == "InvalidIdentityToken");
    BOOST_TEST(e.http_status() == 400u);
    BOOST_TEST(e.request_id() == "req-1");
    BOOST_TEST(e.aws_message().find("first provider") != std::string::npos);
  }
  BOOST_TEST(b->calls() == 0);
}

BOOST_AUTO_TEST_CASE(construction_rules) {
  BOOST_TEST(test::error_of([] { credentials_provider_chain chain({}); }).code() == errc::invalid_argument);
  std::vector<named_credentials_provider> links;
  links.push_back({"null", nullptr});
  BOOST_TEST(test::error_of([&] { credentials_provider_chain chain(std::move(links)); }).code() ==
             errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(default_chain_is_in_the_sdk_order) {
  boost::asio::io_context ctx;
  const auto chain = default_credentials_chain(ctx.get_executor(), fixed_environment({}));
  const std::vector<std::string> expected{"environment", "web_identity", "profile", "container", "imds"};
  BOOST_TEST(chain->names() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(default_chain_prefers_environment_and_nothing_is_sent) {
  boost::asio::io_context ctx;
  test::temp_dir dir;
  dir.write("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
  const auto env = fixed_environment({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                      {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"},
                                      {"AWS_SHARED_CREDENTIALS_FILE", (dir.path() / "credentials").string()},
                                      {"AWS_EC2_METADATA_DISABLED", "true"}});
  auto provider = default_credentials_provider(ctx.get_executor(), env);
  BOOST_TEST(test::run_sync(ctx, provider->get()).access_key_id == "ENVKEY");

  // Without the environment pair the profile is next.
  const auto env2 = fixed_environment({{"AWS_SHARED_CREDENTIALS_FILE", (dir.path() / "credentials").string()},
                                       {"AWS_CONFIG_FILE", (dir.path() / "config").string()},
                                       {"AWS_EC2_METADATA_DISABLED", "true"}});
  auto chain = default_credentials_chain(ctx.get_executor(), env2);
  BOOST_TEST(test::run_sync(ctx, chain->get()).access_key_id == "FILEKEY");
}

BOOST_AUTO_TEST_CASE(default_chain_with_nothing_configured_names_every_provider) {
  boost::asio::io_context ctx;
  test::temp_dir dir;
  const auto env = fixed_environment({{"HOME", dir.path().string()}, {"AWS_EC2_METADATA_DISABLED", "TRUE"}});
  auto chain = default_credentials_chain(ctx.get_executor(), env);
  const auto e = test::error_of([&] { (void)test::run_sync(ctx, chain->get()); });
  BOOST_TEST(e.code() == errc::credentials_unavailable);
  const std::string what = e.what();
  for (const char* name : {"environment (", "web_identity (", "profile (", "container (", "imds ("})
    BOOST_TEST(what.find(name) != std::string::npos, what << " lacks " << name);
}

BOOST_AUTO_TEST_SUITE_END()
