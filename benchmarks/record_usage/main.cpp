// record_usage throughput and per-customer memory of token_billing_tracker.
//
// usage: awsmp-bench-record-usage [journal-dir] [scale]
//   journal-dir: where the journal benchmark writes (default: the temp directory); its disk
//   decides the fdatasync cost. scale: multiplies the call counts (default 1).
// Build in Release: the numbers of a Debug build say nothing.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <awsmp/metering_api.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

// Never called: the benchmarks do not flush.
class null_metering final : public awsmp::metering_api {
 public:
  awsmp::awaitable<awsmp::resolve_customer_output> resolve_customer(std::string) override {
    co_return awsmp::resolve_customer_output{};
  }
  awsmp::awaitable<awsmp::batch_meter_usage_output> batch_meter_usage(
      awsmp::batch_meter_usage_input) override {
    co_return awsmp::batch_meter_usage_output{};
  }
  awsmp::awaitable<awsmp::meter_usage_output> meter_usage(awsmp::meter_usage_input) override {
    co_return awsmp::meter_usage_output{};
  }
};

std::vector<std::string> customer_ids(std::size_t n) {
  std::vector<std::string> ids;
  ids.reserve(n);
  char buf[32];
  // 13 characters, like AWS's customer identifiers.
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "CUST%09zu", i);
    ids.emplace_back(buf);
  }
  return ids;
}

// CPU seconds of the process (user + system): on a shared machine, calls per CPU-second says
// what the code costs; calls per wall-second also says how busy the machine was.
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

std::size_t rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// The account form of customer i: 12-digit account ids, two licenses per account.
std::vector<awsmp::billed_customer> account_customers(std::size_t n) {
  std::vector<awsmp::billed_customer> out;
  out.reserve(n);
  char account[16], license[96];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(account, sizeof account, "%012zu", 100000000000 + i / 2);
    std::snprintf(license, sizeof license, "arn:aws:license-manager::%s:license:l-%032zx", account, i);
    out.push_back(awsmp::billed_customer::account(account, license));
  }
  return out;
}

// `threads` threads run one io_context; `callers` coroutines each make `calls` calls in a loop.
// Id is std::string (legacy form) or awsmp::billed_customer (either form).
template <class Id>
double calls_per_second(awsmp::token_billing_options options, int threads, int callers, long calls,
                        const std::vector<Id>& ids, awsmp::token_billing_stats* stats_out = nullptr) {
  asio::io_context io(threads);
  null_metering metering;
  awsmp::token_billing_tracker tracker(io.get_executor(), "bench-product", metering, options);
  std::atomic<long> done{0};
  for (int c = 0; c < callers; ++c)
    asio::co_spawn(
        io,
        [&, c]() -> awsmp::awaitable<void> {
          std::size_t k = static_cast<std::size_t>(c) * 7919;
          for (long i = 0; i < calls; ++i) {
            k = (k + 1) % ids.size();
            auto op = tracker.record_usage(ids[k], 120, 480);
            co_await std::move(op);
          }
          done += calls;
        },
        asio::detached);
  const auto start = clock_type::now();
  const double cpu_start = cpu_seconds();
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  const double secs = seconds_since(start);
  const double cpu = cpu_seconds() - cpu_start;
  if (stats_out) *stats_out = tracker.stats();
  std::printf("  [%ld calls in %.2f s wall, %.2f s CPU: %.2f M calls per CPU-second] ", done.load(), secs,
              cpu, static_cast<double>(done.load()) / cpu / 1e6);
  return static_cast<double>(done.load()) / secs;
}

}  // namespace

int main(int argc, char** argv) {
  const std::filesystem::path dir =
      argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path();
  const long scale = argc > 2 ? std::atol(argv[2]) : 1;
  const auto ids = customer_ids(10'000);

  awsmp::token_billing_options memory_only;
  std::printf("record_usage, no journal, 1 thread, 1 caller, 10k customers: %.2f M calls/s\n",
              calls_per_second(memory_only, 1, 1, 5'000'000 * scale, ids) / 1e6);
  const auto accounts = account_customers(10'000);
  std::printf(
      "record_usage(billed_customer), account form, no journal, 1 thread, 1 caller, 10k licenses: %.2f M "
      "calls/s\n",
      calls_per_second(memory_only, 1, 1, 5'000'000 * scale, accounts) / 1e6);
  std::printf("record_usage, no journal, 2 threads, 2 callers, 10k customers: %.2f M calls/s\n",
              calls_per_second(memory_only, 2, 2, 5'000'000 * scale, ids) / 1e6);
  std::printf("record_usage, no journal, 2 threads, 1000 callers, 10k customers: %.2f M calls/s\n",
              calls_per_second(memory_only, 2, 1000, 10'000 * scale, ids) / 1e6);

  for (int threads : {1, 2}) {
    awsmp::token_billing_options journaled;
    journaled.journal = dir / ("awsmp-bench-" + std::to_string(::getpid()) + ".journal");
    journaled.compaction_bytes = 0;
    std::filesystem::remove(journaled.journal);
    awsmp::token_billing_stats st;
    const double rate = calls_per_second(journaled, threads, 1000, 1'000 * scale, ids, &st);
    std::printf(
        "record_usage, journal, %d thread(s), 1000 callers: %.0f k calls/s; %llu fdatasync, %.0f calls per "
        "commit, longest write+fdatasync %llu us, journal %.1f MB\n",
        threads, rate / 1e3, static_cast<unsigned long long>(st.journal_commits),
        static_cast<double>(st.record_usage_calls) /
            static_cast<double>(std::max<std::uint64_t>(1, st.journal_commits)),
        static_cast<unsigned long long>(st.journal_max_sync_micros),
        static_cast<double>(st.journal_bytes) / 1e6);
    std::filesystem::remove(journaled.journal);
  }

  {
    constexpr std::size_t n = 1'000'000;
    const auto many = customer_ids(n);
    const std::size_t ids_bytes = n * sizeof(std::string);  // the id vector itself, not the tracker's
    asio::io_context io;
    null_metering metering;
    const std::size_t before = rss_bytes();
    awsmp::token_billing_tracker tracker(io.get_executor(), "bench-product", metering, {});
    asio::co_spawn(
        io,
        [&]() -> awsmp::awaitable<void> {
          for (const auto& id : many) {
            auto op = tracker.record_usage(id, 1, 1);
            co_await std::move(op);
          }
        },
        asio::detached);
    io.run();
    const std::size_t after = rss_bytes();
    (void)ids_bytes;
    std::printf("memory: %zu customers tracked, RSS grew %.1f MB: %.0f bytes per customer (13-byte ids)\n",
                static_cast<std::size_t>(tracker.stats().customers),
                static_cast<double>(after - before) / 1e6,
                static_cast<double>(after - before) / static_cast<double>(n));
  }
  return 0;
}
