// Secrets (secret keys, session tokens, signatures, registration tokens, container tokens)
// never reach a log line or an exception message, on every failing credential and signing
// path we can provoke. The log hook is captured at debug level, so every line awsmp could
// write is checked, not only the default warnings.
#include <atomic>
#include <awsmp/container_credentials_provider.hpp>
#include <awsmp/environment_credentials_provider.hpp>
#include <awsmp/error.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/profile_credentials_provider.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/test/unit_test.hpp>
#include <mutex>
#include <string>

#include "credentials/credentials_json.hpp"
#include "loopback_peer.hpp"
#include "security_support.hpp"
#include "support/run_sync.hpp"

using namespace awsmp;
using namespace awsmp::test;

namespace {

credentials test_credentials() {
  return {"AKIDSECURITYTEST", std::string(secret_access_key), std::string(session_token), std::nullopt};
}

// Runs `f`, requires a system_error, and returns its message after checking it is clean.
template <class F>
std::string expect_clean_failure(F&& f, const std::vector<std::string>& secrets) {
  try {
    f();
  } catch (const boost::system::system_error& e) {
    check_no_secret("exception message", e.what(), secrets);
    return e.what();
  }
  BOOST_FAIL("expected a system_error");
  return {};
}

// The signature a peer received in an Authorization header.
std::string signature_of(const peer_request& r) {
  const std::string auth(r[boost::beast::http::field::authorization]);
  const auto at = auth.find("Signature=");
  return at == std::string::npos ? std::string() : auth.substr(at + 10);
}

client_options fast_options(const std::string& url) {
  client_options o;
  o.endpoint = url;
  o.max_attempts = 3;
  o.base_backoff = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(2);
  o.timeout = std::chrono::milliseconds(5'000);
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(security_secrets)

BOOST_AUTO_TEST_CASE(signing_refusals_do_not_echo_credentials) {
  log_capture logs;
  http_request request{boost::beast::http::verb::post, "/", 11};
  request.set(boost::beast::http::field::host, "metering.marketplace.us-east-1.amazonaws.com");
  const auto creds = test_credentials();
  const auto secrets = default_secrets();
  expect_clean_failure([&] { sigv4::sign(request, creds, "", "aws-marketplace", time_point{}); }, secrets);
  auto no_key = creds;
  no_key.access_key_id.clear();
  expect_clean_failure([&] { sigv4::sign(request, no_key, "us-east-1", "aws-marketplace", time_point{}); },
                       secrets);
  auto no_secret = creds;
  no_secret.secret_access_key.clear();
  expect_clean_failure([&] { sigv4::sign(request, no_secret, "us-east-1", "aws-marketplace", time_point{}); },
                       secrets);
  check_logs_clean(logs, secrets);
}

BOOST_AUTO_TEST_CASE(environment_provider_refusals_do_not_echo_keys) {
  log_capture logs;
  const auto secrets = default_secrets();
  // Only half of the key pair: configured but broken.
  environment_credentials_provider half(
      fixed_environment({{"AWS_SECRET_ACCESS_KEY", std::string(secret_access_key)},
                         {"AWS_SESSION_TOKEN", std::string(session_token)}}));
  const auto message = expect_clean_failure([&] { run_sync([&](auto) { return half.get(); }); }, secrets);
  BOOST_TEST(message.find("AWS_ACCESS_KEY_ID") != std::string::npos,
             "the message names the missing variable: " << message);
  environment_credentials_provider bad_expiry(
      fixed_environment({{"AWS_ACCESS_KEY_ID", "AKIDSECURITYTEST"},
                         {"AWS_SECRET_ACCESS_KEY", std::string(secret_access_key)},
                         {"AWS_SESSION_TOKEN", std::string(session_token)},
                         {"AWS_CREDENTIAL_EXPIRATION", "tomorrow"}}));
  expect_clean_failure([&] { run_sync([&](auto) { return bad_expiry.get(); }); }, secrets);
  check_logs_clean(logs, secrets);
}

BOOST_AUTO_TEST_CASE(profile_provider_refusals_do_not_echo_keys) {
  log_capture logs;
  const auto secrets = default_secrets();
  temp_dir dir;
  const auto config = dir.write("config", "");
  // A line without '=' that holds the secret, and a profile with only half of the key pair.
  const auto malformed =
      dir.write("credentials", "[default]\naws_access_key_id = AKIDSECURITYTEST\naws_secret_access_key " +
                                   std::string(secret_access_key) + "\n");
  const auto half =
      dir.write("credentials-half", "[default]\naws_secret_access_key = " + std::string(secret_access_key) +
                                        "\naws_session_token = " + std::string(session_token) + "\n");
  for (const auto& file : {malformed, half}) {
    profile_credentials_options options;
    options.profile = "default";
    options.credentials_file = file;
    options.config_file = config;
    expect_clean_failure(
        [&] {
          run_sync([&](auto ex) -> awaitable<credentials> {
            profile_credentials_provider provider(ex, fixed_environment({}), options);
            co_return co_await provider.get();
          });
        },
        secrets);
  }
  check_logs_clean(logs, secrets);
}

BOOST_AUTO_TEST_CASE(credential_documents_with_bad_members_do_not_echo_keys) {
  log_capture logs;
  const auto secrets = default_secrets();
  const std::string secret(secret_access_key), token(session_token);
  for (const std::string& body : std::vector<std::string>{
           R"({"AccessKeyId":"AKIDSECURITYTEST","SecretAccessKey":")" + secret + R"(","Token":")" + token +
               R"(","Expiration":"not a time"})",
           R"({"Code":"Failure","AccessKeyId":"AKIDSECURITYTEST","SecretAccessKey":")" + secret + R"("})",
           R"({"AccessKeyId":"AKIDSECURITYTEST","SecretAccessKey":")" + secret + R"(","Token":7})",
           R"({"AccessKeyId":"AKID","SecretAccessKey":")" + secret + R"(",)",
       }) {
    expect_clean_failure([&] { (void)detail::parse_credentials_json(body, "container credentials"); },
                         secrets);
  }
  check_logs_clean(logs, secrets);
}

BOOST_AUTO_TEST_CASE(container_provider_failures_do_not_echo_tokens_or_keys) {
  log_capture logs;
  const auto secrets = default_secrets();
  std::atomic<int> calls{0};
  // First a 500 whose body quotes the secret, then a 200 whose document is broken.
  loopback_peer peer([&](const peer_request&) {
    if (calls++ % 2 == 0)
      return http_answer(500, R"({"message":"internal ")" + std::string(secret_access_key) + "\"}");
    return http_answer(200, R"({"AccessKeyId":"AKID","SecretAccessKey":")" + std::string(secret_access_key) +
                                R"(","Token":")" + std::string(session_token) + R"(","Expiration":"soon"})");
  });
  container_credentials_options options;
  options.timeout = std::chrono::milliseconds(5'000);
  const auto env = fixed_environment({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", peer.url() + "/v2/credentials"},
                                      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", std::string(container_token)}});
  // Twice: the first get() meets the 500 (then the broken document on its retry), the second
  // meets them in the other order.
  for (int round = 0; round < 2; ++round) {
    expect_clean_failure(
        [&] {
          run_sync([&](auto ex) -> awaitable<credentials> {
            container_credentials_provider provider(ex, env, options);
            co_return co_await provider.get();
          });
        },
        secrets);
  }
  const auto requests = peer.requests();
  BOOST_TEST_REQUIRE(!requests.empty(), "the provider reached the peer");
  BOOST_TEST(requests.front()[boost::beast::http::field::authorization] == container_token,
             "the peer saw the token, so the checks above had it to leak");
  check_logs_clean(logs, secrets);
}

BOOST_AUTO_TEST_CASE(metering_failures_do_not_echo_keys_signatures_or_tokens) {
  log_capture logs;
  std::atomic<int> calls{0};
  loopback_peer peer([&](const peer_request&) {
    if (calls++ < 2)
      return http_answer(500, R"({"__type":"InternalServiceErrorException","message":"try again"})",
                         "x-amzn-ErrorType: InternalServiceErrorException\r\n");
    return http_answer(400, R"({"__type":"InvalidTokenException","message":"Registration token is invalid"})",
                       "x-amzn-ErrorType: InvalidTokenException\r\n");
  });
  static_credentials_provider provider(test_credentials());
  sigv4_signer signer(provider, "us-east-1");
  std::string failure;
  try {
    run_sync([&](auto ex) -> awaitable<resolve_customer_output> {
      metering_client client(ex, signer, fast_options(peer.url()));
      co_return co_await client.resolve_customer(std::string(registration_token));
    });
    BOOST_FAIL("the peer refused the token; the call must throw");
  } catch (const aws_error& e) {
    BOOST_TEST(e.type() == "InvalidTokenException");
    failure = e.what();
  }
  const auto requests = peer.requests();
  BOOST_TEST_REQUIRE(requests.size() == 3u, "two retried 500s and the final 400 reached the peer");
  auto secrets = default_secrets();
  for (const auto& r : requests) {
    BOOST_TEST(r.body().find(registration_token) != std::string::npos,
               "the token was sent, so it could leak");
    secrets.push_back(signature_of(r));
    BOOST_TEST(secrets.back().size() == 64u);
  }
  check_no_secret("exception message", failure, secrets);
  check_logs_clean(logs, secrets);
}

BOOST_AUTO_TEST_SUITE_END()

// Issue 15 item 12: redaction as a property. A peer echoes what the request carried (session
// token, signature, registration token) in every form a header or message can take: "name:
// value", quoted JSON, repeated, cut by separators, split across lines. No 8-byte slice of any
// of them may survive in what(), in any log line, or in the log lines joined (a secret split
// across two lines). Failed before: only "x-amz-security-token:" and "signature=" were redacted.
BOOST_AUTO_TEST_SUITE(security_redaction_property)

BOOST_AUTO_TEST_CASE(no_slice_of_a_secret_survives_any_echo) {
  log_capture logs;
  std::atomic<int> calls{0};
  std::vector<std::string> seen_signatures;
  std::mutex seen_mutex;
  loopback_peer peer([&](const peer_request& r) {
    const std::string token(r["X-Amz-Security-Token"]);
    const std::string signature = signature_of(r);
    {
      std::lock_guard lock(seen_mutex);
      seen_signatures.push_back(signature);
    }
    const std::string reg(registration_token);
    auto halves = [](const std::string& s, std::string_view sep) {
      return s.substr(0, s.size() / 2) + std::string(sep) + s.substr(s.size() / 2);
    };
    const std::string echo = "X-Amz-Security-Token: " + token + " | \\\"x-amz-security-token\\\":\\\"" +
                             token + "\\\" | again " + token + " " + token + " | cut " + halves(token, ", ") +
                             " | line " + halves(token, "\\n") + " | sig " + signature +
                             " Signature=" + halves(signature, ";") + " | token '" + reg + "' " +
                             halves(reg, "\\r\\n") + " RegistrationToken=" + reg;
    const std::string body = R"({"__type":"InvalidTokenException","message":")" + echo + R"("})";
    if (calls++ < 1) return http_answer(500, body, "x-amzn-ErrorType: InternalServiceErrorException\r\n");
    return http_answer(400, body, "x-amzn-ErrorType: InvalidTokenException\r\n");
  });
  static_credentials_provider provider(test_credentials());
  sigv4_signer signer(provider, "us-east-1");
  std::string failure;
  try {
    run_sync([&](auto ex) -> awaitable<resolve_customer_output> {
      metering_client client(ex, signer, fast_options(peer.url()));
      co_return co_await client.resolve_customer(std::string(registration_token));
    });
    BOOST_FAIL("the peer refused the token; the call must throw");
  } catch (const aws_error& e) {
    failure = e.what();
  }
  BOOST_TEST_REQUIRE(calls.load() == 2);
  std::vector<std::string> secrets{std::string(session_token), std::string(registration_token)};
  for (const auto& s : seen_signatures) {
    BOOST_TEST_REQUIRE(s.size() == 64u);
    secrets.push_back(s);
  }
  std::string joined;
  for (const auto& line : logs.lines()) joined += line;  // no separator: a secret split across lines rejoins
  auto check_slices = [&](std::string_view where, std::string_view text) {
    for (const auto& secret : secrets)
      for (std::size_t i = 0; i + 8 <= secret.size(); ++i)
        BOOST_TEST((text.find(std::string_view(secret).substr(i, 8)) == std::string_view::npos),
                   where << " holds the slice '" << secret.substr(i, 8) << "': " << text);
  };
  check_slices("what()", failure);
  for (const auto& line : logs.lines()) check_slices("a log line", line);
  check_slices("the joined log", joined);
  BOOST_TEST(failure.find("<redacted>") != std::string::npos, failure);
}

BOOST_AUTO_TEST_SUITE_END()
