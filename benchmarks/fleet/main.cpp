// awsmp-bench-fleet: what fleet metering (token_billing_options::fleet) costs in DynamoDB calls.
//
// Talks to a DynamoDB endpoint (moto on loopback) and an awsmp-emulator process (HTTPS); run.py
// starts both. Two phases, each on its own fresh table:
//   push  one instance touches --push-keys keys, then flushes: DynamoDB calls of that push
//         interval, split into share writes (must be <= keys touched) and the lease/shard reads
//         every flush makes; then a second interval touching half of the keys, and a third
//         touching none.
//   seal  --seal-keys keys, each pushed by --shares-per-key of --instances instances; then one
//         instance takes the lease, seals every key's closed hour, sends the records and deletes
//         them: DynamoDB calls per key, BatchMeterUsage calls per key, wall time, peak RSS.
// Clocks: the pushes happen 65 minutes in the past (the trackers' clock is offset), the seal
// at the real time with seal_grace 0, so the pushed hour is closed without waiting; every
// signature uses the real clock. Prints human-readable lines, or one JSON line per phase with
// --json. Progress goes to stderr.
#include <sys/resource.h>

#include <atomic>
#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/fleet_ledger.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

using namespace awsmp;
using namespace std::chrono_literals;

namespace {

struct bench_options {
  std::string dynamodb;
  std::string metering;
  std::string ca_file;
  std::string product = "prod-demo";
  std::string phases = "push,seal";
  long push_keys = 10'000;
  long seal_keys = 100'000;
  int instances = 3;
  int shares_per_key = 3;
  std::size_t concurrency = 16;
  std::uint32_t shards = 16;
  int id_width = 6;
  bool json = false;
};

[[noreturn]] void usage(int code) {
  std::cerr << "usage: awsmp-bench-fleet --dynamodb URL --metering URL --ca-file PEM\n"
               "         [--phases push,seal] [--push-keys 10000] [--seal-keys 100000]\n"
               "         [--instances 3] [--shares-per-key 3] [--concurrency 16] [--shards 16]\n"
               "         [--product prod-demo] [--id-width 6] [--json]\n"
               "Keys are customer-<id>, id 1..N padded to --id-width digits (awsmp-emulator\n"
               "--customers N --id-width W generates the same subscribers).\n";
  std::exit(code);
}

bench_options parse(int argc, char** argv) {
  bench_options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--json") {
      o.json = true;
      continue;
    }
    if (flag == "--help") usage(0);
    if (i + 1 >= argc) usage(2);
    const std::string v = argv[++i];
    if (flag == "--dynamodb")
      o.dynamodb = v;
    else if (flag == "--metering")
      o.metering = v;
    else if (flag == "--ca-file")
      o.ca_file = v;
    else if (flag == "--product")
      o.product = v;
    else if (flag == "--phases")
      o.phases = v;
    else if (flag == "--push-keys")
      o.push_keys = std::stol(v);
    else if (flag == "--seal-keys")
      o.seal_keys = std::stol(v);
    else if (flag == "--instances")
      o.instances = std::stoi(v);
    else if (flag == "--shares-per-key")
      o.shares_per_key = std::stoi(v);
    else if (flag == "--concurrency")
      o.concurrency = static_cast<std::size_t>(std::stoul(v));
    else if (flag == "--shards")
      o.shards = static_cast<std::uint32_t>(std::stoul(v));
    else if (flag == "--id-width")
      o.id_width = std::stoi(v);
    else
      usage(2);
  }
  if (o.dynamodb.empty() || o.metering.empty() || o.ca_file.empty() || o.push_keys < 2 || o.seal_keys < 1 ||
      o.instances < 1 || o.shares_per_key < 1 || o.shares_per_key > o.instances)
    usage(2);
  return o;
}

double peak_rss_mib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Runs fn(0..n-1) on `ex` with at most `width` in flight; rethrows the first failure at the end.
template <class Fn>
awaitable<void> for_each_concurrently(asio::any_io_executor ex, std::size_t n, std::size_t width, Fn fn) {
  struct shared {
    std::size_t next = 0;
    std::size_t running = 0;
    std::exception_ptr failure;
  };
  auto st = std::make_shared<shared>();
  auto done = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
  st->running = std::min(n, width);
  for (std::size_t w = 0, workers = st->running; w < workers; ++w)
    asio::co_spawn(
        ex,
        [st, n, &fn]() -> awaitable<void> {
          while (st->next < n && !st->failure) {
            const std::size_t i = st->next++;
            try {
              co_await fn(i);
            } catch (...) {
              if (!st->failure) st->failure = std::current_exception();
            }
          }
        },
        [st, done](std::exception_ptr) {
          if (--st->running == 0) done->cancel();
        });
  while (st->running > 0) co_await done->async_wait(asio::as_tuple(asio::use_awaitable));
  if (st->failure) std::rethrow_exception(st->failure);
}

// One fleet member: its own DynamoDB and metering clients and a journaled tracker.
struct member {
  std::unique_ptr<dynamodb::dynamodb_client> db;
  std::unique_ptr<metering_client> metering;
  std::unique_ptr<token_billing_tracker> tracker;
};

class fleet_bench {
 public:
  fleet_bench(asio::io_context& io, bench_options o) : io_(io), o_(std::move(o)) {
    dir_ = std::filesystem::temp_directory_path() / ("awsmp-bench-fleet-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~fleet_bench() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::string key(long i) const {
    std::string id = std::to_string(i + 1);
    if (static_cast<int>(id.size()) < o_.id_width)
      id.insert(0, static_cast<std::size_t>(o_.id_width) - id.size(), '0');
    return "customer-" + id;
  }

  member make_member(const std::string& table, int index) {
    member m;
    client_options d;
    d.endpoint = o_.dynamodb;
    d.timeout = 30s;
    m.db = std::make_unique<dynamodb::dynamodb_client>(io_.get_executor(), dynamo_signer_, d);
    client_options mo;
    mo.endpoint = o_.metering;
    mo.ca_file = o_.ca_file;
    mo.timeout = 30s;
    m.metering = std::make_unique<metering_client>(io_.get_executor(), metering_signer_, mo);
    token_billing_options t;
    t.tokens_per_unit = 1;
    t.dimension = "tokens_1m";
    t.journal = dir_ / (table + "-" + std::to_string(index));
    t.clock = [offset = offset_] {
      return std::chrono::system_clock::now() - std::chrono::seconds(offset->load());
    };
    fleet_options f;
    f.client = m.db.get();
    f.table = table;
    f.instance_id = "i-" + std::to_string(index);
    f.seal_grace = 0s;
    f.shards = o_.shards;
    f.concurrency = o_.concurrency;
    t.fleet = f;
    m.tracker = std::make_unique<token_billing_tracker>(io_.get_executor(), o_.product, *m.metering, t);
    return m;
  }

  // Records `amount` tokens for keys [first, first + n) on one tracker, 256 callers at a time
  // (the journal commits them in groups).
  awaitable<void> touch(member& m, long first, long n, std::int64_t amount) {
    co_await for_each_concurrently(
        io_.get_executor(), static_cast<std::size_t>(n), 256, [&](std::size_t i) -> awaitable<void> {
          co_await m.tracker->record_usage(key(first + static_cast<long>(i)), amount, 0);
        });
  }

  awaitable<void> push_phase() {
    const std::string table = "fleet-push";
    offset_->store(0);
    member m = make_member(table, 0);
    co_await create_fleet_table(*m.db, table);
    // Three push intervals: every key, half of them, none.
    const long touched_per_interval[] = {o_.push_keys, o_.push_keys / 2, 0};
    int n = 0;
    for (const long touched : touched_per_interval) {
      ++n;
      co_await touch(m, 0, touched, 1000);
      const auto calls0 = m.db->stats().requests;
      const auto fleet0 = *m.tracker->stats().fleet;
      const auto t0 = std::chrono::steady_clock::now();
      co_await m.tracker->flush();
      const double wall = seconds_since(t0);
      const auto fleet1 = *m.tracker->stats().fleet;
      const auto calls = m.db->stats().requests - calls0;
      const auto writes = fleet1.share_writes - fleet0.share_writes;
      const auto other = calls - writes;
      const double ratio = touched > 0 ? static_cast<double>(writes) / static_cast<double>(touched) : 0.0;
      if (o_.json)
        std::printf(
            "{\"phase\":\"push\",\"interval\":%d,\"keys_touched\":%ld,\"dynamodb_calls\":%llu,"
            "\"share_writes\":%llu,\"writes_per_key\":%.4f,\"lease_and_shard_reads\":%llu,"
            "\"shards\":%u,\"concurrency\":%zu,\"wall_s\":%.3f}\n",
            n, touched, static_cast<unsigned long long>(calls), static_cast<unsigned long long>(writes),
            ratio, static_cast<unsigned long long>(other), o_.shards, o_.concurrency, wall);
      else
        std::printf(
            "push interval %d: %ld keys touched, %llu DynamoDB calls = %llu share writes (%.4f per key) + "
            "%llu lease/shard reads; %.3f s\n",
            n, touched, static_cast<unsigned long long>(calls), static_cast<unsigned long long>(writes),
            ratio, static_cast<unsigned long long>(other), wall);
      std::fflush(stdout);
      if (m.tracker->stats().fleet->dynamodb_failures != 0)
        throw std::runtime_error("push phase: " + m.tracker->stats().last_error);
    }
    co_await m.tracker->stop();
  }

  awaitable<void> seal_phase() {
    const std::string table = "fleet-seal";
    const long keys = o_.seal_keys;
    // The pushes happen in the hour that ended more than 5 minutes ago by the real clock.
    offset_->store(65 * 60);
    std::vector<member> fleet;
    for (int i = 0; i < o_.instances; ++i) fleet.push_back(make_member(table, i));
    co_await create_fleet_table(*fleet[0].db, table);
    const auto t_push = std::chrono::steady_clock::now();
    // Key k is used on instances k, k+1, ... (mod instances): shares_per_key shares each.
    for (int i = 0; i < o_.instances; ++i) {
      std::vector<long> mine;
      for (long k = 0; k < keys; ++k)
        if ((k % o_.instances + o_.instances - i) % o_.instances < o_.shares_per_key) mine.push_back(k);
      co_await for_each_concurrently(
          io_.get_executor(), mine.size(), 256, [&](std::size_t j) -> awaitable<void> {
            co_await fleet[static_cast<std::size_t>(i)].tracker->record_usage(key(mine[j]), 1000 + i, 0);
          });
      co_await fleet[static_cast<std::size_t>(i)].tracker->flush();
      std::fprintf(stderr, "seal phase: instance %d pushed %zu keys (%.1f s)\n", i, mine.size(),
                   seconds_since(t_push));
    }
    const double push_wall = seconds_since(t_push);
    for (auto& m : fleet)
      if (m.tracker->stats().fleet->dynamodb_failures != 0)
        throw std::runtime_error("seal phase, pushing: " + m.tracker->stats().last_error);

    // Every lease the pushes took was stamped 65 minutes ago and has expired at the real time;
    // the last instance takes it now (it pushed last, so its own flush pushes nothing).
    offset_->store(0);
    member& sealer = fleet.back();
    const auto calls0 = sealer.db->stats().requests;
    const auto bmu0 = sealer.metering->stats().requests;
    const auto fleet0 = *sealer.tracker->stats().fleet;
    const auto t0 = std::chrono::steady_clock::now();
    co_await sealer.tracker->flush();
    const double wall = seconds_since(t0);
    const auto fleet1 = *sealer.tracker->stats().fleet;
    const auto calls = sealer.db->stats().requests - calls0;
    const auto bmu = sealer.metering->stats().requests - bmu0;
    const auto sealed = fleet1.hours_sealed - fleet0.hours_sealed;
    const auto acked = fleet1.records_acknowledged - fleet0.records_acknowledged;
    const auto share_writes = fleet1.share_writes - fleet0.share_writes;
    const auto deletes = (acked + 24) / 25;
    // The rest: one lease PutItem and the Query pages of the shard reads.
    const auto reads = calls - sealed - deletes - share_writes - 1;
    const double k = static_cast<double>(keys);
    if (fleet1.dynamodb_failures != 0)
      throw std::runtime_error("sealing: " + sealer.tracker->stats().last_error);
    if (o_.json)
      std::printf(
          "{\"phase\":\"seal\",\"keys\":%ld,\"instances\":%d,\"shares_per_key\":%d,\"push_wall_s\":%.1f,"
          "\"dynamodb_calls\":%llu,\"transactions\":%llu,\"batch_deletes\":%llu,\"query_pages\":%llu,"
          "\"lease_puts\":1,\"dynamodb_calls_per_key\":%.4f,\"batch_meter_usage_calls\":%llu,"
          "\"batch_meter_usage_per_key\":%.4f,\"records_acknowledged\":%llu,\"wall_s\":%.2f,"
          "\"peak_rss_mib\":%.0f,\"shards\":%u,\"concurrency\":%zu}\n",
          keys, o_.instances, o_.shares_per_key, push_wall, static_cast<unsigned long long>(calls),
          static_cast<unsigned long long>(sealed), static_cast<unsigned long long>(deletes),
          static_cast<unsigned long long>(reads), static_cast<double>(calls) / k,
          static_cast<unsigned long long>(bmu), static_cast<double>(bmu) / k,
          static_cast<unsigned long long>(acked), wall, peak_rss_mib(), o_.shards, o_.concurrency);
    else
      std::printf(
          "seal of %ld keys (%d instances, %d shares per key, pushed in %.1f s): %llu DynamoDB calls "
          "(%llu transactions + %llu BatchWriteItem deletes + %llu Query pages + 1 lease) = %.4f per key; "
          "%llu BatchMeterUsage = %.4f per key; %llu records acknowledged; %.2f s; peak RSS %.0f MiB\n",
          keys, o_.instances, o_.shares_per_key, push_wall, static_cast<unsigned long long>(calls),
          static_cast<unsigned long long>(sealed), static_cast<unsigned long long>(deletes),
          static_cast<unsigned long long>(reads), static_cast<double>(calls) / k,
          static_cast<unsigned long long>(bmu), static_cast<double>(bmu) / k,
          static_cast<unsigned long long>(acked), wall, peak_rss_mib());
    std::fflush(stdout);
    if (static_cast<long>(acked) != keys || sealed != static_cast<std::uint64_t>(keys))
      throw std::runtime_error("seal phase: " + std::to_string(sealed) + " keys sealed and " +
                               std::to_string(acked) + " records acknowledged, expected " +
                               std::to_string(keys));
    // No stop(): its final flush would read the whole table again (the lease has expired by now
    // when the seal took longer than lease_duration), which moto takes minutes to answer at
    // 20 k keys. The trackers are dropped as in a crash; their journals go with the temp dir.
  }

  awaitable<void> run() {
    if (o_.phases.find("push") != std::string::npos) co_await push_phase();
    if (o_.phases.find("seal") != std::string::npos) co_await seal_phase();
  }

 private:
  asio::io_context& io_;
  bench_options o_;
  std::filesystem::path dir_;
  std::shared_ptr<std::atomic<long>> offset_ = std::make_shared<std::atomic<long>>(0);
  static_credentials_provider creds_{
      credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "", std::nullopt}};
  sigv4_signer dynamo_signer_{creds_, "us-east-1", "dynamodb"};
  sigv4_signer metering_signer_{creds_, "us-east-1", "aws-marketplace"};
};

}  // namespace

int main(int argc, char** argv) {
  const bench_options o = parse(argc, argv);
  asio::io_context io;
  fleet_bench bench(io, o);
  int rc = 0;
  asio::co_spawn(io, bench.run(), [&](std::exception_ptr e) {
    io.stop();  // idle pooled connections must not keep the process alive
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::cerr << "awsmp-bench-fleet: " << x.what() << "\n";
      rc = 1;
    }
  });
  io.run();
  return rc;
}
