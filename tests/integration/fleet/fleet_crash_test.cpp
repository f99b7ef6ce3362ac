// Fleet exactly-once across processes: three fleet_child processes (token_billing_tracker in
// fleet mode, own journals and instance ids, one fleet table on moto) bill the emulator (hour
// identity, throttling, 5xx, answers lost after commit). Every process and the emulator share
// an accelerated clock (1 real second = 1 simulated minute, starting about 5 hours in the past);
// the children run 0 and +-2 minutes off it. DynamoDB is reached through a fault proxy that
// throttles, drops connections before and after forwarding, and cuts the lease holder off for
// longer than the lease. The test SIGKILLs a random child at least 10 times, and the lease
// holder right after each hour boundary + grace, when it seals; every killed child restarts
// from its journal. At the end every child stops cleanly, one final run seals the last hour,
// and the emulator's ledger must hold, per customer, exactly the completed record_usage calls
// plus, for calls in flight at a kill, all or nothing of each one (it may or may not have reached
// the journal): nothing else, nothing twice, one record per customer and hour, no
// DuplicateRecord, no unsealed tokens left.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/fleet_ledger.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "dynamo_fault_proxy.hpp"
#include "fleet_process.hpp"
#include "support/moto_server.hpp"
#include "support/run_sync.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace awsmp;
using namespace std::chrono_literals;
namespace fp = fleet_process;

constexpr int lanes = fp::lanes;
constexpr std::int64_t speed = 60;  // one real second is one simulated minute
const std::chrono::seconds skews[lanes] = {0s, 120s, -120s};

std::int64_t hour_of(time_point t) {
  return std::chrono::floor<std::chrono::hours>(t).time_since_epoch().count();
}

std::string tail(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.size() > 3000 ? all.substr(all.size() - 3000) : all;
}

// Per customer: the completed calls' sum and the bits of calls that started but never returned.
struct report_summary {
  std::map<int, std::int64_t> completed;
  std::map<int, std::int64_t> in_flight_bits;
  std::size_t calls = 0, in_flight = 0;
};

void read_report(const std::filesystem::path& path, report_summary& r) {
  std::map<int, std::int64_t> open;  // the customer's started call, if any
  std::ifstream in(path);
  std::string line;
  // Runs append to the same file; a run's end shows as an 'S' that finds a call still open.
  const auto close_open = [&](int k) {
    if (open[k] > 0) {
      r.in_flight_bits[k] |= open[k];
      ++r.in_flight;
    }
    open[k] = 0;
  };
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    char kind = 0;
    int k = 0;
    std::int64_t amount = 0;
    if (!(ls >> kind >> k >> amount)) continue;  // never happens: one write(2) per line
    if (kind == 'S') {
      close_open(k);
      open[k] = amount;
    } else if (kind == 'C') {
      BOOST_REQUIRE_EQUAL(open[k], amount);
      BOOST_REQUIRE_EQUAL(r.completed[k] & amount, 0);  // a bit is used once
      r.completed[k] += amount;
      open[k] = 0;
      ++r.calls;
    }
  }
  for (int k = 0; k < fp::customers; ++k) close_open(k);
}

class fleet_processes {
 public:
  fleet_processes() : proxy_(moto_.port(), lanes, fp::proxy_faults{3, 1, 1, std::random_device{}()}) {
    const auto real_now = std::chrono::system_clock::now();
    // The simulated run starts at hh:48, about 5 hours ago: the first hour boundary comes after
    // 12 real seconds, and 4 simulated hours later the clock is still an hour behind real time.
    const auto t0 = std::chrono::floor<std::chrono::hours>(real_now - 5h) + 48min;
    sim_.t0_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count();
    sim_.r0_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now().time_since_epoch())
                     .count();
    sim_.speed = speed;

    testing::emulator_options eo;
    eo.ca_file = (dir_ / "ca.pem").string();
    eo.clock = sim_.function();
    eo.max_clock_skew = 30min;  // 2 minutes of skew plus real delays, sixty times
    for (int k = 0; k < fp::customers; ++k) {
      testing::emulated_customer c;
      const auto who = fp::customer(k);
      c.registration_token = "token-" + std::to_string(k);
      if (who.is_account()) {
        c.identity.customer_aws_account_id = who.customer_aws_account_id;
        c.identity.license_arn = who.license_arn;
      } else {
        c.identity.customer_identifier = who.customer_identifier;
        c.identity.product_code = fp::product;
        c.identity.customer_aws_account_id = "4000000000" + std::to_string(10 + k);
      }
      eo.customers.push_back(c);
    }
    eo.faults.throttle_percent = 3;
    eo.faults.server_error_percent = 3;
    eo.faults.drop_after_commit_percent = 3;
    eo.faults.seed = std::random_device{}();
    emu = std::make_unique<testing::marketplace_emulator>(eo);
    emu->start();

    signer_ = std::make_unique<sigv4_signer>(creds_, "us-east-1", "dynamodb", sim_.function());
    client_options o;
    o.endpoint = moto_.url();  // the test reads the table directly, without faults
    o.timeout = 5s;
    o.base_backoff = 5ms;
    o.max_backoff = 40ms;
    db_ = std::make_unique<dynamodb::dynamodb_client>(io_.get_executor(), *signer_, o);
    test::run_sync(io_, create_fleet_table(*db_, fp::table));
  }

  ~fleet_processes() {
    for (auto& pid : pids_)
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        pid = -1;
      }
    emu->stop();
  }

  /// Real seconds since the start of the simulated clock.
  double elapsed() const {
    const auto now = std::chrono::steady_clock::now().time_since_epoch();
    return std::chrono::duration<double>(now - std::chrono::nanoseconds(sim_.r0_ns)).count();
  }
  time_point sim_now() const { return sim_.now(); }
  /// Real seconds (since the start) at which simulated time reaches `t`.
  double real_at(time_point t) const {
    const auto sim = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    return static_cast<double>(sim - sim_.t0_ns) / 1e9 / static_cast<double>(speed);
  }
  void sleep_until(double real_seconds) const {
    const double d = real_seconds - elapsed();
    if (d > 0) std::this_thread::sleep_for(std::chrono::duration<double>(d));
  }

  void start(int lane, const char* mode = "run") {
    BOOST_REQUIRE(pids_[lane] <= 0);
    const std::string child = FLEET_CHILD;
    const std::vector<std::string> args = {child,
                                           std::to_string(lane),
                                           (dir_ / ("journal-" + std::to_string(lane))).string(),
                                           report(lane).string(),
                                           emu->endpoint(),
                                           emu->ca_file(),
                                           proxy_.url(lane),
                                           std::to_string(sim_.t0_ns),
                                           std::to_string(sim_.r0_ns),
                                           std::to_string(sim_.speed),
                                           std::to_string(skews[lane].count()),
                                           mode};
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const std::string log = log_path(lane).string();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that dies takes its children along
      if (::getppid() != parent) ::_exit(126);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    BOOST_REQUIRE(pid > 0);
    pids_[lane] = pid;
  }

  /// SIGKILLs child `lane`; it must not have ended by itself.
  void kill9(int lane) {
    BOOST_REQUIRE(pids_[lane] > 0);
    ::kill(pids_[lane], SIGKILL);
    int status = 0;
    ::waitpid(pids_[lane], &status, 0);
    pids_[lane] = -1;
    BOOST_REQUIRE_MESSAGE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                          "child " << lane << " ended by itself (status " << status << "):\n"
                                   << tail(log_path(lane)));
  }

  /// SIGTERM (tracker.stop()); the child must exit 0 within `limit`.
  void stop(int lane, std::chrono::seconds limit) {
    BOOST_REQUIRE(pids_[lane] > 0);
    ::kill(pids_[lane], SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    pid_t done = 0;
    while ((done = ::waitpid(pids_[lane], &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    if (done == 0) {
      ::kill(pids_[lane], SIGKILL);
      ::waitpid(pids_[lane], &status, 0);
    }
    pids_[lane] = -1;
    BOOST_REQUIRE_MESSAGE(done != 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
                          "child " << lane << " did not stop cleanly within " << limit.count()
                                   << " s (status " << status << "):\n"
                                   << tail(log_path(lane)));
  }

  /// Every child that should run still runs.
  void check_alive() {
    for (int lane = 0; lane < lanes; ++lane) {
      if (pids_[lane] <= 0) continue;
      int status = 0;
      if (::waitpid(pids_[lane], &status, WNOHANG) == pids_[lane]) {
        pids_[lane] = -1;
        BOOST_FAIL("child " << lane << " ended by itself (status " << status << "):\n"
                            << tail(log_path(lane)));
      }
    }
  }

  fleet_status status() {
    fleet_options f;
    f.table = fp::table;
    f.shards = 4;
    return test::run_sync(io_, read_fleet_status(*db_, f, fp::product, sim_.now()));
  }

  std::filesystem::path report(int lane) const { return dir_ / ("report-" + std::to_string(lane) + ".txt"); }
  std::filesystem::path log_path(int lane) const { return dir_ / ("child-" + std::to_string(lane) + ".log"); }
  fp::dynamo_fault_proxy& proxy() { return proxy_; }

  std::unique_ptr<testing::marketplace_emulator> emu;

 private:
  test::temp_dir dir_{"awsmp-fleetproc"};
  test::moto_server moto_;  // throws (the test fails) with an install hint when moto is missing
  fp::dynamo_fault_proxy proxy_;
  fp::sim_clock sim_;
  static_credentials_provider creds_{
      credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt}};
  asio::io_context io_;
  std::unique_ptr<sigv4_signer> signer_;
  std::unique_ptr<dynamodb::dynamodb_client> db_;
  pid_t pids_[lanes] = {-1, -1, -1};
};

struct event {
  double at;  // real seconds since the start
  enum kind_t { kill_random, kill_holder, cut_off, reconnect } kind;
  std::int64_t hour = 0;  // kill_holder: the hour that has just closed
};

BOOST_AUTO_TEST_CASE(three_processes_killed_at_random_bill_every_completed_call_exactly_once) {
  const std::string child = FLEET_CHILD;
  BOOST_TEST_REQUIRE(std::filesystem::exists(child), "fleet child not built at " << child);
  fleet_processes w;
  const auto seed = std::random_device{}();
  BOOST_TEST_MESSAGE("fleet crash test seed " << seed);
  std::mt19937_64 rng(seed);
  for (int lane = 0; lane < lanes; ++lane) w.start(lane);

  // The plan: traffic until simulated hh:54 of the fourth hour, so that the last hour closes
  // soon after; the lease holder dies right after each of the three hour boundaries + the
  // 5-minute grace; 11 random kills in between; one cut-off of the holder for 20 simulated
  // minutes (four leases).
  const auto first_boundary = std::chrono::ceil<std::chrono::hours>(w.sim_now());
  const double traffic_end = w.real_at(first_boundary + 2h + 54min);
  std::vector<event> plan;
  for (int b = 0; b < 3; ++b) {
    const auto boundary = first_boundary + std::chrono::hours(b);
    plan.push_back({w.real_at(boundary + 3min), event::kill_holder, hour_of(boundary) - 1});
  }
  plan.push_back({w.real_at(first_boundary + 30min), event::cut_off});
  plan.push_back({w.real_at(first_boundary + 50min), event::reconnect});
  for (int i = 0; i < 11; ++i)
    plan.push_back({6 + static_cast<double>(rng() % 1000) / 1000.0 * (traffic_end - 14), event::kill_random});
  std::sort(plan.begin(), plan.end(), [](const event& a, const event& b) { return a.at < b.at; });

  int random_kills = 0, holder_kills = 0, holder_kills_sealing = 0, cut_lane = -1;
  for (const auto& e : plan) {
    // Sleep in short steps, watching that no child dies by itself.
    while (w.elapsed() < e.at) {
      w.check_alive();
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int>(200, static_cast<int>((e.at - w.elapsed()) * 1000) + 1)));
    }
    switch (e.kind) {
      case event::kill_random: {
        const int lane = static_cast<int>(rng() % lanes);
        w.kill9(lane);
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 1400));
        w.start(lane);
        ++random_kills;
        break;
      }
      case event::kill_holder: {
        // The holder's sends meet each fault at least once (besides the random ones).
        w.emu->inject(testing::fault_kind::throttle);
        w.emu->inject(testing::fault_kind::server_error);
        w.emu->inject(testing::fault_kind::drop_after_commit);
        // Watch the table until the holder has sealed a key of the closed hour (it is then in the
        // middle of its seal: sealing the other keys, sending, marking answers), at most 12 s.
        const double give_up = w.elapsed() + 12;
        std::string holder;
        bool sealing = false;
        while (w.elapsed() < give_up) {
          const auto st = w.status();
          if (!st.lease_holder.empty() && st.lease_holder != "i-" + std::to_string(cut_lane)) {
            holder = st.lease_holder;
            if (st.newest_sealed_hour >= e.hour) {
              sealing = true;
              break;
            }
          }
          std::this_thread::sleep_for(20ms);
        }
        if (holder.empty()) {
          BOOST_TEST_MESSAGE("no lease holder seen after the boundary of hour " << e.hour);
          break;
        }
        const int lane = holder.back() - '0';
        w.kill9(lane);
        ++holder_kills;
        holder_kills_sealing += sealing ? 1 : 0;
        BOOST_TEST_MESSAGE("killed the lease holder "
                           << holder << (sealing ? " while sealing" : " (seal not seen)") << " at "
                           << w.elapsed() << " s");
        std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 1000));
        w.start(lane);
        break;
      }
      case event::cut_off: {
        const auto st = w.status();
        cut_lane = st.lease_holder.empty() ? 1 : st.lease_holder.back() - '0';
        w.proxy().cut(cut_lane, true);
        BOOST_TEST_MESSAGE("cut i-" << cut_lane << " off from DynamoDB at " << w.elapsed() << " s");
        break;
      }
      case event::reconnect: {
        // Four leases later another instance seals: the cut-off one could not renew.
        const auto st = w.status();
        BOOST_TEST(!st.lease_holder.empty());
        BOOST_TEST(st.lease_holder != "i-" + std::to_string(cut_lane));
        w.proxy().cut(cut_lane, false);
        cut_lane = -1;
        break;
      }
    }
  }
  w.sleep_until(traffic_end);
  w.check_alive();

  // Every child stops cleanly (pushes its last shares and gives the lease up) ...
  for (int lane = 0; lane < lanes; ++lane) w.stop(lane, 20s);
  // ... and one final run seals the last hour once it has closed (+ grace + skew).
  const std::int64_t last_hour = hour_of(w.sim_now());
  const double sealable = w.real_at(time_point(std::chrono::hours(last_hour + 1)) + 5min + 30s);
  w.start(0, "final");
  fleet_status st;
  for (;;) {
    w.check_alive();
    st = w.status();
    if (w.elapsed() > sealable && st.unsealed_tokens == 0 && st.pending.empty()) break;
    BOOST_REQUIRE_MESSAGE(w.elapsed() < sealable + 40, "the final run did not seal everything: "
                                                           << st.unsealed_tokens << " tokens unsealed, "
                                                           << st.pending.size() << " records pending");
    std::this_thread::sleep_for(500ms);
  }
  w.stop(0, 20s);

  // The oracle: every completed call billed once, plus all-or-nothing of each call cut by a kill.
  report_summary r;
  for (int lane = 0; lane < lanes; ++lane) read_report(w.report(lane), r);
  std::int64_t billed_all = 0, completed_all = 0;
  for (int k = 0; k < fp::customers; ++k) {
    const auto who = fp::customer(k);
    const std::int64_t billed = w.emu->total(who, fp::dimension);
    const std::int64_t completed = r.completed[k];
    const std::int64_t extra = billed - completed;
    BOOST_TEST((extra >= 0 && (extra & ~r.in_flight_bits[k]) == 0),
               to_string(who) << ": billed " << billed << ", completed " << completed << ", in flight bits "
                              << r.in_flight_bits[k]);
    billed_all += billed;
    completed_all += completed;
  }
  // Exactly one record per (customer, dimension, hour), and AWS never answered DuplicateRecord.
  std::map<std::string, int> per_hour;
  for (const auto& a : w.emu->accepted_records())
    ++per_hour[a.record.customer_identifier + "|" + a.record.customer_aws_account_id + "|" +
               a.record.license_arn + "|" + a.record.dimension + "|" +
               std::to_string(hour_of(a.record.timestamp))];
  for (const auto& [key, n] : per_hour) BOOST_TEST(n == 1, key);
  const auto es = w.emu->stats();
  BOOST_TEST(es.records_duplicate == 0u);
  BOOST_TEST(es.records_not_subscribed == 0u);
  // Nothing left behind: no carry, nothing pending, no dead letter.
  BOOST_TEST(st.unsealed_tokens == 0);
  BOOST_TEST(st.pending.empty());
  BOOST_TEST(st.dead_letters.empty());
  BOOST_TEST(st.instances.size() == static_cast<std::size_t>(lanes));

  // The run did what it claims: enough calls, kills, seals, and faults on both services.
  BOOST_TEST_MESSAGE(
      r.calls << " calls completed, " << r.in_flight << " cut by kills; billed " << billed_all
              << " tokens for " << completed_all << " completed in " << w.emu->accepted_records().size()
              << " records over " << per_hour.size() << " customer-hours; kills: " << random_kills
              << " random, " << holder_kills << " lease holders (" << holder_kills_sealing
              << " seen sealing); emulator: " << es.requests << " requests, faults " << es.faults_injected()
              << ", idempotent resends " << es.records_idempotent
              << "; DynamoDB proxy: " << w.proxy().requests << " requests, " << w.proxy().throttled
              << " throttled, " << w.proxy().dropped << " dropped, " << w.proxy().dropped_after
              << " dropped after forwarding, " << w.proxy().refused << " refused while cut off");
  // What the cleanly stopped runs did (each prints its stats on stop): the journals were
  // compacted (so kills also met compactions) and the cut-off instance saw DynamoDB fail.
  std::map<std::string, std::uint64_t> child_stats;
  for (int lane = 0; lane < lanes; ++lane) {
    std::ifstream in(w.log_path(lane));
    std::string line;
    while (std::getline(in, line)) {
      const auto at = line.find(" stats: ");
      if (at == std::string::npos) continue;
      std::istringstream ls(line.substr(at + 8));
      std::string name;
      std::uint64_t n = 0;
      while (ls >> name >> n) child_stats[name] += n;
    }
  }
  BOOST_TEST_MESSAGE("children at their clean stops: compactions "
                     << child_stats["compactions"] << ", leases " << child_stats["leases"] << ", sealed "
                     << child_stats["sealed"] << ", conflicts " << child_stats["conflicts"]);
  BOOST_TEST(child_stats["compactions"] > 0u);
  BOOST_TEST(r.calls > 300u);
  BOOST_TEST(random_kills >= 10);
  BOOST_TEST(holder_kills >= 3);
  BOOST_TEST(holder_kills_sealing >= 1);
  BOOST_TEST(per_hour.size() > 40u);  // several hours of several customers were sealed
  BOOST_TEST(es.faults_injected() >= 9u);
  BOOST_TEST(es.dropped_after_commit >= 3u);
  BOOST_TEST(w.proxy().throttled > 0u);
  BOOST_TEST(w.proxy().dropped_after > 0u);
  BOOST_TEST(w.proxy().refused > 0u);
}

}  // namespace
