// awsmp-bench-stores: measures how long store calls block the executor that runs them.
//
// With sqlite_store's default placement the SQL runs on a strand of the caller's executor,
// so a call's blocking time is what a request thread loses to it. Each operation is timed
// from co_await to resumption on an otherwise idle single-threaded io_context, so the
// figure is the SQLite time plus two executor hops (the memory store shows the hops alone).
//
//   awsmp-bench-stores [--dir DIR] [--iterations N] [--customers N]
//
// DIR must be on the disk you want to measure (a tmpfs makes fsync free); default ".".
#include <awsmp/entitlement_checker.hpp>
#include <awsmp/entitlement_store.hpp>
#include <awsmp/sqlite_store.hpp>
#include <awsmp/subscription_store.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace asio = boost::asio;
using namespace awsmp;
using clock_type = std::chrono::steady_clock;

namespace {

struct settings {
  std::filesystem::path dir = ".";
  int iterations = 2000;
  int customers = 10000;
};

template <class T>
T run(asio::io_context& ctx, awaitable<T> a) {
  auto fut = asio::co_spawn(ctx, std::move(a), asio::use_future);
  ctx.restart();
  ctx.run();
  return fut.get();
}

struct percentiles {
  double p50, p99, max;
};

percentiles summarise(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * static_cast<double>(us.size())))]; };
  return {at(0.50), at(0.99), us.back()};
}

void print_row(std::string_view store, std::string_view op, const percentiles& p) {
  std::printf("%-22s %-26s %10.1f %10.1f %10.1f\n", std::string(store).c_str(), std::string(op).c_str(), p.p50, p.p99,
              p.max);
}

std::string customer(int i) { return "customer-" + std::to_string(i); }

// Times `iterations` calls of op(i), each awaited alone; microseconds.
std::vector<double> time_op(asio::io_context& ctx, int iterations, const std::function<awaitable<void>(int)>& op) {
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(iterations));
  auto body = [&]() -> awaitable<void> {
    for (int i = 0; i < iterations; ++i) {
      const auto start = clock_type::now();
      co_await op(i);
      us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - start).count());
    }
  };
  run(ctx, body());
  return us;
}

void bench_store(std::string_view label, asio::io_context& ctx, entitlement_store& ents, subscription_store& subs,
                 const settings& s) {
  // Prefill so that reads walk a realistically sized b-tree.
  auto prefill = [&]() -> awaitable<void> {
    for (int i = 0; i < s.customers; ++i) {
      entitlement e{customer(i), "prod-1", "tokens_1m", 1, never_expires};
      co_await ents.put(e);
      subscription sub;
      sub.customer_identifier = customer(i);
      sub.status = i % 10 ? subscription_status::active : subscription_status::unsubscribed;
      co_await subs.put(sub);
    }
  };
  run(ctx, prefill());
  print_row(label, "entitlement put", summarise(time_op(ctx, s.iterations, [&](int i) -> awaitable<void> {
              entitlement e{customer(i % s.customers), "prod-1", "tokens_1m", i + 2, never_expires};
              co_await ents.put(e);
            })));
  print_row(label, "entitlement get (hit)", summarise(time_op(ctx, s.iterations, [&](int i) -> awaitable<void> {
              co_await ents.get(customer((i * 7919) % s.customers), "tokens_1m");
            })));
  print_row(label, "entitlement get (miss)", summarise(time_op(ctx, s.iterations, [&](int i) -> awaitable<void> {
              co_await ents.get("nobody-" + std::to_string(i), "tokens_1m");
            })));
  print_row(label, "entitlement list", summarise(time_op(ctx, s.iterations, [&](int i) -> awaitable<void> {
              co_await ents.list(customer(i % s.customers));
            })));
  print_row(label, "subscription put", summarise(time_op(ctx, s.iterations, [&](int i) -> awaitable<void> {
              subscription sub;
              sub.customer_identifier = customer(i % s.customers);
              sub.status = subscription_status::active;
              co_await subs.put(sub);
            })));
  const int list_iterations = std::max(1, s.iterations / 100);
  print_row(label, "subscription list(active)", summarise(time_op(ctx, list_iterations, [&](int) -> awaitable<void> {
              co_await subs.list(subscription_status::active);
            })));
}

void bench_checker_hits(const settings& s) {
  asio::io_context ctx;
  memory_entitlement_store store(ctx.get_executor());
  entitlement_checker checker(ctx.get_executor(), store, std::chrono::hours(1));
  constexpr int keys = 1000;
  auto fill = [&]() -> awaitable<void> {
    for (int i = 0; i < keys; ++i) {
      entitlement e{customer(i), "prod-1", "tokens_1m", 1, never_expires};
      co_await checker.grant_entitlement(e);
      co_await checker.is_entitled(customer(i), "tokens_1m");  // warm the cache
    }
  };
  run(ctx, fill());
  const long calls = std::max(100'000L, static_cast<long>(s.iterations) * 500L);
  std::vector<std::string> names;
  for (int i = 0; i < keys; ++i) names.push_back(customer(i));
  long yes = 0;
  const auto start = clock_type::now();
  auto body = [&]() -> awaitable<void> {
    for (long i = 0; i < calls; ++i) yes += co_await checker.is_entitled(names[static_cast<std::size_t>(i % keys)], "tokens_1m");
  };
  run(ctx, body());
  const double ns = std::chrono::duration<double, std::nano>(clock_type::now() - start).count() / static_cast<double>(calls);
  std::printf("\nentitlement_checker is_entitled, cache hit: %.0f ns per call (%ld calls, %ld entitled, %llu store reads)\n",
              ns, calls, yes, static_cast<unsigned long long>(checker.stats().store_reads));
}

}  // namespace

int main(int argc, char** argv) {
  settings s;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--dir")
      s.dir = argv[i + 1];
    else if (flag == "--iterations")
      s.iterations = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--customers")
      s.customers = std::max(1, std::atoi(argv[i + 1]));
    else {
      std::fprintf(stderr, "usage: %s [--dir DIR] [--iterations N] [--customers N]\n", argv[0]);
      return 2;
    }
  }
  std::printf("awsmp-bench-stores: %d timed calls per operation, %d customers, files in %s\n", s.iterations,
              s.customers, std::filesystem::absolute(s.dir).string().c_str());
  std::printf("blocking time per call in microseconds\n\n%-22s %-26s %10s %10s %10s\n", "store", "operation", "p50",
              "p99", "max");
  try {
    {
      asio::io_context ctx;
      memory_entitlement_store ents(ctx.get_executor());
      memory_subscription_store subs(ctx.get_executor());
      bench_store("memory (hops only)", ctx, ents, subs, s);
    }
    for (auto sync : {sqlite_synchronous::full, sqlite_synchronous::normal}) {
      const auto path = s.dir / ("awsmp-bench-stores-" + std::to_string(::getpid()) + ".db");
      {
        asio::io_context ctx;
        sqlite_store_options o;
        o.path = path;
        o.synchronous = sync;
        sqlite_store store(ctx.get_executor(), o);
        bench_store(sync == sqlite_synchronous::full ? "sqlite FULL" : "sqlite NORMAL", ctx, store.entitlements(),
                    store.subscriptions(), s);
      }
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    }
    {
      // Offloaded: the SQL runs on a pool the caller owns; the caller's thread never blocks,
      // and the latency it sees is the SQL plus a cross-thread hop each way.
      asio::io_context ctx;
      asio::thread_pool pool(1);
      const auto path = s.dir / ("awsmp-bench-stores-offload-" + std::to_string(::getpid()) + ".db");
      {
        sqlite_store_options o;
        o.path = path;
        o.blocking_executor = pool.get_executor();
        sqlite_store store(ctx.get_executor(), o);
        bench_store("sqlite FULL offloaded", ctx, store.entitlements(), store.subscriptions(), s);
      }
      pool.join();
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    }
    bench_checker_hits(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "awsmp-bench-stores: %s\n", e.what());
    return 1;
  }
}
