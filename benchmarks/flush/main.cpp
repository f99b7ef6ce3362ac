// awsmp-bench-flush: how fast awsmp bills a fleet of customers, and at what client cost.
//
// Talks to an awsmp-emulator running as a separate process (HTTPS, keep-alive). Two modes:
//   tracker  N customers each record usage into a token_billing_tracker, then one flush()
//            seals and sends them all (batch_concurrency = C): the operator's hourly job.
//   batches  R precomputed 25-record BatchMeterUsage requests sent by C workers through
//            metering_client: the same requests the boto3 and JS SDK peers send
//            (benchmarks/peers/), for a like-for-like comparison.
// For each concurrency it prints records/s, requests/s, p50/p99 request latency, client CPU
// per request (getrusage of this process), peak RSS and the TLS handshakes made after the
// warm-up; with --json, one JSON line per run. A progress line is printed to stderr.
#include <awsmp/awsmp.hpp>
#include <awsmp/token_billing_tracker.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

struct bench_options {
  std::string endpoint;
  std::string ca_file;
  std::string mode = "tracker";
  std::int64_t customers = 100'000;
  std::int64_t requests = 4'000;
  std::vector<int> concurrency{1, 8, 32};
  std::string customer_prefix = "customer-";
  int customer_digits = 6;
  std::string product_code = "prod-demo";
  bool json = false;
};

[[noreturn]] void usage(int code) {
  std::cout << "usage: awsmp-bench-flush --endpoint URL --ca-file PEM [--mode tracker|batches]\n"
               "         [--customers N] [--requests R] [--concurrency 1,8,32] [--product-code P]\n"
               "         [--customer-prefix customer-] [--customer-digits 6] [--json]\n";
  std::exit(code);
}

std::int64_t to_number(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v <= 0) usage(2);
  return v;
}

bench_options parse(int argc, char** argv) {
  bench_options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage(2);
      return argv[++i];
    };
    if (a == "--endpoint") o.endpoint = value();
    else if (a == "--ca-file") o.ca_file = value();
    else if (a == "--mode") o.mode = value();
    else if (a == "--customers") o.customers = to_number(value());
    else if (a == "--requests") o.requests = to_number(value());
    else if (a == "--product-code") o.product_code = value();
    else if (a == "--customer-prefix") o.customer_prefix = value();
    else if (a == "--customer-digits") o.customer_digits = static_cast<int>(to_number(value()));
    else if (a == "--json") o.json = true;
    else if (a == "--concurrency") {
      o.concurrency.clear();
      std::stringstream ss{std::string(value())};
      for (std::string part; std::getline(ss, part, ',');) o.concurrency.push_back(static_cast<int>(to_number(part)));
    } else if (a == "--help" || a == "-h") usage(0);
    else usage(2);
  }
  if (o.endpoint.empty() || (o.mode != "tracker" && o.mode != "batches")) usage(2);
  return o;
}

std::string customer_id(const bench_options& o, std::int64_t i) {
  std::string digits = std::to_string(i);
  if (static_cast<int>(digits.size()) < o.customer_digits)
    digits.insert(0, static_cast<std::size_t>(o.customer_digits) - digits.size(), '0');
  return o.customer_prefix + digits;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

long peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

// Times every BatchMeterUsage call that passes through it; the tracker and the batch workers
// both send through this, so latency is measured the same way in both modes.
class timed_metering final : public awsmp::metering_api {
public:
  explicit timed_metering(awsmp::metering_api& next) : next_(next) {}
  awsmp::awaitable<awsmp::resolve_customer_output> resolve_customer(std::string token) override {
    co_return co_await next_.resolve_customer(std::move(token));
  }
  awsmp::awaitable<awsmp::batch_meter_usage_output> batch_meter_usage(awsmp::batch_meter_usage_input in) override {
    const auto records = in.usage_records.size();
    const auto t0 = std::chrono::steady_clock::now();
    auto out = co_await next_.batch_meter_usage(std::move(in));
    const auto dt = std::chrono::steady_clock::now() - t0;
    std::lock_guard lock(mutex_);
    latencies_.push_back(std::chrono::duration<double, std::milli>(dt).count());
    records_ += records;
    done_.fetch_add(1, std::memory_order_relaxed);
    co_return out;
  }
  awsmp::awaitable<awsmp::meter_usage_output> meter_usage(awsmp::meter_usage_input in) override {
    co_return co_await next_.meter_usage(std::move(in));
  }
  void reset() {
    std::lock_guard lock(mutex_);
    latencies_.clear();
    records_ = 0;
    done_ = 0;
  }
  std::vector<double> latencies() {
    std::lock_guard lock(mutex_);
    return latencies_;
  }
  std::uint64_t records() {
    std::lock_guard lock(mutex_);
    return records_;
  }
  std::uint64_t done() const { return done_.load(std::memory_order_relaxed); }

private:
  awsmp::metering_api& next_;
  std::mutex mutex_;
  std::vector<double> latencies_;
  std::uint64_t records_ = 0;
  std::atomic<std::uint64_t> done_{0};
};

awsmp::batch_meter_usage_input make_batch(const bench_options& o, std::int64_t b, awsmp::time_point minute) {
  awsmp::batch_meter_usage_input in;
  in.product_code = o.product_code;
  for (std::int64_t r = 0; r < 25; ++r) {
    const std::int64_t i = b * 25 + r;
    awsmp::usage_record rec;
    rec.customer_identifier = customer_id(o, i % o.customers + 1);
    rec.dimension = std::string(awsmp::dimension_tokens);
    rec.quantity = static_cast<std::int32_t>(1 + i % 1000);
    rec.timestamp = minute;
    in.usage_records.push_back(std::move(rec));
  }
  return in;
}

struct run_result {
  int concurrency = 0;
  std::uint64_t requests = 0;
  std::uint64_t records = 0;
  double seconds = 0;
  double cpu_seconds = 0;
  double p50_ms = 0, p99_ms = 0;
  std::uint64_t new_connections = 0;
  std::uint64_t failures = 0;
};

asio::awaitable<run_result> run_batches(const bench_options& o, int concurrency, timed_metering& timed) {
  auto ex = co_await asio::this_coro::executor;
  const auto minute = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
  std::vector<awsmp::batch_meter_usage_input> work;
  work.reserve(static_cast<std::size_t>(o.requests));
  for (std::int64_t b = 0; b < o.requests; ++b) work.push_back(make_batch(o, b, minute));
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<int> running{concurrency};
  asio::steady_timer done(ex, std::chrono::steady_clock::time_point::max());
  for (int w = 0; w < concurrency; ++w) {
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          for (std::size_t i; (i = next.fetch_add(1)) < work.size();) {
            try {
              auto out = co_await timed.batch_meter_usage(work[i]);
              if (out.results.size() != work[i].usage_records.size()) failures.fetch_add(1);
            } catch (const std::exception& e) {
              std::cerr << "request failed: " << e.what() << "\n";
              failures.fetch_add(1);
            }
          }
          if (running.fetch_sub(1) == 1) done.cancel();
        },
        asio::detached);
  }
  co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
  run_result r;
  r.failures = failures;
  co_return r;
}

asio::awaitable<run_result> run_tracker(const bench_options& o, int concurrency, timed_metering& timed) {
  auto ex = co_await asio::this_coro::executor;
  awsmp::token_billing_options to;
  to.batch_concurrency = static_cast<std::size_t>(concurrency);
  awsmp::token_billing_tracker tracker(ex, o.product_code, timed, to);
  for (std::int64_t i = 0; i < o.customers; ++i)
    co_await tracker.record_usage(customer_id(o, i + 1), (1 + i % 1000) * to.tokens_per_unit, 0);
  timed.reset();  // the records were made above; measure the flush alone
  const auto out = co_await tracker.flush();
  run_result r;
  r.failures = out.unprocessed_records.size() + tracker.stats().records_dead_lettered;
  co_return r;
}

asio::awaitable<void> progress(timed_metering& timed, std::uint64_t total, const std::atomic<bool>& running) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (running) {
    t.expires_after(250ms);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    std::fprintf(stderr, "\r  %llu / %llu requests", static_cast<unsigned long long>(timed.done()),
                 static_cast<unsigned long long>(total));
  }
  std::fprintf(stderr, "\r%60s\r", "");
}

asio::awaitable<int> bench(const bench_options& o) {
  auto ex = co_await asio::this_coro::executor;
  awsmp::static_credentials_provider creds({"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", {}, {}});
  awsmp::sigv4_signer signer(creds, "us-east-1");
  int failures = 0;
  if (!o.json)
    std::printf("%-8s %5s %10s %10s %12s %9s %9s %12s %10s %9s\n", "mode", "conc", "requests", "records",
                "records/s", "p50 ms", "p99 ms", "cpu us/req", "rss MiB", "new conns");
  for (int c : o.concurrency) {
    awsmp::client_options co;
    co.endpoint = o.endpoint;
    co.ca_file = o.ca_file;
    co.max_connections = static_cast<std::size_t>(std::max(c, 1));
    awsmp::metering_client client(ex, signer, co);
    timed_metering timed(client);
    // Warm-up: open the pool's connections (TLS handshakes are not what is measured).
    {
      std::vector<awsmp::batch_meter_usage_input> warm;
      std::atomic<int> left{c};
      asio::steady_timer done(ex, std::chrono::steady_clock::time_point::max());
      for (int w = 0; w < c; ++w)
        asio::co_spawn(
            ex,
            [&, w]() -> asio::awaitable<void> {
              awsmp::batch_meter_usage_input in;
              in.product_code = o.product_code;
              try {
                co_await client.batch_meter_usage(in);  // zero records: valid, cheap, opens a connection
              } catch (const std::exception& e) {
                std::cerr << "warm-up " << w << " failed: " << e.what() << "\n";
              }
              if (left.fetch_sub(1) == 1) done.cancel();
            },
            asio::detached);
      co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    timed.reset();
    const auto conns0 = client.stats().connections_opened;
    std::atomic<bool> running{true};
    const std::uint64_t expected =
        o.mode == "batches" ? static_cast<std::uint64_t>(o.requests) : static_cast<std::uint64_t>((o.customers + 24) / 25);
    asio::co_spawn(ex, progress(timed, expected, running), asio::detached);
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    run_result r = o.mode == "batches" ? co_await run_batches(o, c, timed) : co_await run_tracker(o, c, timed);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.cpu_seconds = cpu_seconds() - cpu0;
    running = false;
    auto lat = timed.latencies();
    std::sort(lat.begin(), lat.end());
    r.concurrency = c;
    r.requests = lat.size();
    r.records = timed.records();
    if (!lat.empty()) {
      r.p50_ms = lat[lat.size() / 2];
      r.p99_ms = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
    }
    r.new_connections = client.stats().connections_opened - conns0;
    failures += static_cast<int>(r.failures);
    const double cpu_us = r.requests ? r.cpu_seconds / static_cast<double>(r.requests) * 1e6 : 0;
    if (o.json) {
      std::printf("{\"client\":\"awsmp\",\"mode\":\"%s\",\"concurrency\":%d,\"requests\":%llu,\"records\":%llu,"
                  "\"failures\":%llu,\"seconds\":%.4f,\"requests_per_s\":%.1f,\"records_per_s\":%.1f,"
                  "\"cpu_us_per_request\":%.2f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"peak_rss_kb\":%ld,"
                  "\"new_connections\":%llu}\n",
                  o.mode.c_str(), c, static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.records),
                  static_cast<unsigned long long>(r.failures), r.seconds, static_cast<double>(r.requests) / r.seconds,
                  static_cast<double>(r.records) / r.seconds, cpu_us, r.p50_ms, r.p99_ms, peak_rss_kb(),
                  static_cast<unsigned long long>(r.new_connections));
    } else {
      std::printf("%-8s %5d %10llu %10llu %12.0f %9.3f %9.3f %12.1f %10.1f %9llu   (%.2f s)\n", o.mode.c_str(), c,
                  static_cast<unsigned long long>(r.requests), static_cast<unsigned long long>(r.records),
                  static_cast<double>(r.records) / r.seconds, r.p50_ms, r.p99_ms, cpu_us,
                  static_cast<double>(peak_rss_kb()) / 1024.0, static_cast<unsigned long long>(r.new_connections),
                  r.seconds);
    }
    std::fflush(stdout);
  }
  co_return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bench_options o = parse(argc, argv);
  asio::io_context ioc(1);
  int rc = 1;
  asio::co_spawn(ioc, bench(o), [&](std::exception_ptr e, int result) {
    rc = result;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "awsmp-bench-flush: " << ex.what() << "\n";
      }
      rc = 2;
    }
  });
  ioc.run();
  return rc;
}
