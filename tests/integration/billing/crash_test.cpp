// Crash safety with hour identity: billing_crash_child records usage with a journal and
// flushes; it is SIGKILLed at random moments (12 times) and restarted on the same journal.
// After a final run, the emulator's ledger must hold exactly the completed calls plus, for each
// kill, either all or nothing of the one call per customer that was in flight (its usage may or
// may not have reached the disk before the kill) -- nothing else, never twice. Every call of a
// customer records a distinct power of two, so every subset of its calls has its own sum: a
// call billed twice, or lost, cannot hide behind another. The second test runs two tracker
// processes (own journals, no shared ledger) on the same customers: they collide on hours, and
// collisions must cost nothing.
#include <signal.h>
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "billing_e2e.hpp"

using namespace awsmp;
using namespace billing_e2e;

namespace {

pid_t start_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

}  // namespace

namespace {

constexpr int customers = 40;

// Per customer: completed calls, and the calls that started but never completed.
struct report_summary {
  std::map<int, std::int64_t> completed;
  std::map<int, std::vector<std::int64_t>> in_flight;
  std::size_t calls = 0;
};

report_summary read_report(const std::string& path) {
  report_summary r;
  std::map<int, std::int64_t> open;  // amount of the caller's started call, if any
  std::ifstream in(path);
  std::string line;
  // The report is appended by successive runs; a run's end shows as a caller starting again
  // without completing, so close open calls whenever an 'S' finds one still open.
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    char kind = 0;
    int k = 0;
    std::int64_t amount = 0;
    ls >> kind >> k >> amount;
    if (kind == 'S') {
      if (open[k] > 0) r.in_flight[k].push_back(open[k]);
      open[k] = amount;
    } else if (kind == 'C') {
      BOOST_REQUIRE_EQUAL(open[k], amount);
      r.completed[k] += amount;
      open[k] = 0;
      ++r.calls;
    }
  }
  for (auto& [k, amount] : open)
    if (amount > 0) r.in_flight[k].push_back(amount);
  return r;
}

// What the emulator billed for each customer is the completed calls plus some subset of the
// calls in flight at the kills: with distinct powers of two, `extra` must be made of in-flight
// bits only (and every amount is a distinct bit, so a double count or a loss shows).
void check_billing(const testing::marketplace_emulator& emu, const std::vector<report_summary>& reports) {
  for (int k = 0; k < customers; ++k) {
    const std::int64_t billed = emu.total("cust-" + std::to_string(k), "tokens_1m");
    std::int64_t completed = 0, in_flight_bits = 0;
    for (const auto& r : reports) {
      if (auto it = r.completed.find(k); it != r.completed.end()) completed += it->second;
      if (auto it = r.in_flight.find(k); it != r.in_flight.end())
        for (auto amount : it->second) in_flight_bits |= amount;
    }
    const std::int64_t extra = billed - completed;
    BOOST_TEST((extra >= 0 && (extra & ~in_flight_bits) == 0),
               "cust-" << k << ": billed " << billed << ", completed " << completed << ", in flight bits "
                       << in_flight_bits);
  }
}

std::string t0_seconds(awsmp::time_point t0) {
  return std::to_string(t0.time_since_epoch() / std::chrono::seconds(1));
}

}  // namespace

BOOST_AUTO_TEST_CASE(kill_9_at_random_moments_loses_and_duplicates_nothing) {
  const std::string child = BILLING_CRASH_CHILD;
  BOOST_TEST_REQUIRE(std::filesystem::exists(child), "crash child not built at " << child);
  temp_dir dir;
  const auto t0 = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto eo = emulator_with_customers(customers, dir.path() / "ca.pem");
  eo.clock = [t0] { return t0 + (std::chrono::system_clock::now() - t0) * 600; };
  eo.faults.throttle_percent = 5;
  eo.faults.drop_after_commit_percent = 5;
  eo.faults.unprocessed_percent = 5;
  testing::marketplace_emulator emu(eo);
  emu.start();

  const std::string journal = (dir.path() / "billing.journal").string();
  const std::string report = (dir.path() / "report.txt").string();
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("kill timing seed " << seed);
  std::mt19937_64 rng(seed);
  constexpr int kills = 12;
  for (int run = 0; run < kills; ++run) {
    const pid_t pid =
        start_child({child, journal, emu.endpoint(), emu.ca_file(), report, t0_seconds(t0), "0", "1"});
    BOOST_REQUIRE(pid > 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 900));
    ::kill(pid, SIGKILL);
    const int status = wait_child(pid);
    BOOST_TEST_REQUIRE(WIFSIGNALED(status), "run " << run << " ended by itself, status " << status);
  }
  const pid_t pid =
      start_child({child, journal, emu.endpoint(), emu.ca_file(), report, t0_seconds(t0), "0", "1", "final"});
  const int status = wait_child(pid);
  BOOST_TEST_REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "final run status " << status);

  const auto r = read_report(report);
  BOOST_TEST_MESSAGE(r.calls << " calls completed over " << kills << " killed runs");
  BOOST_TEST(r.calls > 300u);
  check_billing(emu, {r});
  const auto s = emu.stats();
  BOOST_TEST(s.records_duplicate == 0u);
  BOOST_TEST(s.records_not_subscribed == 0u);
  emu.stop();
}

BOOST_AUTO_TEST_CASE(two_tracker_processes_on_the_same_customers_lose_and_double_nothing) {
  const std::string child = BILLING_CRASH_CHILD;
  BOOST_TEST_REQUIRE(std::filesystem::exists(child), "crash child not built at " << child);
  temp_dir dir;
  const auto t0 = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto eo = emulator_with_customers(customers, dir.path() / "ca.pem");
  eo.clock = [t0] { return t0 + (std::chrono::system_clock::now() - t0) * 600; };
  // Only faults that prove the records were not billed: a lost answer would make a colliding
  // resend a dead letter in doubt (correctly), which this test does not re-drive.
  eo.faults.throttle_percent = 5;
  eo.faults.unprocessed_percent = 5;
  testing::marketplace_emulator emu(eo);
  emu.start();

  std::vector<std::string> journals, reports;
  for (int lane = 0; lane < 2; ++lane) {
    journals.push_back((dir.path() / ("billing-" + std::to_string(lane) + ".journal")).string());
    reports.push_back((dir.path() / ("report-" + std::to_string(lane) + ".txt")).string());
  }
  std::vector<pid_t> pids;
  for (int lane = 0; lane < 2; ++lane)
    pids.push_back(start_child({child, journals[lane], emu.endpoint(), emu.ca_file(), reports[lane],
                                t0_seconds(t0), std::to_string(lane), "2"}));
  std::this_thread::sleep_for(std::chrono::seconds(8));  // more than an emulated hour: they collide
  for (auto pid : pids) {
    ::kill(pid, SIGKILL);
    wait_child(pid);
  }
  // Each drains in turn (a final run flushes until nothing is left).
  for (int lane = 0; lane < 2; ++lane) {
    const pid_t pid = start_child({child, journals[lane], emu.endpoint(), emu.ca_file(), reports[lane],
                                   t0_seconds(t0), std::to_string(lane), "2", "final"});
    const int status = wait_child(pid);
    BOOST_TEST_REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                       "final run " << lane << " status " << status);
  }
  const auto a = read_report(reports[0]);
  const auto b = read_report(reports[1]);
  BOOST_TEST_MESSAGE(a.calls << " + " << b.calls << " calls; " << emu.stats().records_duplicate
                             << " DuplicateRecord answers (collisions)");
  BOOST_TEST(a.calls > 100u);
  BOOST_TEST(b.calls > 100u);
  check_billing(emu, {a, b});
  emu.stop();
}
