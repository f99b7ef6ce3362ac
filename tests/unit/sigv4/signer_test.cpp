// Bad input, the signing key cache and the asynchronous sigv4_signer.
#include <atomic>
#include <awsmp/caching_credentials_provider.hpp>
#include <awsmp/credentials.hpp>
#include <awsmp/error.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto.hpp"
#include "core/throw.hpp"
#include "sigv4_test_support.hpp"
#include "support/run_sync.hpp"

using namespace awsmp;
using namespace awsmp::test_sigv4;

namespace {

// A distinctive secret: no error message may ever contain it, or any part of it.
const std::string secret = "SECRETsecretSECRET/K7MDENG+bPxRfiCYzz";
const std::string token = "TOKENtokenTOKEN//////////wEXAMPLE=";
const credentials good{"AKIDEXAMPLE", secret, token, {}};
const time_point when = parse_amz_date("20260115T101500Z");

http_request make() {
  http_request r;
  r.method(boost::beast::http::verb::post);
  r.target("/");
  r.set("Host", "metering.marketplace.us-east-1.amazonaws.com");
  r.set("Content-Type", "application/x-amz-json-1.1");
  r.set("X-Amz-Target", "AWSMPMeteringService.BatchMeterUsage");
  r.body() = R"({"ProductCode":"prod-1","UsageRecords":[]})";
  return r;
}

// Signing must throw invalid_argument, name `field`, and leak no secret.
void expect_invalid(const credentials& c, std::string_view region, std::string_view service,
                    std::string_view field, http_request r = make()) {
  try {
    sigv4::sign(r, c, region, service, when);
    BOOST_ERROR("no exception for " << field);
  } catch (const boost::system::system_error& e) {
    const std::string what = e.what();
    BOOST_TEST((e.code() == make_error_code(errc::invalid_argument)), "code for " << field);
    BOOST_TEST(what.find(field) != std::string::npos, what);
    BOOST_TEST(what.find("SECRETsecret") == std::string::npos, what);
    BOOST_TEST(what.find("TOKENtoken") == std::string::npos, what);
  }
  BOOST_TEST((r.find(boost::beast::http::field::authorization) == r.end()), "a rejected request got signed");
}

struct counting_provider final : credentials_provider {
  credentials creds;
  int calls = 0;
  explicit counting_provider(credentials c) : creds(std::move(c)) {}
  awaitable<credentials> get() override {
    ++calls;
    co_return creds;
  }
};

struct failing_provider final : credentials_provider {
  awaitable<credentials> get() override {
    detail::throw_error(errc::credentials_unavailable, "no credentials in the test");
    co_return credentials{};
  }
};

void run_sign(request_signer& signer, http_request& r) {
  asio::io_context io;
  awsmp::test::run_sync(io, signer.sign(r));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sigv4_bad_input)

BOOST_AUTO_TEST_CASE(empty_or_malformed_credentials_are_rejected_without_leaking) {
  credentials c = good;
  c.access_key_id.clear();
  expect_invalid(c, "us-east-1", "aws-marketplace", "credentials.access_key_id");
  c = good;
  c.access_key_id = "AKID/EXAMPLE";
  expect_invalid(c, "us-east-1", "aws-marketplace", "credentials.access_key_id");
  c = good;
  c.access_key_id = "AKID\r\nX-Injected: 1";
  expect_invalid(c, "us-east-1", "aws-marketplace", "credentials.access_key_id");
  c = good;
  c.secret_access_key.clear();
  expect_invalid(c, "us-east-1", "aws-marketplace", "credentials.secret_access_key");
  c = good;
  c.session_token = token + "\r\nX-Injected: " + secret;
  expect_invalid(c, "us-east-1", "aws-marketplace", "credentials.session_token");
}

BOOST_AUTO_TEST_CASE(empty_or_malformed_region_and_service_are_rejected) {
  expect_invalid(good, "", "aws-marketplace", "region");
  expect_invalid(good, "us-east-1/evil", "aws-marketplace", "region");
  expect_invalid(good, "us east 1", "aws-marketplace", "region");
  expect_invalid(good, "us-east-1", "", "service");
  expect_invalid(good, "us-east-1", "svc, Signature=x", "service");
}

BOOST_AUTO_TEST_CASE(a_request_without_host_is_rejected) {
  http_request r = make();
  r.erase("Host");
  expect_invalid(good, "us-east-1", "aws-marketplace", "Host", r);
}

// Found by fuzzing: such requests would be signed in a way no verifier can reproduce.
BOOST_AUTO_TEST_CASE(a_target_not_in_origin_form_is_rejected) {
  http_request r = make();
  r.target("(x");
  expect_invalid(good, "us-east-1", "aws-marketplace", "request target", r);
}

BOOST_AUTO_TEST_CASE(a_header_name_that_is_not_a_token_is_rejected) {
  http_request r = make();
  r.set("Bad Name", "v");
  expect_invalid(good, "us-east-1", "aws-marketplace", "request header name", r);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sigv4_key_cache)

BOOST_AUTO_TEST_CASE(each_distinct_tuple_is_derived_once) {
  sigv4::signing_key_cache cache;
  BOOST_TEST(cache.derivations() == 0u);
  const auto k1 = cache.get(secret, "20260115", "us-east-1", "aws-marketplace");
  BOOST_TEST(cache.derivations() == 1u);
  BOOST_TEST(detail::to_hex(k1) ==
             detail::to_hex(sigv4::derive_signing_key(secret, "20260115", "us-east-1", "aws-marketplace")));
  for (int i = 0; i < 10; ++i)
    BOOST_TEST(cache.get(secret, "20260115", "us-east-1", "aws-marketplace") == k1);
  BOOST_TEST(cache.derivations() == 1u);
  // Any part of the tuple changing is another key.
  BOOST_TEST(cache.get(secret, "20260116", "us-east-1", "aws-marketplace") != k1);
  BOOST_TEST(cache.get(secret, "20260115", "us-west-2", "aws-marketplace") != k1);
  BOOST_TEST(cache.get(secret, "20260115", "us-east-1", "dynamodb") != k1);
  BOOST_TEST(cache.get(secret + "x", "20260115", "us-east-1", "aws-marketplace") != k1);
  BOOST_TEST(cache.derivations() == 5u);
}

BOOST_AUTO_TEST_CASE(the_cache_is_bounded_and_evicts_the_least_recently_used) {
  sigv4::signing_key_cache cache(2);
  cache.get(secret, "20260101", "r", "s");  // A
  cache.get(secret, "20260102", "r", "s");  // B
  cache.get(secret, "20260101", "r", "s");  // A used again: B is now the oldest
  BOOST_TEST(cache.derivations() == 2u);
  cache.get(secret, "20260103", "r", "s");  // C evicts B
  BOOST_TEST(cache.derivations() == 3u);
  cache.get(secret, "20260101", "r", "s");  // A still cached
  BOOST_TEST(cache.derivations() == 3u);
  cache.get(secret, "20260102", "r", "s");  // B was evicted
  BOOST_TEST(cache.derivations() == 4u);
  // A day's worth of dates through a small cache never grows it past its bound.
  for (int d = 10; d < 40; ++d) cache.get(secret, "202601" + std::to_string(d), "r", "s");
  BOOST_TEST(cache.derivations() == 34u);
}

BOOST_AUTO_TEST_CASE(concurrent_use_derives_each_key_once_and_agrees) {
  sigv4::signing_key_cache cache;
  const std::vector<std::string> days = {"20260101", "20260102", "20260103"};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string& day = days[static_cast<std::size_t>(i + t) % days.size()];
        const auto k = cache.get(secret, day, "us-east-1", "aws-marketplace");
        if (k != sigv4::derive_signing_key(secret, day, "us-east-1", "aws-marketplace")) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  BOOST_TEST(wrong.load() == 0);
  BOOST_TEST(cache.derivations() == 3u);
}

BOOST_AUTO_TEST_CASE(signing_with_the_cache_equals_signing_without) {
  sigv4::signing_key_cache cache;
  http_request a = make();
  http_request b = make();
  http_request c = make();
  const auto plain = sigv4::sign(a, good, "us-east-1", "aws-marketplace", when, {});
  const auto cached = sigv4::sign(b, good, "us-east-1", "aws-marketplace", when, {}, cache);
  sigv4::sign(c, good, "us-east-1", "aws-marketplace", when, cache);
  BOOST_TEST(plain.authorization == cached.authorization);
  BOOST_TEST(std::string(c["Authorization"]) == plain.authorization);
  BOOST_TEST(cache.derivations() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sigv4_signer_async)

BOOST_AUTO_TEST_CASE(signs_with_provider_credentials_and_injected_clock) {
  counting_provider provider(good);
  sigv4_signer signer(provider, "us-east-1", "aws-marketplace", [] { return when; });
  BOOST_TEST(signer.region() == "us-east-1");
  http_request r = make();
  run_sign(signer, r);
  http_request want = make();
  sigv4::sign(want, good, "us-east-1", "aws-marketplace", when);
  BOOST_TEST(std::string(r["Authorization"]) == std::string(want["Authorization"]));
  BOOST_TEST(std::string(r["X-Amz-Security-Token"]) == token);
  BOOST_TEST(std::string(r["X-Amz-Date"]) == "20260115T101500Z");
  BOOST_TEST(provider.calls == 1);
}

// Issue 15 item 7: the signer takes the provider's shared snapshot instead of a copy of the
// secret per signature. A provider whose get() would fail proves the signer never calls it;
// the caching provider hands out one snapshot, the same object every time.
struct snapshot_provider final : credentials_provider {
  std::shared_ptr<const credentials> snapshot;
  int shared_calls = 0;
  explicit snapshot_provider(credentials c) : snapshot(std::make_shared<const credentials>(std::move(c))) {}
  awaitable<credentials> get() override {
    detail::throw_error(errc::credentials_unavailable, "the signer must not copy the credentials");
    co_return credentials{};
  }
  awaitable<std::shared_ptr<const credentials>> get_shared() override {
    ++shared_calls;
    co_return snapshot;
  }
};

BOOST_AUTO_TEST_CASE(signing_uses_the_shared_snapshot_not_a_copy) {
  snapshot_provider provider(good);
  sigv4_signer signer(provider, "us-east-1", "aws-marketplace", [] { return when; });
  http_request r = make();
  run_sign(signer, r);
  http_request want = make();
  sigv4::sign(want, good, "us-east-1", "aws-marketplace", when);
  BOOST_TEST(std::string(r["Authorization"]) == std::string(want["Authorization"]));
  BOOST_TEST(provider.shared_calls == 1);

  static_credentials_provider fixed(good);
  asio::io_context io;
  const auto a = awsmp::test::run_sync(io, fixed.get_shared());
  const auto b = awsmp::test::run_sync(io, fixed.get_shared());
  BOOST_TEST(a.get() == b.get());  // one snapshot, never copied

  counting_provider inner(good);
  caching_credentials_provider cache(io.get_executor(), inner);
  const auto c1 = awsmp::test::run_sync(io, cache.get_shared());
  const auto c2 = awsmp::test::run_sync(io, cache.get_shared());
  BOOST_TEST(c1.get() == c2.get());
  BOOST_TEST(inner.calls == 1);
  BOOST_TEST(c1->secret_access_key == good.secret_access_key);
}

BOOST_AUTO_TEST_CASE(asks_the_provider_every_time_so_rotation_takes_effect) {
  counting_provider provider(good);
  sigv4_signer signer(provider, "us-east-1", "aws-marketplace", [] { return when; });
  http_request r1 = make();
  run_sign(signer, r1);
  provider.creds.access_key_id = "AKIDROTATED";
  provider.creds.secret_access_key = secret + "2";
  http_request r2 = make();
  run_sign(signer, r2);
  BOOST_TEST(provider.calls == 2);
  BOOST_TEST(std::string(r2["Authorization"]).find("Credential=AKIDROTATED/20260115/") != std::string::npos);
  BOOST_TEST(std::string(r1["Authorization"]) != std::string(r2["Authorization"]));
}

BOOST_AUTO_TEST_CASE(uses_the_system_clock_by_default) {
  static_credentials_provider provider(good);
  sigv4_signer signer(provider, "us-east-1");
  const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  http_request r = make();
  run_sign(signer, r);
  const auto after = std::chrono::system_clock::now();
  const time_point signed_at = parse_amz_date(std::string(r["X-Amz-Date"]));
  BOOST_TEST((signed_at >= before && signed_at <= after));
  BOOST_TEST(std::string(r["Authorization"]).find("/us-east-1/aws-marketplace/aws4_request, ") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(provider_failures_and_bad_credentials_propagate) {
  failing_provider failing;
  sigv4_signer s1(failing, "us-east-1");
  http_request r = make();
  try {
    run_sign(s1, r);
    BOOST_ERROR("no exception");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == make_error_code(errc::credentials_unavailable)));
  }
  static_credentials_provider empty(credentials{});
  sigv4_signer s2(empty, "us-east-1");
  try {
    run_sign(s2, r);
    BOOST_ERROR("no exception");
  } catch (const boost::system::system_error& e) {
    BOOST_TEST((e.code() == make_error_code(errc::invalid_argument)));
  }
  BOOST_TEST((r.find(boost::beast::http::field::authorization) == r.end()));
}

BOOST_AUTO_TEST_CASE(static_provider_returns_its_credentials) {
  static_credentials_provider provider(good);
  asio::io_context io;
  const credentials c = awsmp::test::run_sync(io, provider.get());
  BOOST_TEST(c.access_key_id == good.access_key_id);
  BOOST_TEST(c.secret_access_key == good.secret_access_key);
  BOOST_TEST(c.session_token == good.session_token);
}

BOOST_AUTO_TEST_SUITE_END()
