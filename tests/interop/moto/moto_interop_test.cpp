// Interop with moto: metering_client's SigV4 requests must be accepted by an independent
// verifier (moto recomputes the signature with botocore's signer and the secret it issued, then
// evaluates the IAM policy of the caller for "aws-marketplace:BatchMeterUsage"), and a wrong
// secret must be refused.
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <awsmp/credentials.hpp>
#include <awsmp/error.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <optional>
#include <sstream>
#include <string>

#include "support/skip.hpp"

extern char** environ;

using namespace awsmp;
using namespace std::chrono_literals;

namespace {

// The moto launcher as a child process: its stdout gives the port and keys; closing its stdin
// stops it.
class moto_process {
 public:
  moto_process() {
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::string python = AWSMP_PYTHON, script = AWSMP_MOTO_LAUNCHER;
    char* argv[] = {python.data(), script.data(), nullptr};
    const int rc = ::posix_spawn(&pid_, python.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      line_ = "SKIP cannot start " + python;
      return;
    }
    line_ = read_line(120s);  // importing moto on a loaded 2-core machine with sanitizers is slow
  }

  ~moto_process() {
    if (stdin_ >= 0) ::close(stdin_);  // the launcher's cue to stop
    if (pid_ > 0) {
      for (int i = 0; i < 100; ++i) {
        if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        ::usleep(100'000);
      }
      if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    if (stdout_ >= 0) ::close(stdout_);
  }

  const std::string& line() const { return line_; }

 private:
  std::string read_line(std::chrono::seconds limit) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char c;
      if (::read(stdout_, &c, 1) != 1) break;
      if (c == '\n') return out;
      out.push_back(c);
    }
    return out.empty() ? "FAILED: the moto launcher printed nothing (it exited, or hung past the time limit)"
                       : out;
  }

  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string line_;
};

struct moto_fixture {
  moto_process moto;
  bool ready = false;
  std::string port, allowed_id, allowed_secret, denied_id, denied_secret;

  moto_fixture() {
    std::istringstream in(moto.line());
    std::string word;
    in >> word;
    if (word == "READY") {
      in >> port >> allowed_id >> allowed_secret >> denied_id >> denied_secret;
      ready = !denied_secret.empty();
    }
  }

  // Only "moto is not installed" (the launcher's SKIP line) is a skip; a launcher that crashed
  // or printed something else fails the case.
  bool skip() const {
    if (ready) return false;
    const std::string line = moto.line();
    BOOST_REQUIRE_MESSAGE(line.rfind("SKIP ", 0) == 0, "the moto launcher failed: " << line);
    awsmp::test::skip("moto is not available: " + line);
    return true;
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
  if (skip()) return;

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
  if (skip()) return;
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
  if (skip()) return;
  auto [ok, refused] = meter("AKIAUNKNOWNKEY000000", allowed_secret);
  BOOST_TEST(!ok.has_value());
  BOOST_REQUIRE(refused.has_value());
  BOOST_TEST(refused->http_status() == 403u);
  BOOST_TEST(std::string(refused->what()).find("InvalidClientTokenId") != std::string::npos, refused->what());
}

BOOST_AUTO_TEST_SUITE_END()
