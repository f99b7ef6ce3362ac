// awsmp-demo --fleet N: fleet metering on one machine. It starts moto's DynamoDB (a Python
// process on loopback) and the emulator in this process, then N metering processes (this
// program re-executed with --fleet-worker), each a token_billing_tracker in fleet mode with its
// own journal and instance id, all on one fleet table and on an accelerated clock shared by every
// process (one real second is two simulated minutes). Mid-run it SIGKILLs one instance and then
// the lease holder right when it seals an hour, and restarts both from their journals. At the
// end every instance stops, one final run seals the last hour, and a reconciliation table
// compares, per customer and fleet-wide, what the application recorded, what AWS (the
// emulator) billed, and what the fleet table still carries. Exit code 1 when they disagree.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <awsmp/awsmp.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/fleet_ledger.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace awsmp_demo {

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* product = "prod-awsmpfleet01";
constexpr const char* table = "awsmp-fleet-demo";
constexpr const char* dimension = "tokens";
constexpr std::int64_t speed = 120;  // one real second is two simulated minutes
constexpr std::uint32_t shards = 4;

struct fleet_demo_options {
  int instances = 3;
  int customers = 60;  // two thirds legacy ids, one third account + license
  std::int64_t tokens_per_unit = 1000;
  fs::path dir = fs::temp_directory_path() / "awsmp-demo-fleet";
};

std::string legacy_id(int k) {
  char b[32];
  std::snprintf(b, sizeof b, "customer-%04d", k);
  return b;
}

awsmp::billed_customer customer(int k, int customers) {
  if (k < customers * 2 / 3) return awsmp::billed_customer::legacy(legacy_id(k));
  char account[32], arn[160];
  std::snprintf(account, sizeof account, "5000000%05d", k);
  std::snprintf(arn, sizeof arn, "arn:aws:license-manager::%s:license:l-0123456789abcdef0123456789a%05d",
                account, k);
  return awsmp::billed_customer::account(account, arn);
}

std::string label(const awsmp::billed_customer& who) {
  return who.is_account() ? who.customer_aws_account_id + " (license)" : who.customer_identifier;
}

std::string with_commas(std::int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > (v < 0 ? 1 : 0); i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

// The clock every process shares: sim = T0 + (steady now - R0) * speed. steady_clock is
// CLOCK_MONOTONIC, one clock for all processes of the machine.
struct sim_clock {
  std::int64_t t0_ns = 0, r0_ns = 0;
  awsmp::time_point now() const {
    const auto real = std::chrono::steady_clock::now().time_since_epoch() - std::chrono::nanoseconds(r0_ns);
    return awsmp::time_point(std::chrono::duration_cast<awsmp::time_point::duration>(
        std::chrono::nanoseconds(t0_ns) +
        std::chrono::duration_cast<std::chrono::nanoseconds>(real) * speed));
  }
  double real_seconds() const {
    const auto real = std::chrono::steady_clock::now().time_since_epoch() - std::chrono::nanoseconds(r0_ns);
    return std::chrono::duration<double>(real).count();
  }
  double real_at(awsmp::time_point t) const {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
    return static_cast<double>(ns - t0_ns) / 1e9 / static_cast<double>(speed);
  }
};

std::int64_t hour_of(awsmp::time_point t) {
  return std::chrono::floor<std::chrono::hours>(t).time_since_epoch().count();
}

std::string hhmm(awsmp::time_point t) {
  const auto m = std::chrono::floor<std::chrono::minutes>(t).time_since_epoch().count();
  char b[16];
  std::snprintf(b, sizeof b, "%02lld:%02lld", static_cast<long long>((m / 60) % 24),
                static_cast<long long>(m % 60));
  return b;
}

// Runs one awaitable on `io` (from blocking code) and returns its result.
template <class T>
T block_on(asio::io_context& io, asio::awaitable<T> a) {
  auto done = asio::co_spawn(io, std::move(a), asio::use_future);
  io.restart();
  while (done.wait_for(0s) != std::future_status::ready)
    if (io.run_one() == 0) break;
  return done.get();
}

awsmp::static_credentials_provider& credentials() {
  static awsmp::static_credentials_provider creds(
      {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}});
  return creds;
}

// ---- the worker: one fleet instance -------------------------------------------------------

struct worker_args {
  int index = 0;
  fs::path dir;
  std::string emulator, ca_file, dynamodb;
  sim_clock clock;
  int customers = 0;
  std::int64_t tokens_per_unit = 1;
  bool final_run = false;
};

// The application's own count of what it recorded, per customer: one line "k tokens" per
// record_usage call that returned, appended with one write(2) (a line survives SIGKILL).
class usage_report {
 public:
  explicit usage_report(const fs::path& path) {
    std::ifstream in(path);
    int k = 0;
    std::int64_t n = 0;
    while (in >> k >> n) totals_[k] += n;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path.string());
  }
  ~usage_report() { ::close(fd_); }
  void add(int k, std::int64_t tokens) {
    char line[48];
    const int n = std::snprintf(line, sizeof line, "%d %lld\n", k, static_cast<long long>(tokens));
    if (::write(fd_, line, static_cast<std::size_t>(n)) != n) std::_Exit(3);
    totals_[k] += tokens;
  }
  // A call whose usage reached the journal but that was cut before it returned (a kill, or
  // stop() racing it) is the application's usage too: it is found by comparing the tracker's
  // durable totals with this report, and added. Returns the tokens found.
  std::int64_t recover(const std::vector<awsmp::token_usage_record>& durable,
                       const std::map<std::string, int>& index) {
    std::int64_t found = 0;
    for (const auto& r : durable) {
      const auto it = index.find(awsmp::to_string(r.customer));
      if (it == index.end()) continue;
      const std::int64_t diff = r.input_tokens + r.output_tokens - totals_[it->second];
      if (diff > 0) {
        add(it->second, diff);
        found += diff;
      } else if (diff < 0) {
        std::fprintf(stderr,
                     "worker: %s: the journal holds %lld tokens fewer than the application recorded\n",
                     awsmp::to_string(r.customer).c_str(), static_cast<long long>(-diff));
      }
    }
    return found;
  }

 private:
  int fd_ = -1;
  std::map<int, std::int64_t> totals_;
};

asio::awaitable<void> traffic(awsmp::token_billing_tracker& t, usage_report& report, int customers,
                              std::uint64_t seed, const bool& stopping, int& active) {
  ++active;
  struct leave {
    int& n;
    ~leave() { --n; }
  } guard{active};
  std::mt19937_64 rng(seed);
  asio::steady_timer pause(co_await asio::this_coro::executor);
  while (!stopping) {
    const int k = static_cast<int>(rng() % static_cast<std::uint64_t>(customers));
    const std::int64_t in = 200 + static_cast<std::int64_t>(rng() % 4000);
    const std::int64_t out = 50 + static_cast<std::int64_t>(rng() % 1500);
    try {
      co_await t.record_usage(customer(k, customers), in, out);
    } catch (const std::exception&) {
      co_return;  // stopped: this call did not count
    }
    report.add(k, in + out);  // only a call that returned is the application's usage
    pause.expires_after(std::chrono::milliseconds(40 + rng() % 80));
    co_await pause.async_wait(asio::use_awaitable);
  }
}

int run_worker(const worker_args& a) {
  asio::io_context io;
  const awsmp::clock_function now = [c = a.clock] { return c.now(); };
  awsmp::sigv4_signer metering_signer(credentials(), "us-east-1", "aws-marketplace", now);
  awsmp::client_options mo;
  mo.endpoint = a.emulator;
  mo.ca_file = a.ca_file;
  mo.timeout = 3s;
  mo.base_backoff = 10ms;
  mo.max_backoff = 100ms;
  awsmp::metering_client metering(io.get_executor(), metering_signer, mo);
  awsmp::sigv4_signer dynamo_signer(credentials(), "us-east-1", "dynamodb", now);
  awsmp::client_options dopt;
  dopt.endpoint = a.dynamodb;
  dopt.timeout = 3s;
  dopt.max_attempts = 4;
  dopt.base_backoff = 10ms;
  dopt.max_backoff = 100ms;
  awsmp::dynamodb::dynamodb_client dynamo(io.get_executor(), dynamo_signer, dopt);

  awsmp::token_billing_options o;
  o.tokens_per_unit = a.tokens_per_unit;
  o.dimension = dimension;
  o.journal = a.dir / ("journal-" + std::to_string(a.index));
  o.clock = now;
  awsmp::fleet_options f;
  f.client = &dynamo;
  f.table = table;
  f.instance_id = "demo-" + std::to_string(a.index);
  // Simulated: 7.5 real seconds. A holder renews once per flush, after its push; on a loaded
  // machine a push to moto takes seconds, and a shorter lease changes hands between flushes.
  f.lease_duration = 15min;
  f.seal_grace = 5min;
  f.shards = shards;
  o.fleet = f;
  awsmp::token_billing_tracker tracker(io.get_executor(), product, metering, o);

  std::map<std::string, int> index;
  for (int k = 0; k < a.customers; ++k) index[awsmp::to_string(customer(k, a.customers))] = k;
  usage_report report(a.dir / ("report-" + std::to_string(a.index) + ".txt"));
  int exit_code = 1;
  bool stopping = false;
  int active = 0;  // traffic coroutines still running
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        // After a SIGKILL: calls that reached the journal but never returned.
        if (const auto found = report.recover(co_await tracker.snapshot(), index); found > 0)
          std::printf("demo-%d: %lld tokens of calls cut by the kill found in the journal\n", a.index,
                      static_cast<long long>(found));
        if (!a.final_run)
          for (int c = 0; c < 8; ++c)
            asio::co_spawn(io,
                           traffic(tracker, report, a.customers, std::random_device{}(), stopping, active),
                           asio::detached);
        // Four simulated minutes (under the 5-minute grace): each push writes every key the
        // instance touched, and moto (one Python process) saturates at a few hundred writes/s.
        co_await tracker.run(2s);
      },
      asio::detached);
  asio::signal_set term(io, SIGTERM);
  term.async_wait([&](const boost::system::error_code& ec, int) {
    if (ec) return;
    stopping = true;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await tracker.stop();
          // Every caller has reported its last call before the journal is compared with the report.
          asio::steady_timer wait(io);
          while (active > 0) {
            wait.expires_after(10ms);
            co_await wait.async_wait(asio::use_awaitable);
          }
          report.recover(co_await tracker.snapshot(), index);
        },
        [&](std::exception_ptr e) {
          exit_code = e ? 4 : 0;
          io.stop();
        });
  });
  asio::steady_timer limit(io, 5min);  // never outlive a lost coordinator
  limit.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) io.stop();
  });
  io.run();
  return exit_code;
}

// ---- the coordinator --------------------------------------------------------------------

// moto's server on a free loopback port, one request at a time, as tests/support/moto_server.py
// starts it (that file says why: moto's backends are not thread-safe). The demo is a program of
// its own, so it carries the few lines instead of depending on the source tree.
class moto_process {
 public:
  moto_process() {
    const char* env = std::getenv("AWSMP_PYTHON");
    std::string python = env != nullptr && *env != '\0' ? env : "python3";
    std::string script =
        "import io, logging, sys, threading\n"
        "try:\n"
        "    from werkzeug.serving import make_server\n"
        "    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app\n"
        "except Exception as e:\n"
        "    print('MISSING', type(e).__name__, e, flush=True)\n"
        "    sys.exit(0)\n"
        "app = DomainDispatcherApplication(create_backend_app)\n"
        "lock = threading.Lock()\n"
        "def serial(environ, start_response):\n"
        "    n = environ.get('CONTENT_LENGTH')\n"
        "    body = environ['wsgi.input'].read(int(n)) if n else b''\n"
        "    environ['wsgi.input'] = io.BytesIO(body)\n"
        "    if environ.get('HTTP_X_AMZ_TARGET') == 'AmazonSQS.ReceiveMessage':\n"
        "        return app(environ, start_response)  # a long poll waits inside moto\n"
        "    with lock:\n"
        "        result = app(environ, start_response)\n"
        "        payload = b''.join(result)\n"
        "    return [payload]\n"
        "logging.getLogger('werkzeug').setLevel(logging.CRITICAL)\n"
        "s = make_server('127.0.0.1', 0, serial, threaded=True)\n"
        "threading.Thread(target=s.serve_forever, daemon=True).start()\n"
        "print('READY', s.server_address[1], flush=True)\n"
        "try:\n"
        "    sys.stdin.read()\n"
        "finally:\n"
        "    s.shutdown()\n";
    std::string dash_c = "-c";
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);  // moto's tracebacks
    posix_spawn_file_actions_addclose(&actions, in[1]);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    char* argv[] = {python.data(), dash_c.data(), script.data(), nullptr};
    const int rc = ::posix_spawnp(&pid_, python.c_str(), &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      return;
    }
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      char c = 0;
      if (::read(stdout_, &c, 1) != 1 || c == '\n') break;
      line += c;
    }
    if (line.rfind("READY ", 0) == 0) port_ = std::stoi(line.substr(6));
    problem_ = line;
  }
  ~moto_process() {
    ::close(stdin_);  // moto's cue to stop
    if (pid_ > 0) {
      for (int i = 0; i < 60 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) ::usleep(50'000);
      if (::waitpid(pid_, nullptr, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
    ::close(stdout_);
  }
  int port() const { return port_; }
  const std::string& problem() const { return problem_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1, port_ = 0;
  std::string problem_;
};

class fleet {
 public:
  fleet(const fleet_demo_options& o, std::vector<std::string> worker_argv)
      : o_(o), argv_(std::move(worker_argv)) {
    pids_.assign(static_cast<std::size_t>(o.instances), -1);
  }
  ~fleet() {
    for (auto& pid : pids_)
      if (pid > 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
  }
  void start(int i, bool final_run = false) {
    std::vector<std::string> args = argv_;
    args[2] = std::to_string(i);
    if (final_run) args.push_back("final");
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    const std::string log = (o_.dir / ("worker-" + std::to_string(i) + ".log")).string();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv("/proc/self/exe", argv.data());
      ::_exit(127);
    }
    pids_[static_cast<std::size_t>(i)] = pid;
  }
  void kill9(int i) {
    auto& pid = pids_[static_cast<std::size_t>(i)];
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
  // SIGTERM to each of `which` (their tracker.stop() run in parallel). True when all exited 0
  // within 30 s.
  bool stop(const std::vector<int>& which) {
    for (int i : which) ::kill(pids_[static_cast<std::size_t>(i)], SIGTERM);
    bool clean = true;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (int i : which) {
      auto& pid = pids_[static_cast<std::size_t>(i)];
      int status = 0;
      pid_t done = 0;
      while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
      if (done == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
      }
      pid = -1;
      clean = clean && done != 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
    }
    return clean;
  }
  // True when every started worker still runs.
  bool alive() {
    for (std::size_t i = 0; i < pids_.size(); ++i)
      if (pids_[i] > 0 && ::waitpid(pids_[i], nullptr, WNOHANG) == pids_[i]) {
        std::fprintf(stderr, "worker %zu ended by itself; see %s\n", i,
                     (o_.dir / ("worker-" + std::to_string(i) + ".log")).c_str());
        pids_[i] = -1;
        return false;
      }
    return true;
  }

 private:
  const fleet_demo_options& o_;
  std::vector<std::string> argv_;
  std::vector<pid_t> pids_;
};

int run_coordinator(const fleet_demo_options& o, const char* self) {
  std::error_code ec;
  fs::remove_all(o.dir, ec);
  fs::create_directories(o.dir);
  moto_process moto;
  if (moto.port() == 0) {
    std::cerr
        << "awsmp-demo --fleet needs moto's DynamoDB server (Python package moto[server] >= 5.2), which "
           "could not be started ("
        << (moto.problem().empty() ? "no answer" : moto.problem())
        << ").\nInstall it with scripts/setup.sh, or: python3 -m pip install 'moto[server]>=5.2,<6'\n";
    return 2;
  }
  const std::string moto_url = "http://127.0.0.1:" + std::to_string(moto.port());

  // Simulated time starts at hh:45 about five hours ago: the first hour boundary comes after
  // 7.5 real seconds, and every stamp stays inside AWS's 6-hour window.
  sim_clock sim;
  sim.t0_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  (std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now() - 5h) + 45min)
                      .time_since_epoch())
                  .count();
  sim.r0_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                  std::chrono::steady_clock::now().time_since_epoch())
                  .count();
  const awsmp::clock_function now = [sim] { return sim.now(); };

  awsmp::testing::emulator_options eo;
  eo.ca_file = (o.dir / "emulator-ca.pem").string();
  eo.clock = now;
  eo.max_clock_skew = 24h;  // accelerated time: 100 ms of queueing is 12 s of "clock"
  eo.products = {{product, {dimension}}};
  for (int k = 0; k < o.customers; ++k) {
    const auto who = customer(k, o.customers);
    awsmp::testing::emulated_customer c;
    c.registration_token = "token-" + std::to_string(k);
    c.identity.customer_identifier = who.customer_identifier;
    c.identity.customer_aws_account_id =
        who.is_account() ? who.customer_aws_account_id : "6000000" + std::to_string(10000 + k);
    c.identity.license_arn = who.license_arn;
    if (!who.is_account()) c.identity.product_code = product;
    eo.customers.push_back(c);
  }
  eo.faults.throttle_percent = 5;
  eo.faults.server_error_percent = 2;
  eo.faults.drop_after_commit_percent = 2;
  eo.faults.seed = 2026;
  awsmp::testing::marketplace_emulator emulator(eo);
  emulator.start();
  std::cout << "moto DynamoDB: " << moto_url << "   emulator: " << emulator.endpoint()
            << " (faults: throttle 5%, 5xx 2%, answers lost after commit 2%)\n"
            << o.instances << " metering processes, " << o.customers << " customers (" << o.customers * 2 / 3
            << " legacy ids, " << o.customers - o.customers * 2 / 3 << " account + license), tokens per unit "
            << with_commas(o.tokens_per_unit) << ", 1 real second = 2 simulated minutes\n";

  asio::io_context io;
  awsmp::sigv4_signer signer(credentials(), "us-east-1", "dynamodb", now);
  awsmp::client_options dopt;
  dopt.endpoint = moto_url;
  dopt.base_backoff = 10ms;
  awsmp::dynamodb::dynamodb_client db(io.get_executor(), signer, dopt);
  block_on(io, awsmp::create_fleet_table(db, table));
  awsmp::fleet_options fo;
  fo.table = table;
  fo.shards = shards;
  const auto status = [&] { return block_on(io, awsmp::read_fleet_status(db, fo, product, sim.now())); };

  fleet workers(o, {self, "--fleet-worker", "0", o.dir.string(), emulator.endpoint(), emulator.ca_file(),
                    moto_url, std::to_string(sim.t0_ns), std::to_string(sim.r0_ns),
                    std::to_string(o.customers), std::to_string(o.tokens_per_unit)});
  for (int i = 0; i < o.instances; ++i) workers.start(i);

  const auto first_boundary = std::chrono::ceil<std::chrono::hours>(sim.now());
  const double traffic_end = sim.real_at(first_boundary + 1h + 40min);
  const double kill_instance_at = sim.real_at(first_boundary + 20min);
  const auto holder_boundary = first_boundary + 1h;
  bool instance_killed = false, holder_killed = false;
  std::string killed_instance, killed_holder;
  double next_line = 0;
  const auto progress = [&](const char* event) {
    const auto st = status();
    std::int64_t tokens = 0;
    for (const auto& in : st.instances) tokens += in.tokens;
    std::printf("[sim %s] %-40s lease %-7s  newest sealed hour %-5s  tokens in shares %12s  unsealed %10s\n",
                hhmm(sim.now()).c_str(), event, st.lease_holder.empty() ? "-" : st.lease_holder.c_str(),
                st.newest_sealed_hour < 0
                    ? "-"
                    : hhmm(awsmp::time_point(std::chrono::hours(st.newest_sealed_hour))).c_str(),
                with_commas(tokens).c_str(), with_commas(st.unsealed_tokens).c_str());
    std::fflush(stdout);
    return st;
  };
  while (sim.real_seconds() < traffic_end) {
    if (!workers.alive()) return 1;
    const double t = sim.real_seconds();
    if (!instance_killed && t >= kill_instance_at) {
      // Kill an instance that does not hold the lease.
      const auto st = status();
      int victim = 0;
      while (victim < o.instances - 1 && "demo-" + std::to_string(victim) == st.lease_holder) ++victim;
      workers.kill9(victim);
      killed_instance = "demo-" + std::to_string(victim);
      progress(("SIGKILL " + killed_instance).c_str());
      std::this_thread::sleep_for(2s);
      workers.start(victim);
      progress(("restarted " + killed_instance).c_str());
      instance_killed = true;
    } else if (!holder_killed && sim.now() >= holder_boundary + 5min) {
      // Kill the lease holder as soon as it has sealed a key of the hour that just closed.
      std::string holder;
      for (int n = 0; n < 200; ++n) {
        const auto st = status();
        holder = st.lease_holder;
        if (!holder.empty() && st.newest_sealed_hour >= hour_of(holder_boundary) - 1) break;
        std::this_thread::sleep_for(20ms);
      }
      if (!holder.empty()) {
        // Its successor's sends meet each of the emulator's faults too.
        emulator.inject(awsmp::testing::fault_kind::throttle);
        emulator.inject(awsmp::testing::fault_kind::server_error);
        emulator.inject(awsmp::testing::fault_kind::drop_after_commit);
        const int victim = holder.back() - '0';
        workers.kill9(victim);
        killed_holder = holder;
        progress(("SIGKILL lease holder " + holder + " (sealing)").c_str());
        std::this_thread::sleep_for(2s);
        workers.start(victim);
        progress(("restarted " + holder).c_str());
      }
      holder_killed = true;
    } else if (t >= next_line) {
      progress("");
      next_line = t + 5;
    }
    std::this_thread::sleep_for(100ms);
  }
  progress("traffic ends; stopping every instance");
  std::vector<int> all(static_cast<std::size_t>(o.instances));
  for (int i = 0; i < o.instances; ++i) all[static_cast<std::size_t>(i)] = i;
  const double stop_began = sim.real_seconds();
  bool clean = workers.stop(all);
  std::printf("every instance stopped (pushed its last shares, gave the lease up) in %.1f s\n",
              sim.real_seconds() - stop_began);
  // The last hour closes; one instance comes back to seal it (after the grace).
  const auto last_hour = std::chrono::floor<std::chrono::hours>(sim.now());
  const double sealable = sim.real_at(last_hour + 1h + 6min);
  workers.start(0, true);
  progress("final run of demo-0 seals the last hour");
  awsmp::fleet_status st;
  for (;;) {
    if (!workers.alive()) return 1;
    st = status();
    // Two flushes (4 real seconds) after the last hour became sealable, everything that can be
    // is sealed: a key's shares below one unit stay carried.
    if (sim.real_seconds() > sealable + 4 && st.pending.empty()) break;
    if (sim.real_seconds() > sealable + 30) break;  // the table below then says what is missing
    std::this_thread::sleep_for(250ms);
  }
  clean = workers.stop({0}) && clean;
  st = progress("final run stopped");

  // ---- reconciliation: the application's count, AWS's ledger and the fleet table must agree.
  std::map<int, std::int64_t> recorded;
  std::int64_t calls = 0;
  for (int i = 0; i < o.instances; ++i) {
    std::ifstream in(o.dir / ("report-" + std::to_string(i) + ".txt"));
    int k = 0;
    std::int64_t n = 0;
    while (in >> k >> n) {
      recorded[k] += n;
      ++calls;
    }
  }
  std::int64_t recorded_sum = 0, billed_units = 0, carried_sum = 0, mismatches = 0;
  std::cout << "\nreconciliation, fleet-wide (tokens per unit " << with_commas(o.tokens_per_unit) << ")\n";
  std::printf("%-26s %16s %12s %14s %16s  %s\n", "customer", "tokens recorded", "units (AWS)",
              "carried tokens", "units*T + carry", "check");
  for (int k = 0; k < o.customers; ++k) {
    const auto who = customer(k, o.customers);
    const std::int64_t rec = recorded[k];
    const std::int64_t units = emulator.total(who, dimension);
    // What is not billed is carried in the fleet table: less than a unit per customer.
    const std::int64_t carry = rec - units * o.tokens_per_unit;
    const bool ok = carry >= 0 && carry < o.tokens_per_unit;
    recorded_sum += rec;
    billed_units += units;
    carried_sum += carry;
    if (!ok) ++mismatches;
    if (k < 4 || (k >= o.customers * 2 / 3 && k < o.customers * 2 / 3 + 3) || !ok)
      std::printf("%-26s %16s %12s %14s %16s  %s\n", label(who).c_str(), with_commas(rec).c_str(),
                  with_commas(units).c_str(), with_commas(carry).c_str(),
                  with_commas(units * o.tokens_per_unit + carry).c_str(), ok ? "ok" : "MISMATCH");
  }
  std::printf("%-26s %16s %12s %14s %16s\n", "... all", with_commas(recorded_sum).c_str(),
              with_commas(billed_units).c_str(), with_commas(carried_sum).c_str(),
              with_commas(billed_units * o.tokens_per_unit + carried_sum).c_str());

  std::int64_t share_tokens = 0;
  for (const auto& in : st.instances) share_tokens += in.tokens;
  std::map<std::string, int> per_hour;
  std::int64_t extra_records = 0, ledger_units = 0;
  for (const auto& a : emulator.accepted_records()) {
    ledger_units += a.record.quantity;
    if (++per_hour[a.record.customer_identifier + "|" + a.record.license_arn + "|" +
                   std::to_string(hour_of(a.record.timestamp))] > 1)
      ++extra_records;
  }
  const auto es = emulator.stats();
  struct check {
    std::string what;
    std::int64_t left, right;
  };
  const std::vector<check> checks = {
      {"tokens recorded by the apps == tokens in the fleet's shares", recorded_sum, share_tokens},
      {"billed units * T + carried == tokens recorded", billed_units * o.tokens_per_unit + carried_sum,
       recorded_sum},
      {"carried tokens == tokens the fleet table has not sealed", carried_sum, st.unsealed_tokens},
      {"units in the emulator's ledger == billed units", ledger_units, billed_units},
      {"second records for a customer and hour", extra_records, 0},
      {"DuplicateRecord answers", static_cast<std::int64_t>(es.records_duplicate), 0},
      {"records pending after the final run", static_cast<std::int64_t>(st.pending.size()), 0},
      {"dead letters", static_cast<std::int64_t>(st.dead_letters.size()), 0},
      {"customers whose row does not reconcile", mismatches, 0},
      {"instances that did not stop cleanly", clean ? 0 : 1, 0},
  };
  std::cout << "\n";
  bool all_ok = true;
  for (const auto& c : checks) {
    const bool ok = c.left == c.right;
    all_ok = all_ok && ok;
    std::printf("  [%s] %-62s %16s %16s\n", ok ? " ok " : "FAIL", c.what.c_str(), with_commas(c.left).c_str(),
                with_commas(c.right).c_str());
  }
  std::printf(
      "\n%s record_usage calls on %d processes; killed %s and the lease holder %s mid-run; %zu records for "
      "%zu customer-hours\n",
      with_commas(calls).c_str(), o.instances, killed_instance.empty() ? "-" : killed_instance.c_str(),
      killed_holder.empty() ? "-" : killed_holder.c_str(), emulator.accepted_records().size(),
      per_hour.size());
  std::printf(
      "emulator: %llu requests, %llu faults injected (throttled %llu, 5xx %llu, answers lost %llu), %llu "
      "idempotent resends, %llu duplicates\n",
      static_cast<unsigned long long>(es.requests), static_cast<unsigned long long>(es.faults_injected()),
      static_cast<unsigned long long>(es.throttled), static_cast<unsigned long long>(es.server_errors),
      static_cast<unsigned long long>(es.dropped_after_commit),
      static_cast<unsigned long long>(es.records_idempotent),
      static_cast<unsigned long long>(es.records_duplicate));
  std::cout << (all_ok ? "\nRECONCILED: every token is billed once or carried in the fleet table, across "
                         "processes, kills and restarts.\n"
                       : "\nNOT RECONCILED: see the FAIL lines above (worker logs in " + o.dir.string() +
                             ").\n");
  emulator.stop();
  return all_ok ? 0 : 1;
}

std::int64_t positive(const char* s) {
  std::int64_t v = 0;
  const std::string_view sv(s);
  const auto [p, ec] = std::from_chars(sv.data(), sv.data() + sv.size(), v);
  if (ec != std::errc{} || p != sv.data() + sv.size() || v <= 0) {
    std::cerr << "awsmp-demo: expected a positive number, got '" << s << "'\n";
    std::exit(2);
  }
  return v;
}

}  // namespace

/// The --fleet hook of main.cpp: nullopt unless argv asks for the fleet demo (--fleet N) or is
/// one of its workers (--fleet-worker ...); else the exit code.
std::optional<int> fleet_main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "--fleet-worker") {
    if (argc < 11) return 2;
    worker_args a;
    a.index = std::atoi(argv[2]);
    a.dir = argv[3];
    a.emulator = argv[4];
    a.ca_file = argv[5];
    a.dynamodb = argv[6];
    a.clock = sim_clock{std::atoll(argv[7]), std::atoll(argv[8])};
    a.customers = std::atoi(argv[9]);
    a.tokens_per_unit = std::atoll(argv[10]);
    a.final_run = argc > 11 && std::string_view(argv[11]) == "final";
    try {
      return run_worker(a);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fleet worker %d: %s\n", a.index, e.what());
      return 5;
    }
  }
  bool fleet_mode = false;
  fleet_demo_options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view s = argv[i];
    if (s == "--fleet" && i + 1 < argc) {
      fleet_mode = true;
      o.instances = static_cast<int>(positive(argv[++i]));
    } else if (s == "--customers" && i + 1 < argc) {
      o.customers = static_cast<int>(positive(argv[++i]));
    } else if (s == "--tokens-per-unit" && i + 1 < argc) {
      o.tokens_per_unit = positive(argv[++i]);
    } else if (s == "--dir" && i + 1 < argc) {
      o.dir = argv[++i];
    } else if (s == "--fleet") {
      std::cerr << "awsmp-demo: --fleet needs the number of processes (e.g. --fleet 3)\n";
      return 2;
    }
  }
  if (!fleet_mode) return std::nullopt;
  if (o.instances < 2 || o.instances > 9) {
    std::cerr << "awsmp-demo: --fleet takes 2..9 processes\n";
    return 2;
  }
  if (o.customers < 3) o.customers = 3;
  try {
    return run_coordinator(o, "/proc/self/exe");
  } catch (const std::exception& e) {
    std::cerr << "awsmp-demo --fleet failed: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace awsmp_demo
