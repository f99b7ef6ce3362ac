// record_usage from many coroutines on a 2-thread io_context while flush, settle, snapshot and
// stop race with it; with and without a journal. Every token must be billed exactly once.
// Sized to stay well below 30 s under TSan.
#include <atomic>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "billing_fakes.hpp"

using namespace awsmp;
using namespace billing_test;

namespace {

// fake_metering is only ever called on the tracker's strand, but the test reads it from the
// main thread after the threads joined; the clock is read from both threads.
struct atomic_clock {
  std::shared_ptr<std::atomic<std::int64_t>> hours = std::make_shared<std::atomic<std::int64_t>>(490'000);
  clock_function function() const {
    return [h = hours] { return time_point(std::chrono::hours(h->load()) + std::chrono::minutes(7)); };
  }
};

void race(bool with_journal) {
  constexpr int callers = 200;
  const int calls_per_caller = with_journal ? 40 : 150;
  constexpr int customers = 37;
  asio::io_context io;
  fake_metering m;
  atomic_clock clock;
  const auto journal = std::filesystem::temp_directory_path() /
                       ("awsmp-concurrency-billing-" + std::to_string(::getpid()) + ".journal");
  std::filesystem::remove(journal);
  token_billing_options o;
  o.tokens_per_unit = 10;
  o.clock = clock.function();
  if (with_journal) {
    o.journal = journal;
    o.compaction_bytes = 16 * 1024;  // compactions race with record_usage too
  }
  token_billing_tracker t(io.get_executor(), "p", m, o);

  std::vector<std::int64_t> recorded(customers, 0);
  std::mutex recorded_mutex;
  std::atomic<int> remaining{callers};
  for (int c = 0; c < callers; ++c) {
    asio::co_spawn(
        io,
        [&, c]() -> awaitable<void> {
          std::mt19937 rng(static_cast<unsigned>(c));
          for (int i = 0; i < calls_per_caller; ++i) {
            const int k = static_cast<int>(rng() % customers);
            const std::int64_t in = rng() % 100, out = rng() % 50;
            auto op = t.record_usage("customer-" + std::to_string(k), in, out);
            co_await std::move(op);
            std::lock_guard lock(recorded_mutex);
            recorded[static_cast<std::size_t>(k)] += in + out;
          }
          if (--remaining == 0) {
            auto stop = t.stop();
            co_await std::move(stop);
          }
        },
        asio::detached);
  }
  // A flusher and a snapshot reader racing with the callers; the clock moves an hour per tick.
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        while (remaining > 0) {
          clock.hours->fetch_add(1);
          auto f = t.flush();
          co_await std::move(f);
          auto s = t.snapshot();
          co_await std::move(s);
          timer.expires_after(std::chrono::milliseconds(2));
          co_await timer.async_wait(asio::use_awaitable);
        }
      },
      asio::detached);
  std::thread second([&] { io.run(); });
  io.run();
  second.join();

  // Bill what the carry kept: the hour moves on, settle every customer.
  clock.hours->fetch_add(1);
  std::int64_t total = 0;
  for (int k = 0; k < customers; ++k) {
    run_sync(io, t.settle("customer-" + std::to_string(k)));
    total += recorded[static_cast<std::size_t>(k)];
  }
  BOOST_TEST(t.stats().records_pending == 0u);
  BOOST_TEST(m.duplicates == 0);
  for (int k = 0; k < customers; ++k) {
    const auto tokens = recorded[static_cast<std::size_t>(k)];
    // Whole units at each flush, the last remainder rounded up by settle.
    BOOST_TEST(m.accepted_units("customer-" + std::to_string(k)) == (tokens + 9) / 10, "customer-" << k);
  }
  BOOST_TEST(t.stats().tokens_recorded == static_cast<std::uint64_t>(total));
  BOOST_TEST(t.stats().record_usage_calls == static_cast<std::uint64_t>(callers * calls_per_caller));
  std::filesystem::remove(journal);
}

}  // namespace

// Destroys the tracker right after `co_await record_usage(...)` (its commit still being
// acknowledged) and right after `co_await stop()`, on a 2-thread io_context: the journal's
// commit loop and stop() must never touch the destroyed tracker (run under ASan and TSan).
void destroy_right_after(bool after_stop) {
  const auto journal = std::filesystem::temp_directory_path() /
                       ("awsmp-destroy-billing-" + std::to_string(::getpid()) + ".journal");
  for (int trial = 0; trial < 30; ++trial) {
    std::filesystem::remove(journal);
    asio::io_context io;
    fake_metering m;
    token_billing_options o;
    o.tokens_per_unit = 10;
    o.journal = journal;
    auto t = std::make_unique<token_billing_tracker>(io.get_executor(), "p", m, o);
    std::atomic<bool> done{false};
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          for (int i = 0; i < 3; ++i) {
            auto rec = t->record_usage("a" + std::to_string(i), 25, 0);
            co_await std::move(rec);
          }
          // The journal's commit loop is still running (it looks for more work on the other thread).
          if (after_stop) {
            auto stop = t->stop();
            co_await std::move(stop);
          }
          t.reset();
          done = true;
        },
        asio::detached);
    std::thread second([&] { io.run(); });
    io.run();
    second.join();
    BOOST_TEST(done.load());
  }
  std::filesystem::remove(journal);
}

BOOST_AUTO_TEST_SUITE(billing_concurrency)

BOOST_AUTO_TEST_CASE(destroying_the_tracker_right_after_record_usage_is_safe) {
  destroy_right_after(false);
}

BOOST_AUTO_TEST_CASE(destroying_the_tracker_right_after_stop_is_safe) {
  destroy_right_after(true);
}

BOOST_AUTO_TEST_CASE(record_usage_flush_and_stop_race_without_journal) {
  race(false);
}

BOOST_AUTO_TEST_CASE(record_usage_flush_and_stop_race_with_journal) {
  race(true);
}

BOOST_AUTO_TEST_SUITE_END()
