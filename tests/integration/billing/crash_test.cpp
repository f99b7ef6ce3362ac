// Crash safety: billing_crash_child records usage with a journal and flushes; it is SIGKILLed
// at random moments (12 times) and restarted on the same journal. After a final run, the
// emulator's ledger must hold exactly the completed calls plus, for each kill, either all or
// nothing of the one call per customer that was in flight (its usage may or may not have
// reached the disk before the kill) -- nothing else, never twice.
#include "support/skip.hpp"
#include "billing_e2e.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

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

BOOST_AUTO_TEST_CASE(kill_9_at_random_moments_loses_and_duplicates_nothing) {
  const std::string child = BILLING_CRASH_CHILD;
  if (!std::filesystem::exists(child)) {
    awsmp::test::skip("crash child not built at " + child);
    return;
  }
  temp_dir dir;
  const auto t0 = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  auto eo = emulator_with_customers(8, dir.path / "ca.pem");
  eo.clock = [t0] { return t0 + (std::chrono::system_clock::now() - t0) * 30; };
  eo.faults.throttle_percent = 5;
  eo.faults.drop_after_commit_percent = 5;
  eo.faults.unprocessed_percent = 5;
  testing::marketplace_emulator emu(eo);
  emu.start();

  const std::string journal = (dir.path / "billing.journal").string();
  const std::string report = (dir.path / "report.txt").string();
  const std::string t0s = std::to_string(t0.time_since_epoch() / std::chrono::seconds(1));
  std::mt19937_64 rng(std::random_device{}());
  constexpr int kills = 12;
  for (int run = 0; run < kills; ++run) {
    const pid_t pid = start_child({child, journal, emu.endpoint(), emu.ca_file(), report, t0s, std::to_string(run + 1)});
    BOOST_REQUIRE(pid > 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 900));
    ::kill(pid, SIGKILL);
    const int status = wait_child(pid);
    BOOST_TEST_REQUIRE(WIFSIGNALED(status), "run " << run << " ended by itself, status " << status);
  }
  const pid_t pid = start_child({child, journal, emu.endpoint(), emu.ca_file(), report, t0s, "99", "final"});
  const int status = wait_child(pid);
  BOOST_TEST_REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "final run status " << status);

  // Per customer: completed calls, and the calls that started but never completed.
  std::map<int, std::int64_t> completed;
  std::map<int, std::vector<std::int64_t>> in_flight;
  std::map<int, std::int64_t> open;  // amount of the caller's started call, if any
  std::ifstream in(report);
  std::string line;
  std::size_t calls = 0;
  auto end_run = [&] {
    for (auto& [k, amount] : open)
      if (amount > 0) in_flight[k].push_back(amount);
    open.clear();
  };
  // The report is appended by successive runs; a run's end shows as a caller starting again
  // without completing, so close open calls whenever an 'S' finds one still open.
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    char kind = 0;
    int k = 0;
    std::int64_t amount = 0;
    ls >> kind >> k >> amount;
    if (kind == 'S') {
      if (open[k] > 0) in_flight[k].push_back(open[k]);
      open[k] = amount;
    } else if (kind == 'C') {
      BOOST_REQUIRE_EQUAL(open[k], amount);
      completed[k] += amount;
      open[k] = 0;
      ++calls;
    }
  }
  end_run();
  BOOST_TEST_MESSAGE(calls << " calls completed over " << kills << " killed runs");
  BOOST_TEST(calls > 1000u);

  for (int k = 0; k < 8; ++k) {
    const std::int64_t billed = emu.total("cust-" + std::to_string(k), "tokens_1m");
    const std::int64_t extra = billed - completed[k];
    // `extra` must be the sum of a subset of the in-flight calls (each either durable or not).
    std::set<std::int64_t> sums{0};
    for (auto amount : in_flight[k]) {
      auto next = sums;
      for (auto s : sums) next.insert(s + amount);
      sums = std::move(next);
    }
    BOOST_TEST(sums.count(extra) == 1u,
               "cust-" << k << ": billed " << billed << ", completed " << completed[k] << ", " << in_flight[k].size()
                       << " calls in flight at kills");
  }
  const auto s = emu.stats();
  BOOST_TEST(s.records_duplicate == 0u);
  BOOST_TEST(s.records_not_subscribed == 0u);
  emu.stop();
}
