// The program fleet_crash_test.cpp runs three of and kills: one fleet instance (a
// token_billing_tracker in fleet mode with its own journal and instance id) that records usage
// for every customer of fleet_process.hpp and flushes every 2 real seconds (2 simulated minutes)
// on the shared accelerated clock, shifted by its own skew. SIGTERM stops it cleanly
// (tracker.stop(), exit 0); SIGKILL is what the test does the rest of the time.
//
// The oracle is the report file (one per instance, appended by every run): before a call
// "S <customer> <amount>", after it returned "C <customer> <amount>" (fdatasync'ed). Caller k's
// n-th call of this instance (counted over every run) records 2^(n * lanes + lane) tokens, so
// across the fleet every customer's amounts are distinct powers of two and every subset of them
// has its own sum: a call billed twice, or lost, cannot hide.
//
// usage: fleet_child <lane> <journal> <report> <emulator> <ca-file> <dynamodb-url> <t0-ns> <r0-ns>
//                    <speed> <skew-seconds> run|final
#include <fcntl.h>
#include <unistd.h>

#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "fleet_process.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

int report_fd = -1;

// One write(2) per line with O_APPEND: a line is in the file or not, even under SIGKILL.
void report(char kind, int k, std::int64_t amount, bool sync) {
  char line[64];
  const int n = std::snprintf(line, sizeof line, "%c %d %lld\n", kind, k, static_cast<long long>(amount));
  if (::write(report_fd, line, static_cast<std::size_t>(n)) != n) std::_Exit(3);
  if (sync && ::fdatasync(report_fd) != 0) std::_Exit(3);
}

// Calls per customer that earlier runs started (their amounts are used up, completed or not).
std::map<int, int> calls_started(const char* path) {
  std::map<int, int> started;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    char kind = 0;
    int k = 0;
    if (ls >> kind >> k && kind == 'S') ++started[k];
  }
  return started;
}

awsmp::awaitable<void> caller(awsmp::token_billing_tracker& t, int k, int first_call, int lane,
                              std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto who = fleet_process::customer(k);
  asio::steady_timer pause(co_await asio::this_coro::executor);
  // Spread the calls over the run: about ten per customer and instance in three minutes.
  pause.expires_after(std::chrono::milliseconds(rng() % 8000));
  co_await pause.async_wait(asio::use_awaitable);
  for (int n = first_call;; ++n) {
    const int bit = n * fleet_process::lanes + lane;
    if (bit > fleet_process::max_bit) co_return;
    const auto amount = std::int64_t{1} << bit;
    report('S', k, amount, false);
    const bool as_output = rng() % 2 == 0;
    try {
      auto op = t.record_usage(who, as_output ? 0 : amount, as_output ? amount : 0);
      co_await std::move(op);
    } catch (const std::exception&) {
      co_return;  // stopped (SIGTERM): the call did not complete and is not reported
    }
    report('C', k, amount, true);
    pause.expires_after(std::chrono::milliseconds(8000 + rng() % 20000));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 12) {
    std::fprintf(
        stderr,
        "usage: %s lane journal report emulator ca-file dynamodb-url t0-ns r0-ns speed skew run|final\n",
        argv[0]);
    return 2;
  }
  const int lane = std::atoi(argv[1]);
  const bool final_run = std::string(argv[11]) == "final";
  fleet_process::sim_clock sim{std::atoll(argv[7]), std::atoll(argv[8]), std::atoll(argv[9]),
                               std::chrono::seconds(std::atoll(argv[10]))};
  const auto started = calls_started(argv[3]);
  report_fd = ::open(argv[3], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (report_fd < 0) return 2;
  try {
    asio::io_context io;
    awsmp::static_credentials_provider creds(
        {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}});
    awsmp::sigv4_signer metering_signer(creds, "us-east-1", "aws-marketplace", sim.function());
    awsmp::client_options mo;
    mo.endpoint = argv[4];
    mo.ca_file = argv[5];
    mo.timeout = 3s;
    mo.base_backoff = 5ms;
    mo.max_backoff = 40ms;
    awsmp::metering_client metering(io.get_executor(), metering_signer, mo);
    awsmp::sigv4_signer dynamo_signer(creds, "us-east-1", "dynamodb", sim.function());
    awsmp::client_options dopt;
    dopt.endpoint = argv[6];
    dopt.timeout = 2s;
    dopt.max_attempts = 4;
    dopt.base_backoff = 5ms;
    dopt.max_backoff = 40ms;
    awsmp::dynamodb::dynamodb_client dynamo(io.get_executor(), dynamo_signer, dopt);

    awsmp::token_billing_options o;
    o.tokens_per_unit = 1;  // a unit per token: the ledger must match the calls exactly
    o.dimension = fleet_process::dimension;
    o.journal = argv[2];
    o.clock = sim.function();
    // Compact at every flush: kills land in compactions too, and every run of a child that
    // flushed at all has compacted (the test checks it), however loaded the machine is.
    o.compaction_bytes = 1;
    awsmp::fleet_options f;
    f.client = &dynamo;
    f.table = fleet_process::table;
    f.instance_id = "i-" + std::to_string(lane);
    f.lease_duration = std::chrono::minutes(5);  // simulated: 5 real seconds, more than the 2-minute skews
    f.seal_grace = std::chrono::minutes(5);      // above the 2-minute push interval plus the skew
    f.shards = 4;
    o.fleet = f;
    awsmp::token_billing_tracker tracker(io.get_executor(), fleet_process::product, metering, o);

    if (!final_run)
      for (int k = 0; k < fleet_process::customers; ++k) {
        const auto it = started.find(k);
        const int first = it == started.end() ? 0 : it->second;
        asio::co_spawn(io, caller(tracker, k, first, lane, std::random_device{}()), asio::detached);
      }
    asio::co_spawn(io, tracker.run(2s), asio::detached);

    int exit_code = 1;
    asio::signal_set term(io, SIGTERM);
    term.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      asio::co_spawn(io, tracker.stop(), [&](std::exception_ptr e) {
        exit_code = 0;
        // For the test: what this run did (it reads these lines from the child's log).
        const auto s = tracker.stats();
        std::fprintf(stderr,
                     "fleet child %d stats: compactions %llu leases %llu sealed %llu conflicts %llu "
                     "dynamodb_failures %llu\n",
                     lane, static_cast<unsigned long long>(s.journal_compactions),
                     static_cast<unsigned long long>(s.fleet->lease_acquisitions),
                     static_cast<unsigned long long>(s.fleet->hours_sealed),
                     static_cast<unsigned long long>(s.fleet->seal_conflicts),
                     static_cast<unsigned long long>(s.fleet->dynamodb_failures));
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            std::fprintf(stderr, "fleet child %d: stop failed: %s\n", lane, ex.what());
            exit_code = 4;
          }
        }
        io.stop();
      });
    });
    // Never outlive a lost test: a run lasts minutes at most.
    asio::steady_timer limit(io, std::chrono::minutes(6));
    limit.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      std::fprintf(stderr, "fleet child %d: still running after 6 minutes, giving up\n", lane);
      exit_code = 6;
      io.stop();
    });
    io.run();
    return exit_code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fleet child %d: %s\n", lane, e.what());
    return 5;
  }
}
