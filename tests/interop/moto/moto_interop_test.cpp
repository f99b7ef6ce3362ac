// Interop with moto: metering_client's SigV4 requests must be accepted by an independent
// verifier (moto recomputes the signature with botocore's signer and the secret it issued, then
// evaluates the IAM policy of the caller for "aws-marketplace:BatchMeterUsage"), and a wrong
// secret must be refused.
#include <awsmp/credentials.hpp>
#include <awsmp/error.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "support/moto_server.hpp"

using namespace awsmp;
using namespace std::chrono_literals;

namespace {

// moto with SigV4 and IAM enforced (moto_launcher.py); without moto the suite fails with how to
// install it (tests/support/moto_server.hpp), like every moto suite: CI must never skip it.
struct moto_fixture {
  awsmp::test::moto_server moto{AWSMP_MOTO_LAUNCHER};
  std::string port, allowed_id, allowed_secret, denied_id, denied_secret;

  moto_fixture() {
    std::istringstream in(moto.ready_line());
    std::string word;
    in >> word >> port >> allowed_id >> allowed_secret >> denied_id >> denied_secret;
    BOOST_REQUIRE_MESSAGE(!denied_secret.empty(),
                          "the moto launcher's READY line is short: " << moto.ready_line());
  }

  // Sends one BatchMeterUsage signed with (key, secret); returns the result or the AWS refusal.
  std::pair<std::optional<batch_meter_usage_output>, std::optional<aws_error>> meter(
      const std::string& key, const std::string& secret, client_stats* stats = nullptr) {
    asio::io_context ioc;
    static_credentials_provider provider{credentials{key, secret, "", std::nullopt}};
    sigv4_signer signer{provider, "us-east-1"};
    client_options o;
    o.endpoint = "http://127.0.0.1:" + port;
    o.timeout = 10s;
    o.base_backoff = 1ms;
    metering_client client(ioc.get_executor(), signer, o);
    batch_meter_usage_input in;
    in.product_code = "prod-interop1";
    usage_record r;
    r.customer_identifier = "cust-interop";
    r.dimension = "tokens_1m";
    r.quantity = 5;
    r.timestamp = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
    in.usage_records.push_back(r);
    std::optional<batch_meter_usage_output> out;
    std::optional<aws_error> refused;
    std::exception_ptr other;
    asio::co_spawn(
        ioc,
        [&]() -> asio::awaitable<void> {
          try {
            out = co_await client.batch_meter_usage(in);
          } catch (const aws_error& e) {
            refused = e;
          }
        },
        [&](std::exception_ptr e) { other = e; });
    ioc.run_for(60s);
    if (stats) *stats = client.stats();
    if (other) std::rethrow_exception(other);
    BOOST_REQUIRE_MESSAGE(out || refused, "the call did not finish");
    return {out, refused};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(moto_interop, moto_fixture)

BOOST_AUTO_TEST_CASE(signed_batch_meter_usage_is_accepted_and_a_wrong_secret_is_not) {
  // 1. The right key: moto recomputes our signature and finds it equal, the policy allows the
  //    action, and moto's BatchMeterUsage answers (no subscribers exist in moto, so the record
  //    comes back as CustomerNotSubscribed: the request was authenticated, parsed and processed).
  client_stats stats;
  auto [ok, refused] = meter(allowed_id, allowed_secret, &stats);
  BOOST_TEST(!refused.has_value(), (refused ? std::string(refused->what()) : std::string()));
  BOOST_REQUIRE(ok.has_value());
  BOOST_REQUIRE(ok->results.size() == 1u);
  BOOST_TEST(ok->results[0].record.customer_identifier == "cust-interop");
  BOOST_TEST(ok->results[0].record.quantity == 5);
  BOOST_TEST((ok->results[0].status == usage_record_status::customer_not_subscribed));
  BOOST_TEST(stats.attempts == 1u);

  // 2. The same key with a wrong secret: the signature does not match; refused, not retried.
  client_stats bad_stats;
  auto [bad_ok, bad] = meter(allowed_id, allowed_secret + "x", &bad_stats);
  BOOST_TEST(!bad_ok.has_value());
  BOOST_REQUIRE(bad.has_value());
  BOOST_TEST(bad->http_status() == 403u);
  BOOST_TEST(!bad->retryable());
  BOOST_TEST(std::string(bad->what()).find(allowed_secret) == std::string::npos);
  BOOST_TEST(bad_stats.attempts == 1u);
  BOOST_TEST(std::string(bad->what()).find("SignatureDoesNotMatch") != std::string::npos, bad->what());
}

BOOST_AUTO_TEST_CASE(a_valid_signature_without_permission_is_denied_by_policy) {
  // A correct signature from a user with no policy: authenticated, then denied for the action
  // moto derives from our credential scope and X-Amz-Target (aws-marketplace:BatchMeterUsage).
  auto [ok, refused] = meter(denied_id, denied_secret);
  BOOST_TEST(!ok.has_value());
  BOOST_REQUIRE(refused.has_value());
  BOOST_TEST(refused->http_status() == 403u);
  // moto answers authentication failures in its XML error shape (not AWS JSON), which
  // decode_aws_error keeps as UnknownError with an excerpt of the body: the code is in there.
  BOOST_TEST(std::string(refused->what()).find("AccessDenied") != std::string::npos, refused->what());
}

BOOST_AUTO_TEST_CASE(an_unknown_access_key_is_refused) {
  auto [ok, refused] = meter("AKIAUNKNOWNKEY000000", allowed_secret);
  BOOST_TEST(!ok.has_value());
  BOOST_REQUIRE(refused.has_value());
  BOOST_TEST(refused->http_status() == 403u);
  BOOST_TEST(std::string(refused->what()).find("InvalidClientTokenId") != std::string::npos, refused->what());
}

BOOST_AUTO_TEST_SUITE_END()
