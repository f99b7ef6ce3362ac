// awsmp-demo: the whole product on one machine, against the built-in emulator.
//
// It starts a marketplace_emulator in process (HTTPS on 127.0.0.1 with a generated CA),
// subscribes a few hundred customers through ResolveCustomer, mirrors their entitlements with
// GetEntitlements, then runs concurrent simulated inference traffic: every request checks
// is_entitled and records its tokens. The token_billing_tracker flushes on a compressed clock
// (one real second stands for one hour), light faults are injected into the emulator, a few
// customers leave half-way through AWS Marketplace events (demo_events.cpp: the emulator POSTs
// signed SNS notifications to the demo's sns_https_endpoint; forged ones must be refused), and
// at the end a reconciliation table compares what was recorded, what was billed, what is
// carried, and what the emulator accepted. The program exits 1 when the columns do not agree
// or a forged event was applied.
#include <algorithm>
#include <atomic>
#include <awsmp/awsmp.hpp>
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_sync.hpp>
#include <awsmp/sqlite_store.hpp>
#include <awsmp/subscription_manager.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "demo_events.hpp"

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct demo_options {
  int customers = 300;
  int hours = 8;      // simulated hours of traffic (one real second each)
  int workers = 256;  // concurrent simulated requests
  std::int64_t tokens_per_unit = 1'000'000;
  bool faults = true;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "awsmp-demo";
};

[[noreturn]] void usage(int code) {
  std::cout << "usage: awsmp-demo [--customers N] [--hours H] [--workers W] [--tokens-per-unit T]\n"
               "                  [--no-faults] [--dir PATH]\n"
               "       awsmp-demo --fleet N [--customers N] [--tokens-per-unit T] [--dir PATH]\n"
               "Runs subscription, entitlement checks and token billing against an in-process\n"
               "AWS Marketplace emulator on a compressed clock (1 s = 1 h) and reconciles.\n";
  std::exit(code);
}

demo_options parse(int argc, char** argv) {
  demo_options o;
  auto number = [&](int& i) -> std::int64_t {
    if (i + 1 >= argc) usage(2);
    std::int64_t v = 0;
    std::string_view s = argv[++i];
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v <= 0) usage(2);
    return v;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--customers")
      o.customers = static_cast<int>(number(i));
    else if (a == "--hours")
      o.hours = static_cast<int>(number(i));
    else if (a == "--workers")
      o.workers = static_cast<int>(number(i));
    else if (a == "--tokens-per-unit")
      o.tokens_per_unit = number(i);
    else if (a == "--no-faults")
      o.faults = false;
    else if (a == "--dir" && i + 1 < argc)
      o.dir = argv[++i];
    else if (a == "--help" || a == "-h")
      usage(0);
    else
      usage(2);
  }
  return o;
}

std::string id(std::string_view prefix, int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*s%04d", static_cast<int>(prefix.size()), prefix.data(), i);
  return buf;
}

std::string with_commas(std::int64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > (v < 0 ? 1 : 0); i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

// One real second of the demo stands for one hour of billing time, so that a handful of
// seconds shows hourly flushes, the hour rule and the 6-hour window at work.
class compressed_clock {
 public:
  compressed_clock()
      : origin_(std::chrono::floor<std::chrono::hours>(std::chrono::system_clock::now()) - 12h),
        start_(std::chrono::steady_clock::now()) {}
  awsmp::time_point now() const {
    auto real = std::chrono::steady_clock::now() - start_;
    return origin_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(real * 3600);
  }

 private:
  awsmp::time_point origin_;
  std::chrono::steady_clock::time_point start_;
};

struct traffic_counters {
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> rejected{0};
  std::mutex mutex;
  std::map<std::string, std::int64_t> tokens;  // per customer, as the application counted them
};

constexpr std::string_view product_code = "prod-awsmpdemo0001";
const std::string dimension{awsmp::dimension_tokens};

asio::awaitable<int> run_demo(const demo_options& opt) {
  auto ex = co_await asio::this_coro::executor;
  std::filesystem::remove_all(opt.dir);
  std::filesystem::create_directories(opt.dir);
  compressed_clock clock;
  awsmp::clock_function now = [&clock] { return clock.now(); };

  // --- the emulator: customers, one product, entitlements for most customers, light faults.
  awsmp::testing::emulator_options eo;
  eo.ca_file = (opt.dir / "emulator-ca.pem").string();
  eo.clock = now;
  eo.max_clock_skew = 24h;  // compressed time: 10 ms of queueing is 36 s of "clock"
  eo.products = {{std::string(product_code), {dimension}}};
  for (int i = 1; i <= opt.customers; ++i) {
    awsmp::testing::emulated_customer c;
    c.registration_token = id("token-", i);
    c.identity.customer_identifier = id("customer-", i);
    c.identity.product_code = std::string(product_code);
    c.identity.customer_aws_account_id = "1234567" + id("", i);
    c.identity.license_arn = "arn:aws:license-manager::123456789012:license:l-" + id("", i);
    eo.customers.push_back(c);
    if (i % 10 != 0) {  // every tenth customer bought no tokens: their requests are refused
      awsmp::marketplace_entitlement e;
      e.product_code = std::string(product_code);
      e.dimension = dimension;
      e.customer_identifier = c.identity.customer_identifier;
      e.value = std::int64_t{1};
      eo.entitlements.push_back(e);
    }
  }
  if (opt.faults) {
    eo.faults.throttle_percent = 5;
    eo.faults.server_error_percent = 2;
    eo.faults.drop_connection_percent = 1;
    eo.faults.drop_after_commit_percent = 1;
    eo.faults.unprocessed_percent = 5;
    eo.faults.seed = 2026;
  }
  // Customers leave through events: the emulator delivers them over HTTPS to the demo.
  demo::event_path events(ex, opt.dir);
  events.configure(eo);
  awsmp::testing::marketplace_emulator emulator(ex, eo);
  emulator.start();
  std::cout << "emulator: " << emulator.endpoint() << " (CA " << emulator.ca_file() << ")"
            << (opt.faults ? ", faults: throttle 5%, 5xx 2%, drops 2%, unprocessed 5%" : "") << "\n";

  // --- clients, stores, lifecycle objects: what a server would build at start-up.
  awsmp::static_credentials_provider creds(
      {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}});
  awsmp::sigv4_signer signer(creds, "us-east-1", "aws-marketplace", now);
  awsmp::client_options co;
  co.endpoint = emulator.endpoint();
  co.ca_file = emulator.ca_file();
  co.base_backoff = 20ms;  // compressed time: keep the retries' real delays short
  co.max_attempts = 5;
  awsmp::metering_client metering(ex, signer, co);
  awsmp::entitlement_service_client entitlements(ex, signer, co);

  awsmp::sqlite_store_options so;
  so.path = opt.dir / "awsmp-demo.db";
  so.synchronous = awsmp::sqlite_synchronous::normal;
  awsmp::sqlite_store store(ex, so);
  awsmp::subscription_manager manager(ex, store.subscriptions(), metering, std::string(product_code), now);
  awsmp::entitlement_checker_options cho;
  cho.cache_ttl = 1h;  // one real second
  cho.clock = now;
  awsmp::entitlement_checker checker(ex, store.entitlements(), cho);

  awsmp::token_billing_options to;
  to.tokens_per_unit = opt.tokens_per_unit;
  to.journal = opt.dir / "billing.journal";
  to.clock = now;
  to.heartbeat_store = &store.subscriptions();
  awsmp::token_billing_tracker tracker(ex, std::string(product_code), metering, to);
  events.attach(emulator, manager, store.subscriptions(), tracker, entitlements, checker,
                std::string(product_code), now);

  // --- subscribe everyone (as the registration landing page would), then mirror entitlements.
  for (int i = 1; i <= opt.customers; ++i) co_await manager.subscribe(id("token-", i));
  auto sync = co_await awsmp::sync_entitlements(entitlements, checker, store.subscriptions(),
                                                std::string(product_code));
  std::cout << "subscribed " << opt.customers << " customers; GetEntitlements: " << sync.received
            << " entitlements, " << sync.written << " written\n";

  // --- traffic, with hourly flushes in the background.
  asio::co_spawn(ex, tracker.run(1s), asio::detached);
  traffic_counters counters;
  std::atomic<bool> traffic_on{true};
  std::atomic<int> workers_left{opt.workers};
  for (int w = 0; w < opt.workers; ++w) {
    asio::co_spawn(
        ex,
        [&, w]() -> asio::awaitable<void> {
          std::mt19937_64 rng(static_cast<std::uint64_t>(w) * 7919 + 1);
          std::map<std::string, std::int64_t> mine;
          while (traffic_on.load(std::memory_order_relaxed)) {
            const std::string customer =
                id("customer-", static_cast<int>(rng() % static_cast<std::uint64_t>(opt.customers)) + 1);
            counters.requests.fetch_add(1, std::memory_order_relaxed);
            if (!co_await checker.is_entitled(customer, dimension)) {
              counters.rejected.fetch_add(1, std::memory_order_relaxed);
              co_await asio::post(ex, asio::use_awaitable);  // let the others run
              continue;
            }
            const std::int64_t in = 200 + static_cast<std::int64_t>(rng() % 4000);
            const std::int64_t out = 50 + static_cast<std::int64_t>(rng() % 1500);
            co_await tracker.record_usage(customer, in, out);  // durable when it returns
            mine[customer] += in + out;
          }
          std::lock_guard lock(counters.mutex);
          for (auto& [c, t] : mine) counters.tokens[c] += t;
          workers_left.fetch_sub(1);
        },
        asio::detached);
  }

  asio::steady_timer timer(ex);
  const int leavers = std::max(1, opt.customers / 50);
  std::vector<std::string> leaver_ids;
  for (int i = 1; i <= leavers; ++i) leaver_ids.push_back(id("customer-", i));
  for (int hour = 1; hour <= opt.hours; ++hour) {
    timer.expires_after(1s);
    co_await timer.async_wait(asio::use_awaitable);
    if (hour == std::max(1, opt.hours / 2)) {
      // A few customers are leaving: AWS announces unsubscribe-pending (their open usage is
      // billed now) and takes their entitlements away; forged events arrive too.
      std::vector<std::string> ids = leaver_ids;
      std::string victim = id("customer-", opt.customers);
      events.customers_leaving(std::move(ids), std::move(victim));  // in the background
    }
    const auto s = tracker.stats();
    std::printf(
        "hour %2d/%d  requests %12s (refused %9s)  tokens %15s  records acked %6llu pending %4llu"
        " dead %llu  retries %4llu\n",
        hour, opt.hours, with_commas(counters.requests).c_str(), with_commas(counters.rejected).c_str(),
        with_commas(static_cast<std::int64_t>(s.tokens_recorded)).c_str(),
        static_cast<unsigned long long>(s.records_acknowledged),
        static_cast<unsigned long long>(s.records_pending),
        static_cast<unsigned long long>(s.records_dead_lettered), static_cast<unsigned long long>(s.retries));
    std::fflush(stdout);
  }
  traffic_on = false;
  while (workers_left.load() > 0) {
    timer.expires_after(10ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  // The leavers' unsubscribe-success: the sink settles their whole remainder (rounded up).
  std::vector<std::string> left_ids = leaver_ids;
  co_await events.customers_left(std::move(left_ids));
  co_await tracker.stop();  // cancels run() and does the final flush
  for (int round = 0; round < 20 && tracker.stats().records_pending > 0; ++round) co_await tracker.flush();

  // --- reconciliation: four views of the same money must agree.
  const auto stats = tracker.stats();
  const auto carried = co_await tracker.snapshot();
  std::map<std::string, std::int64_t> carry;
  for (const auto& r : carried) carry[r.customer_identifier] = r.total_tokens;
  std::int64_t recorded_sum = 0, billed_units = 0, carried_sum = 0, mismatches = 0;
  std::int64_t settled_excess = 0;  // tokens billed by rounding leavers' remainders up
  std::cout << "\nreconciliation (tokens per unit " << with_commas(opt.tokens_per_unit) << ")\n";
  std::printf("%-15s %16s %12s %14s %16s  %s\n", "customer", "tokens recorded", "units (AWS)",
              "carried tokens", "units*T + carry", "check");
  for (int i = 1; i <= opt.customers; ++i) {
    const std::string c = id("customer-", i);
    const std::int64_t recorded = counters.tokens.count(c) ? counters.tokens[c] : 0;
    const std::int64_t units = emulator.total(c, dimension);
    const std::int64_t left = carry.count(c) ? carry[c] : 0;
    const bool leaver = i <= leavers;
    // A settled customer is billed ceil(total / T): at most T-1 tokens more than recorded.
    const std::int64_t accounted = units * opt.tokens_per_unit + left;
    const bool ok = leaver
                        ? (left == 0 && accounted >= recorded && accounted - recorded < opt.tokens_per_unit)
                        : accounted == recorded;
    if (leaver) settled_excess += accounted - recorded;
    recorded_sum += recorded;
    billed_units += units;
    carried_sum += left;
    if (!ok) ++mismatches;
    // Sample rows: a few who left (settled) and a few who stayed (carrying), and every mismatch.
    const bool sample = (leaver && i <= 3) || (!leaver && i <= leavers + 4);
    if (sample || !ok) {
      std::printf("%-15s %16s %12s %14s %16s  %s%s\n", c.c_str(), with_commas(recorded).c_str(),
                  with_commas(units).c_str(), with_commas(left).c_str(), with_commas(accounted).c_str(),
                  ok ? "ok" : "MISMATCH", leaver ? " (settled)" : "");
    }
  }
  std::printf("%-15s %16s %12s %14s %16s\n", "... all", with_commas(recorded_sum).c_str(),
              with_commas(billed_units).c_str(), with_commas(carried_sum).c_str(),
              with_commas(billed_units * opt.tokens_per_unit + carried_sum).c_str());

  const auto es = emulator.stats();
  std::int64_t ledger_units = 0;
  for (const auto& t : emulator.totals()) ledger_units += t.quantity;
  struct check {
    std::string what;
    std::int64_t left, right;
  };
  const std::vector<check> checks = {
      {"tokens recorded by the app == tokens the tracker counted", recorded_sum,
       static_cast<std::int64_t>(stats.tokens_recorded)},
      {"units sealed by the tracker == units in the emulator's ledger",
       static_cast<std::int64_t>(stats.units_sealed), ledger_units},
      {"billed units * T + carried == recorded + rounding of settled",
       billed_units * opt.tokens_per_unit + carried_sum, recorded_sum + settled_excess},
      {"records pending after the final flush", static_cast<std::int64_t>(stats.records_pending), 0},
      {"dead letters", static_cast<std::int64_t>(stats.records_dead_lettered), 0},
      {"customers whose row does not reconcile", mismatches, 0},
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
      "\nrequests %s (refused %s), records sealed %llu (heartbeats %llu), sent %llu, retries %llu, "
      "%d leavers left through events\n",
      with_commas(counters.requests).c_str(), with_commas(counters.rejected).c_str(),
      static_cast<unsigned long long>(stats.records_sealed),
      static_cast<unsigned long long>(stats.heartbeats_sealed),
      static_cast<unsigned long long>(stats.records_sent), static_cast<unsigned long long>(stats.retries),
      leavers);
  std::printf(
      "emulator: %llu requests, %llu faults injected (throttled %llu, 5xx %llu, dropped %llu+%llu, "
      "unprocessed %llu), %llu idempotent resends, %llu duplicates, journal commits %llu\n",
      static_cast<unsigned long long>(es.requests), static_cast<unsigned long long>(es.faults_injected()),
      static_cast<unsigned long long>(es.throttled), static_cast<unsigned long long>(es.server_errors),
      static_cast<unsigned long long>(es.dropped_before),
      static_cast<unsigned long long>(es.dropped_after_commit),
      static_cast<unsigned long long>(es.unprocessed_records),
      static_cast<unsigned long long>(es.records_idempotent),
      static_cast<unsigned long long>(es.records_duplicate),
      static_cast<unsigned long long>(stats.journal_commits));
  const bool events_ok = co_await events.report(manager);
  std::cout << (all_ok
                    ? "\nRECONCILED: every token is billed or carried, nothing lost, nothing billed twice.\n"
                    : "\nNOT RECONCILED: see the FAIL lines above.\n");
  if (!events_ok) std::cout << "EVENTS FAILED: see the FAIL lines above.\n";
  events.stop();
  emulator.stop();
  co_return all_ok&& events_ok ? 0 : 1;
}

}  // namespace

namespace awsmp_demo {
std::optional<int> fleet_main(int argc, char** argv);  // --fleet N: fleet_demo.cpp
}

int main(int argc, char** argv) {
  if (const auto rc = awsmp_demo::fleet_main(argc, argv)) return *rc;
  const demo_options opt = parse(argc, argv);
  asio::io_context ioc;
  int rc = 1;
  asio::co_spawn(ioc, run_demo(opt), [&](std::exception_ptr e, int result) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "awsmp-demo failed: " << ex.what() << "\n";
      }
      rc = 2;
    } else {
      rc = result;
    }
    ioc.stop();
  });
  // Two threads: the demo's objects are used from both, as in a real multi-threaded server.
  std::thread second([&] { ioc.run(); });
  ioc.run();
  second.join();
  return rc;
}
