// token_billing_tracker against a scriptable fake: sealing, minute rule, results, dead
// letters, heartbeats, stop() ordering, journal replay and corrupt journals.
// TODO(lead): migrate to tests/support: temp_dir -> tests/support/temp_dir.hpp.
#include "billing_fakes.hpp"

#include <awsmp/subscription_store.hpp>
#include <awsmp/token_billing_tracker.hpp>

#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include <signal.h>
#include <sys/resource.h>

using namespace awsmp;
using namespace billing_test;

namespace {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() /
           ("awsmp-billing-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

token_billing_options opts(const manual_clock& clock, std::int64_t tpu = 1000) {
  token_billing_options o;
  o.tokens_per_unit = tpu;
  o.clock = clock.function();
  return o;
}

bool throws_code(const std::function<void()>& f, errc code) {
  try {
    f();
  } catch (const boost::system::system_error& e) {
    return e.code() == make_error_code(code);
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_tracker)

BOOST_AUTO_TEST_CASE(bad_input_is_rejected_before_anything_is_recorded) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "prod-1", m, opts(clock));
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage("", 1, 1)); }, errc::invalid_argument));
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage(std::string(256, 'a'), 1, 1)); }, errc::invalid_argument));
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage("a\nb", 1, 1)); }, errc::invalid_argument));
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage("c", -1, 1)); }, errc::invalid_argument));
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage("c", 1, -1)); }, errc::invalid_argument));
  run_sync(io, t.record_usage("c", INT64_MAX - 5, 0));
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage("c", 3, 3)); }, errc::invalid_argument));
  auto snap = run_sync(io, t.snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 1u);
  BOOST_TEST(snap[0].input_tokens == INT64_MAX - 5);
  BOOST_TEST(t.stats().record_usage_calls == 1u);
  // Bad options and product codes fail at construction.
  BOOST_TEST(throws_code([&] { token_billing_tracker bad(io.get_executor(), "", m, opts(clock)); }, errc::invalid_argument));
  auto o = opts(clock);
  o.tokens_per_unit = 0;
  BOOST_TEST(throws_code([&] { token_billing_tracker bad(io.get_executor(), "p", m, o); }, errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(flush_seals_whole_units_and_carries_the_remainder) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "prod-1", m, opts(clock));
  run_sync(io, t.record_usage("alice", 1500, 700));
  run_sync(io, t.record_usage("bob", 999, 0));
  auto snap = run_sync(io, t.snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 2u);
  BOOST_TEST(snap[0].customer_identifier == "alice");
  BOOST_TEST(snap[0].total_tokens == 2200);
  auto out = run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(out.results.size(), 1u);
  BOOST_TEST(out.results[0].record.customer_identifier == "alice");
  BOOST_TEST(out.results[0].record.quantity == 2);
  BOOST_TEST(out.results[0].record.dimension == "tokens_1m");
  BOOST_TEST(out.unprocessed_records.empty());
  BOOST_REQUIRE_EQUAL(m.requests.size(), 1u);
  BOOST_TEST(m.requests[0].product_code == "prod-1");
  // The timestamp is the flush minute (AWS ignores seconds).
  BOOST_TEST((out.results[0].record.timestamp == std::chrono::floor<std::chrono::minutes>(*clock.now)));
  snap = run_sync(io, t.snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 2u);
  BOOST_TEST(snap[0].carried_tokens == 200);
  BOOST_TEST(snap[0].input_tokens == 0);
  BOOST_TEST(snap[1].carried_tokens == 999);
  auto s = t.stats();
  BOOST_TEST(s.records_sealed == 1u);
  BOOST_TEST(s.records_acknowledged == 1u);
  BOOST_TEST(s.records_pending == 0u);
  BOOST_TEST(s.tokens_recorded == 3199u);
}

BOOST_AUTO_TEST_CASE(round_up_option_bills_like_the_go_original) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  auto o = opts(clock, 1'000'000);
  o.round = rounding::round_up;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  run_sync(io, t.record_usage("a", 1000, 0));
  auto out = run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(out.results.size(), 1u);
  BOOST_TEST(out.results[0].record.quantity == 1);
  BOOST_TEST(run_sync(io, t.snapshot()).empty());
}

BOOST_AUTO_TEST_CASE(never_two_records_for_a_customer_in_one_minute) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  run_sync(io, t.record_usage("a", 3000, 0));
  BOOST_TEST(run_sync(io, t.flush()).results.size() == 1u);
  run_sync(io, t.record_usage("a", 2000, 0));
  clock.advance(20s);  // same minute
  BOOST_TEST(run_sync(io, t.flush()).results.empty());
  BOOST_TEST(run_sync(io, t.snapshot()).at(0).input_tokens == 2000);  // stays open
  clock.advance(60s);
  auto out = run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(out.results.size(), 1u);
  BOOST_TEST(out.results[0].record.quantity == 2);
  BOOST_TEST(m.duplicates == 0);
  BOOST_TEST(m.accepted_units("a") == 5);
}

BOOST_AUTO_TEST_CASE(batches_of_25_and_batch_concurrency) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  for (int i = 0; i < 60; ++i) run_sync(io, t.record_usage("c" + std::to_string(i), 1000, 0));
  auto out = run_sync(io, t.flush());
  BOOST_TEST(out.results.size() == 60u);
  BOOST_REQUIRE_EQUAL(m.requests.size(), 3u);
  for (const auto& r : m.requests) BOOST_TEST(r.usage_records.size() <= 25u);
}

BOOST_AUTO_TEST_CASE(unprocessed_records_are_resent_unchanged_until_answered) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  int calls = 0;
  m.handler = [&](const batch_meter_usage_input& in) {
    ++calls;
    batch_meter_usage_output out;
    if (calls <= 4) {
      out.unprocessed_records = in.usage_records;  // AWS did not get to them
      return out;
    }
    return fake_metering::all_success(in);
  };
  auto o = opts(clock);
  o.max_send_rounds = 3;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  run_sync(io, t.record_usage("a", 4000, 0));
  auto out = run_sync(io, t.flush());
  BOOST_TEST(out.results.empty());
  BOOST_REQUIRE_EQUAL(out.unprocessed_records.size(), 1u);
  BOOST_TEST(calls == 3);
  clock.advance(120s);
  run_sync(io, t.record_usage("a", 1000, 0));  // new usage gets a new record; the old is unchanged
  out = run_sync(io, t.flush());
  BOOST_TEST(out.unprocessed_records.empty());
  for (const auto& req : m.requests)
    for (const auto& r : req.usage_records)
      if (r.quantity == 4) BOOST_TEST((r == m.requests[0].usage_records[0]));
  BOOST_TEST(m.accepted_units("a") == 5);
  BOOST_TEST(t.stats().retries >= 3u);
}

BOOST_AUTO_TEST_CASE(every_failure_step_keeps_usage_pending_and_nothing_is_lost) {
  // The fake fails in each way a call can fail; after it recovers, every unit lands once.
  const std::vector<std::function<batch_meter_usage_output(const batch_meter_usage_input&)>> failures = {
      [](const batch_meter_usage_input&) -> batch_meter_usage_output { throw aws_error(400, "ThrottlingException", "slow down", "r1"); },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output { throw aws_error(500, "InternalServiceErrorException", "", "r2"); },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output { throw boost::system::system_error(make_error_code(errc::timeout)); },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw boost::system::system_error(make_error_code(boost::asio::error::connection_reset));
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output { throw boost::system::system_error(make_error_code(errc::malformed_message)); },
      [](const batch_meter_usage_input& in) {  // answered, but without any result
        batch_meter_usage_output out;
        (void)in;
        return out;
      },
  };
  for (std::size_t k = 0; k < failures.size(); ++k) {
    BOOST_TEST_CONTEXT("failure " << k) {
      asio::io_context io;
      fake_metering m;
      manual_clock clock;
      token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
      for (int i = 0; i < 30; ++i) run_sync(io, t.record_usage("c" + std::to_string(i), 1000 + i, 0));
      m.handler = failures[k];
      auto out = run_sync(io, t.flush());
      BOOST_TEST(out.unprocessed_records.size() == 30u);
      BOOST_TEST(t.stats().records_pending == 30u);
      BOOST_TEST((!t.stats().last_error.empty() || k == 5));
      m.handler = nullptr;
      clock.advance(60s);
      out = run_sync(io, t.flush());
      BOOST_TEST(out.unprocessed_records.empty());
      for (int i = 0; i < 30; ++i) BOOST_TEST(m.accepted_units("c" + std::to_string(i)) == 1);
      BOOST_TEST(run_sync(io, t.dead_letters()).empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(fatal_errors_throw_and_keep_the_records) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  run_sync(io, t.record_usage("a", 2000, 0));
  m.handler = [](const batch_meter_usage_input&) -> batch_meter_usage_output {
    throw aws_error(400, "InvalidProductCodeException", "no such product", "r");
  };
  bool threw = false;
  try {
    run_sync(io, t.flush());
  } catch (const aws_error& e) {
    threw = e.type() == "InvalidProductCodeException";
  }
  BOOST_TEST(threw);
  BOOST_TEST(t.stats().records_pending == 1u);
  m.handler = nullptr;
  BOOST_TEST(run_sync(io, t.flush()).results.size() == 1u);
  BOOST_TEST(m.accepted_units("a") == 2);
}

BOOST_AUTO_TEST_CASE(dead_letters_carry_the_reason) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  m.handler = [](const batch_meter_usage_input& in) {
    batch_meter_usage_output out;
    for (const auto& r : in.usage_records) {
      auto status = r.customer_identifier == "gone"  ? usage_record_status::customer_not_subscribed
                    : r.customer_identifier == "dup" ? usage_record_status::duplicate_record
                                                     : usage_record_status::success;
      if (r.customer_identifier == "bad") throw aws_error(400, "InvalidCustomerIdentifierException", "unknown", "r");
      out.results.push_back({r, "", status});
    }
    return out;
  };
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  for (auto id : {"ok", "gone", "dup", "bad"}) run_sync(io, t.record_usage(id, 1000, 0));
  run_sync(io, t.flush());
  auto dead = run_sync(io, t.dead_letters());
  std::map<std::string, std::string> reasons;
  for (const auto& d : dead) reasons[d.record.customer_identifier] = d.reason;
  BOOST_TEST(reasons.size() == 3u);
  BOOST_TEST(reasons["gone"] == "CustomerNotSubscribed");
  BOOST_TEST(reasons["dup"] == "DuplicateRecord");
  BOOST_TEST(reasons["bad"].find("InvalidCustomerIdentifierException") == 0u);
  BOOST_TEST(m.accepted_units("ok") == 1);
  BOOST_TEST(t.stats().records_dead_lettered == 3u);
}

BOOST_AUTO_TEST_CASE(records_nearing_six_hours_are_dead_lettered) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  m.handler = [](const batch_meter_usage_input&) -> batch_meter_usage_output {
    throw aws_error(503, "ServiceUnavailable", "", "r");
  };
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  run_sync(io, t.record_usage("a", 1000, 0));
  run_sync(io, t.flush());
  clock.advance(349min);
  run_sync(io, t.flush());
  BOOST_TEST(run_sync(io, t.dead_letters()).empty());
  clock.advance(2min);
  run_sync(io, t.flush());
  auto dead = run_sync(io, t.dead_letters());
  BOOST_REQUIRE_EQUAL(dead.size(), 1u);
  BOOST_TEST(dead[0].reason.find("expired") == 0u);
  BOOST_TEST(dead[0].record.quantity == 1);
}

BOOST_AUTO_TEST_CASE(hourly_heartbeats_for_active_subscribers_without_usage) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  memory_subscription_store store(io.get_executor());
  for (auto [id, st] : {std::pair{"idle", subscription_status::active}, std::pair{"busy", subscription_status::active},
                        std::pair{"left", subscription_status::unsubscribed}}) {
    subscription s;
    s.customer_identifier = id;
    s.product_code = "p";
    s.status = st;
    run_sync(io, store.put(s));
  }
  auto o = opts(clock);
  o.heartbeat_store = &store;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  run_sync(io, t.record_usage("busy", 3000, 0));
  auto out = run_sync(io, t.flush());
  std::map<std::string, std::int32_t> q;
  for (const auto& r : out.results) q[r.record.customer_identifier] = r.record.quantity;
  BOOST_TEST(q.size() == 2u);
  BOOST_TEST(q["idle"] == 0);
  BOOST_TEST(q["busy"] == 3);
  clock.advance(10min);  // same hour: no second heartbeat
  BOOST_TEST(run_sync(io, t.flush()).results.empty());
  clock.advance(60min);
  out = run_sync(io, t.flush());
  BOOST_TEST(out.results.size() == 2u);  // next hour: both idle now
  BOOST_TEST(t.stats().heartbeats_sealed == 3u);
  BOOST_TEST(m.duplicates == 0);
}

BOOST_AUTO_TEST_CASE(settle_bills_the_remainder_rounded_up) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  run_sync(io, t.record_usage("a", 2500, 0));
  run_sync(io, t.flush());
  BOOST_TEST(m.accepted_units("a") == 2);
  clock.advance(60s);
  BOOST_TEST(run_sync(io, t.settle("a")) == 1);
  BOOST_TEST(m.accepted_units("a") == 3);
  BOOST_TEST(run_sync(io, t.snapshot()).empty());
  BOOST_TEST(run_sync(io, t.settle("nobody")) == 0);
}

BOOST_AUTO_TEST_CASE(stop_cancels_run_then_flushes_and_refuses_more_usage) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  std::vector<std::string> events;
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto run = t.run(std::chrono::hours(1));
    co_await std::move(run);
    events.push_back("run returned, accepted " + std::to_string(m.accepted_units("a")));
  }, asio::detached);
  asio::co_spawn(io, [&]() -> awaitable<void> {
    auto rec = t.record_usage("a", 5000, 0);  // named: see the g++ 12 note in the tracker
    co_await std::move(rec);
    asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
    co_await timer.async_wait(asio::use_awaitable);
    try {
      auto second = t.run(std::chrono::hours(1));
      co_await std::move(second);
    } catch (const boost::system::system_error& e) {
      if (e.code() == make_error_code(errc::invalid_argument)) events.push_back("second run refused");
    }
    co_await t.stop();
    events.push_back("stop returned, accepted " + std::to_string(m.accepted_units("a")));
  }, asio::detached);
  io.run();
  BOOST_REQUIRE_EQUAL(events.size(), 3u);
  std::sort(events.begin(), events.end());
  BOOST_TEST(events[0] == "run returned, accepted 5");
  BOOST_TEST(events[1] == "second run refused");
  BOOST_TEST(events[2] == "stop returned, accepted 5");
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage("a", 1, 0)); }, errc::stopped));
}

BOOST_AUTO_TEST_CASE(journal_replays_usage_carry_pending_and_dead_letters) {
  temp_dir dir;
  manual_clock clock;
  auto o = opts(clock);
  o.journal = dir.path / "billing.journal";
  batch_meter_usage_input first_sent;
  {
    asio::io_context io;
    fake_metering m;
    m.handler = [](const batch_meter_usage_input& in) {
      batch_meter_usage_output out;
      for (const auto& r : in.usage_records)
        if (r.customer_identifier == "gone")
          out.results.push_back({r, "", usage_record_status::customer_not_subscribed});
        else
          out.unprocessed_records.push_back(r);
      return out;
    };
    token_billing_tracker t(io.get_executor(), "p", m, o);
    run_sync(io, t.record_usage("a", 2500, 0));
    run_sync(io, t.record_usage("gone", 1000, 0));
    run_sync(io, t.flush());
    first_sent = m.requests.at(0);
    run_sync(io, t.record_usage("a", 100, 7));
    run_sync(io, t.record_usage("b", 42, 0));
  }  // "crash": nothing else written
  asio::io_context io;
  fake_metering m;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  auto snap = run_sync(io, t.snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 2u);
  BOOST_TEST(snap[0].customer_identifier == "a");
  BOOST_TEST(snap[0].input_tokens == 100);
  BOOST_TEST(snap[0].output_tokens == 7);
  BOOST_TEST(snap[0].carried_tokens == 500);
  BOOST_TEST(snap[1].input_tokens == 42);
  auto dead = run_sync(io, t.dead_letters());
  BOOST_REQUIRE_EQUAL(dead.size(), 1u);
  BOOST_TEST(dead[0].reason == "CustomerNotSubscribed");
  BOOST_TEST(t.stats().records_pending == 1u);
  clock.advance(5s);  // same minute: "a" was sealed in it, so its new usage stays open
  auto out = run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(m.requests.size(), 1u);
  BOOST_REQUIRE_EQUAL(m.requests[0].usage_records.size(), 1u);
  // The pending record goes out exactly as it was first sent.
  auto it = std::find_if(first_sent.usage_records.begin(), first_sent.usage_records.end(),
                         [](const usage_record& r) { return r.customer_identifier == "a"; });
  BOOST_TEST((m.requests[0].usage_records[0] == *it));
}

BOOST_AUTO_TEST_CASE(property_through_the_tracker_billed_plus_unbilled_equals_recorded) {
  // Random streams and flush points (sometimes in the same minute), random throttling: at every
  // step, units accepted by "AWS" x tokens_per_unit + the tracker's unbilled tokens (open,
  // carried, and in pending records) == tokens recorded.
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 20; ++trial) {
    asio::io_context io;
    fake_metering m;
    manual_clock clock;
    const std::int64_t tpu = 1 + static_cast<std::int64_t>(rng() % 3000);
    m.handler = [&rng](const batch_meter_usage_input& in) {
      if (rng() % 4 == 0) throw aws_error(400, "ThrottlingException", "", "");
      return fake_metering::all_success(in);
    };
    token_billing_tracker t(io.get_executor(), "p", m, opts(clock, tpu));
    std::map<std::string, std::int64_t> recorded;
    for (int step = 0; step < 150; ++step) {
      if (rng() % 5 != 0) {
        const std::string id = "c" + std::to_string(rng() % 6);
        const auto in = static_cast<std::int64_t>(rng() % 4000), out = static_cast<std::int64_t>(rng() % 1000);
        run_sync(io, t.record_usage(id, in, out));
        recorded[id] += in + out;
        continue;
      }
      clock.advance(std::chrono::seconds(rng() % 100));
      auto out = run_sync(io, t.flush());
      std::map<std::string, std::int64_t> pending_units;
      for (const auto& r : out.unprocessed_records) pending_units[r.customer_identifier] += r.quantity;
      std::map<std::string, std::int64_t> unbilled;
      for (const auto& u : run_sync(io, t.snapshot())) unbilled[u.customer_identifier] = u.total_tokens;
      for (const auto& [id, tokens] : recorded)
        BOOST_REQUIRE_EQUAL((m.accepted_units(id) + pending_units[id]) * tpu + unbilled[id], tokens);
    }
    BOOST_TEST(m.duplicates == 0);
  }
}

BOOST_AUTO_TEST_CASE(concurrent_callers_share_one_fdatasync) {
  temp_dir dir;
  manual_clock clock;
  auto o = opts(clock);
  o.journal = dir.path / "billing.journal";
  asio::io_context io;
  fake_metering m;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  int completed = 0;
  for (int i = 0; i < 500; ++i)
    asio::co_spawn(io, [&, i]() -> awaitable<void> {
      auto op = t.record_usage("c" + std::to_string(i % 10), 1, 0);
      co_await std::move(op);
      ++completed;
    }, asio::detached);
  io.run();
  BOOST_TEST(completed == 500);
  BOOST_TEST(t.stats().journal_commits >= 1u);
  BOOST_TEST(t.stats().journal_commits <= 5u);  // group commit: not one sync per call
}

BOOST_AUTO_TEST_CASE(a_failed_journal_write_fails_the_callers_and_stops_billing) {
  temp_dir dir;
  manual_clock clock;
  auto o = opts(clock);
  o.journal = dir.path / "billing.journal";
  asio::io_context io;
  fake_metering m;
  std::optional<token_billing_tracker> t;
  t.emplace(io.get_executor(), "p", m, o);
  run_sync(io, t->record_usage("a", 5000, 0));
  // The journal cannot grow past its current size: the next commit fails with EFBIG.
  const auto size = std::filesystem::file_size(o.journal);
  rlimit old{};
  ::getrlimit(RLIMIT_FSIZE, &old);
  auto* previous = ::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = static_cast<rlim_t>(size + 10);
  ::setrlimit(RLIMIT_FSIZE, &small);
  bool first_failed = false, later_refused = false, flush_refused = false;
  try {
    run_sync(io, t->record_usage("a", 1000, 0));
  } catch (const boost::system::system_error& e) {
    first_failed = e.code() == boost::system::error_code(EFBIG, boost::system::system_category());
  }
  try {
    run_sync(io, t->record_usage("b", 1, 0));
  } catch (const boost::system::system_error&) {
    later_refused = true;
  }
  try {
    run_sync(io, t->flush());
  } catch (const boost::system::system_error&) {
    flush_refused = true;
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, previous);
  BOOST_TEST(first_failed);
  BOOST_TEST(later_refused);
  BOOST_TEST(flush_refused);
  BOOST_TEST(m.requests.empty());  // nothing is sent from a state the disk does not have
  // A restart replays what is on disk: the first call only.
  t.reset();
  t.emplace(io.get_executor(), "p", m, o);
  auto snap = run_sync(io, t->snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 1u);
  BOOST_TEST(snap[0].input_tokens == 5000);
  BOOST_TEST(run_sync(io, t->flush()).results.size() == 1u);
  BOOST_TEST(m.accepted_units("a") == 5);
}

BOOST_AUTO_TEST_CASE(a_journal_must_be_a_regular_file) {
  manual_clock clock;
  auto o = opts(clock);
  o.journal = "/dev/null";
  asio::io_context io;
  fake_metering m;
  BOOST_TEST(throws_code([&] { token_billing_tracker t(io.get_executor(), "p", m, o); }, errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(journal_compaction_keeps_the_state) {
  temp_dir dir;
  manual_clock clock;
  auto o = opts(clock);
  o.journal = dir.path / "billing.journal";
  o.compaction_bytes = 2000;
  {
    asio::io_context io;
    fake_metering m;
    token_billing_tracker t(io.get_executor(), "p", m, o);
    for (int i = 0; i < 200; ++i) run_sync(io, t.record_usage("c" + std::to_string(i % 7), 333, 0));
    run_sync(io, t.flush());
    BOOST_TEST(t.stats().journal_compactions == 1u);
    BOOST_TEST(t.stats().journal_bytes < 2000u);
    run_sync(io, t.record_usage("c1", 5, 0));
  }
  asio::io_context io;
  fake_metering m;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  auto snap = run_sync(io, t.snapshot());
  std::int64_t total = 0;
  for (const auto& s : snap) total += s.total_tokens;
  // 200 * 333 = 66600 tokens; the flush billed whole units of 1000 per customer.
  std::int64_t billed = 0;
  for (int c = 0; c < 7; ++c) {
    const std::int64_t tokens = 333 * ((200 - c + 6) / 7);
    billed += tokens / 1000 * 1000;
  }
  BOOST_TEST(total == 66600 - billed + 5);
}

BOOST_AUTO_TEST_CASE(corrupt_or_foreign_journals_fail_construction) {
  temp_dir dir;
  manual_clock clock;
  auto o = opts(clock);
  o.journal = dir.path / "billing.journal";
  {
    asio::io_context io;
    fake_metering m;
    token_billing_tracker t(io.get_executor(), "p", m, o);
    for (int i = 0; i < 20; ++i) run_sync(io, t.record_usage("c", 10, 0));
  }
  std::string bytes;
  {
    std::ifstream in(o.journal, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::string damaged = bytes;
  for (std::size_t i = 40; i < 48; ++i) damaged[i] = static_cast<char>(0xA5 ^ i);
  std::ofstream(o.journal, std::ios::binary | std::ios::trunc) << damaged;
  asio::io_context io;
  fake_metering m;
  BOOST_TEST(throws_code([&] { token_billing_tracker t(io.get_executor(), "p", m, o); }, errc::journal_corrupt));
  std::ofstream(o.journal, std::ios::binary | std::ios::trunc) << "{\"not\": \"a journal\", \"padding\": 1234567890}";
  BOOST_TEST(throws_code([&] { token_billing_tracker t(io.get_executor(), "p", m, o); }, errc::journal_corrupt));
  // The file is left as it was: never silently emptied.
  BOOST_TEST(std::filesystem::file_size(o.journal) > 16u);
  // A torn tail is fine: cut the last 5 bytes.
  std::ofstream(o.journal, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 5);
  token_billing_tracker t(io.get_executor(), "p", m, o);
  auto snap = run_sync(io, t.snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 1u);
  BOOST_TEST(snap[0].input_tokens == 190);  // the last commit (one call) was torn away
}

BOOST_AUTO_TEST_SUITE_END()
