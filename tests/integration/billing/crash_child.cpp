// The program the crash tests kill: records usage for its customers with a journal (reporting
// each call before it starts and after it completes) and flushes to the emulator, until
// SIGKILL. With "final" it instead flushes until nothing is left and exits.
//
// The amounts are the oracle: caller k's n-th call (counted over every run of this report
// file) records 2^(n * lanes + lane) tokens, so that every subset of a customer's calls has
// its own sum and a call billed twice cannot hide. Two processes metering the same customers
// use lanes 0 and 1 of 2. A caller stops at 2^30 (a record holds at most 2^31-1).
//
// usage: billing_crash_child <journal> <endpoint> <ca-file> <report-file> <t0-seconds> <lane> <lanes> [final]
#include <fcntl.h>
#include <unistd.h>

#include <awsmp/credentials.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr int callers = 40;  // caller k records for customer cust-k only: one call in flight per customer

int report_fd = -1;

// One write(2) per line with O_APPEND: a line is in the file or not, even under SIGKILL.
void report(char kind, int caller, std::int64_t amount) {
  char line[64];
  const int n =
      std::snprintf(line, sizeof line, "%c %d %lld\n", kind, caller, static_cast<long long>(amount));
  if (::write(report_fd, line, static_cast<std::size_t>(n)) != n) std::_Exit(3);
}

// Calls each caller started in earlier runs (their amounts are used up, completed or not).
std::map<int, int> calls_started(const char* report_path) {
  std::map<int, int> started;
  std::ifstream in(report_path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    char kind = 0;
    int k = 0;
    if (ls >> kind >> k && kind == 'S') ++started[k];
  }
  return started;
}

awsmp::awaitable<void> caller(awsmp::token_billing_tracker& t, int k, int first_call, int lane, int lanes) {
  std::mt19937_64 rng(static_cast<std::uint64_t>(k * 7919 + first_call * 31 + lane));
  const std::string id = "cust-" + std::to_string(k);
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (int n = first_call;; ++n) {
    const int bit = n * lanes + lane;
    if (bit > 30) co_return;
    const auto amount = std::int64_t{1} << bit;
    report('S', k, amount);
    auto op = t.record_usage(id, amount, 0);
    co_await std::move(op);
    report('C', k, amount);
    pause.expires_after(std::chrono::milliseconds(20 + rng() % 100));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

awsmp::awaitable<void> flusher(awsmp::token_billing_tracker& t, bool final_run, int& exit_code) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (int i = 0;; ++i) {
    timer.expires_after(final_run ? 200ms : 40ms);
    co_await timer.async_wait(asio::use_awaitable);
    try {
      auto op = t.flush();
      auto out = co_await std::move(op);
      if (final_run) {
        auto snap_op = t.snapshot();
        auto snap = co_await std::move(snap_op);
        if (snap.empty() && out.unprocessed_records.empty()) {
          exit_code = 0;
          co_return;
        }
        if (i > 300) {
          std::fprintf(stderr, "crash child: final flushes did not drain\n");
          exit_code = 4;
          co_return;
        }
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "crash child: flush failed: %s\n", e.what());
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 8) {
    std::fprintf(stderr, "usage: %s journal endpoint ca-file report t0 lane lanes [final]\n", argv[0]);
    return 2;
  }
  const bool final_run = argc > 8 && std::string(argv[8]) == "final";
  const auto started = calls_started(argv[4]);
  report_fd = ::open(argv[4], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (report_fd < 0) return 2;
  // A compressed clock shared with the emulator (same t0, 600x): an hour passes in 6 s, so the
  // hour rule lets usage be sealed several times during the test, and AWS's 6 h window is 36 s.
  const auto t0 = awsmp::time_point(std::chrono::seconds(std::atoll(argv[5])));
  awsmp::clock_function clock = [t0] { return t0 + (std::chrono::system_clock::now() - t0) * 600; };
  try {
    asio::io_context io;
    awsmp::static_credentials_provider creds(
        {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}});
    awsmp::sigv4_signer signer(creds, "us-east-1", "aws-marketplace", clock);
    awsmp::client_options co;
    co.endpoint = argv[2];
    co.ca_file = argv[3];
    co.timeout = 3s;
    co.base_backoff = 5ms;
    co.max_backoff = 20ms;
    awsmp::metering_client client(io.get_executor(), signer, co);
    awsmp::token_billing_options o;
    o.tokens_per_unit = 1;  // a unit per token: the ledger must match the calls exactly
    o.journal = argv[1];
    o.clock = clock;
    o.compaction_bytes = 256 * 1024;  // compact often, so kills also land in compactions
    awsmp::token_billing_tracker tracker(io.get_executor(), "prod-billing", client, o);
    int exit_code = 1;
    const int lane = std::atoi(argv[6]);
    const int lanes = std::atoi(argv[7]);
    if (!final_run)
      for (int k = 0; k < callers; ++k) {
        auto it = started.find(k);
        auto c = caller(tracker, k, it == started.end() ? 0 : it->second, lane, lanes);
        asio::co_spawn(io, std::move(c), asio::detached);
      }
    asio::co_spawn(io, flusher(tracker, final_run, exit_code), [&](std::exception_ptr) { io.stop(); });
    io.run();
    return exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "crash child: %s\n", e.what());
    return 5;
  }
}
