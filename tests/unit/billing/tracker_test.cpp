// token_billing_tracker against a scriptable fake: sealing, the hour rule, both identity forms,
// results, dead letters, heartbeats, stop() ordering, journal replay and corrupt journals.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
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
#include <thread>

#include "billing_fakes.hpp"
#include "support/temp_dir.hpp"

using namespace awsmp;
using namespace billing_test;
using awsmp::test::temp_dir;

namespace {

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
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage(std::string(256, 'a'), 1, 1)); },
                         errc::invalid_argument));
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
  // An empty product code is allowed (account form only), but then the legacy form is refused.
  token_billing_tracker account_only(io.get_executor(), "", m, opts(clock));
  BOOST_TEST(
      throws_code([&] { run_sync(io, account_only.record_usage("a", 1, 0)); }, errc::invalid_argument));
  BOOST_TEST(throws_code([&] { token_billing_tracker bad(io.get_executor(), "bad product", m, opts(clock)); },
                         errc::invalid_argument));
  auto o = opts(clock);
  o.tokens_per_unit = 0;
  BOOST_TEST(
      throws_code([&] { token_billing_tracker bad(io.get_executor(), "p", m, o); }, errc::invalid_argument));
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
  clock.advance(1h);  // the hourly flush bills the hour that just ended
  auto out = run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(out.results.size(), 1u);
  BOOST_TEST(out.results[0].record.customer_identifier == "alice");
  BOOST_TEST(out.results[0].record.quantity == 2);
  BOOST_TEST(out.results[0].record.dimension == "tokens_1m");
  BOOST_TEST(out.unprocessed_records.empty());
  BOOST_REQUIRE_EQUAL(m.requests.size(), 1u);
  BOOST_TEST(m.requests[0].product_code == "prod-1");
  // Stamped with the last second of the hour it bills: inside it, and after the usage began.
  BOOST_TEST((out.results[0].record.timestamp == std::chrono::floor<std::chrono::hours>(*clock.now) - 1s));
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
  clock.advance(1h);
  auto out = run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(out.results.size(), 1u);
  BOOST_TEST(out.results[0].record.quantity == 1);
  BOOST_TEST(run_sync(io, t.snapshot()).empty());
}

BOOST_AUTO_TEST_CASE(never_two_records_for_a_customer_in_one_hour) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  run_sync(io, t.record_usage("a", 3000, 0));
  BOOST_TEST(run_sync(io, t.flush()).results.empty());  // its hour has not ended yet
  clock.advance(1h);
  BOOST_TEST(run_sync(io, t.flush()).results.size() == 1u);
  run_sync(io, t.record_usage("a", 2000, 0));
  clock.advance(20min);  // same hour, any number of flushes
  BOOST_TEST(run_sync(io, t.flush()).results.empty());
  BOOST_TEST(run_sync(io, t.flush()).results.empty());
  BOOST_TEST(run_sync(io, t.snapshot()).at(0).input_tokens == 2000);  // stays open
  clock.advance(1h);
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
  clock.advance(1h);
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
  clock.advance(1h);
  auto out = run_sync(io, t.flush());
  BOOST_TEST(out.results.empty());
  BOOST_REQUIRE_EQUAL(out.unprocessed_records.size(), 1u);
  BOOST_TEST(calls == 3);
  run_sync(io, t.record_usage("a", 1000, 0));  // new usage gets a new record; the old is unchanged
  clock.advance(1h);
  out = run_sync(io, t.flush());
  BOOST_TEST(out.unprocessed_records.empty());
  for (const auto& req : m.requests)
    for (const auto& r : req.usage_records)
      if (r.quantity == 4) BOOST_TEST((r == m.requests[0].usage_records[0]));
  BOOST_TEST(m.accepted_units("a") == 5);
  BOOST_TEST(t.stats().retries >= 3u);
}

// Issue 11: a Status AWS adds later affects only its own record: it stays pending (resent
// unchanged, marked possibly delivered), the error is visible in stats(), and the rest of the
// batch is retired as usual.
BOOST_AUTO_TEST_CASE(an_unknown_status_keeps_only_that_record_pending) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  int calls = 0;
  m.handler = [&](const batch_meter_usage_input& in) {
    ++calls;
    auto out = fake_metering::all_success(in);
    if (calls == 1)
      for (auto& r : out.results)
        if (r.record.customer_identifier == "b") r.status = usage_record_status::unknown;
    return out;
  };
  auto o = opts(clock);
  o.max_send_rounds = 1;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  run_sync(io, t.record_usage("a", 3000, 0));
  run_sync(io, t.record_usage("b", 2000, 0));
  clock.advance(1h);
  auto out = run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(out.results.size(), 2u);
  BOOST_TEST(t.stats().records_acknowledged == 1u);
  BOOST_TEST(t.stats().records_pending == 1u);
  BOOST_TEST(t.stats().records_dead_lettered == 0u);
  BOOST_TEST(t.stats().last_error.find("Status awsmp does not know") != std::string::npos);
  out = run_sync(io, t.flush());  // the pending record goes again, unchanged
  BOOST_TEST(t.stats().records_pending == 0u);
  BOOST_TEST(m.accepted_units("a") == 3);
  BOOST_TEST(m.accepted_units("b") == 2);
  BOOST_REQUIRE(m.requests.size() >= 2u);
  BOOST_REQUIRE_EQUAL(m.requests.back().usage_records.size(), 1u);
  const auto& first = m.requests[0].usage_records;
  const auto b = std::find_if(first.begin(), first.end(),
                              [](const usage_record& r) { return r.customer_identifier == "b"; });
  BOOST_REQUIRE(b != first.end());
  BOOST_TEST((m.requests.back().usage_records[0] == *b));  // resent byte for byte
  BOOST_TEST(run_sync(io, t.dead_letters()).empty());
}

BOOST_AUTO_TEST_CASE(every_failure_step_keeps_usage_pending_and_nothing_is_lost) {
  // The fake fails in each way a call can fail; after it recovers, every unit lands once.
  const std::vector<std::function<batch_meter_usage_output(const batch_meter_usage_input&)>> failures = {
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw aws_error(400, "ThrottlingException", "slow down", "r1");
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw aws_error(500, "InternalServiceErrorException", "", "r2");
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw boost::system::system_error(make_error_code(errc::timeout));
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw boost::system::system_error(make_error_code(boost::asio::error::connection_reset));
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw boost::system::system_error(make_error_code(errc::malformed_message));
      },
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
      clock.advance(1h);
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
  clock.advance(1h);
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

BOOST_AUTO_TEST_CASE(dead_letters_carry_the_reason_and_a_taken_hour_goes_back_to_open_usage) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  m.handler = [](const batch_meter_usage_input& in) {
    batch_meter_usage_output out;
    for (const auto& r : in.usage_records) {
      auto status = r.customer_identifier == "gone"  ? usage_record_status::customer_not_subscribed
                    : r.customer_identifier == "dup" ? usage_record_status::duplicate_record
                                                     : usage_record_status::success;
      if (r.customer_identifier == "bad") throw aws_error(400, "InvalidTagException", "bad tag", "r");
      out.results.push_back({r, "", status});
    }
    return out;
  };
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  for (auto id : {"ok", "gone", "dup", "bad"}) run_sync(io, t.record_usage(id, 1000, 0));
  clock.advance(1h);
  run_sync(io, t.flush());
  auto dead = run_sync(io, t.dead_letters());
  std::map<std::string, dead_letter> by_id;
  for (const auto& d : dead) by_id[d.record.customer_identifier] = d;
  BOOST_TEST(by_id.size() == 2u);
  BOOST_TEST(by_id["gone"].reason == "CustomerNotSubscribed");
  BOOST_TEST(!by_id["gone"].in_doubt);
  BOOST_TEST(by_id["gone"].sends == 2u);  // once with "bad", once isolated
  BOOST_TEST(by_id["bad"].reason.find("InvalidTagException") == 0u);
  BOOST_TEST(m.accepted_units("ok") == 1);
  BOOST_TEST(t.stats().records_dead_lettered == 2u);
  // DuplicateRecord on the first transmission: another writer holds that hour. No dead
  // letter: the unit is open usage again, billed in the next free hour.
  auto snap = run_sync(io, t.snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 1u);
  BOOST_TEST(snap[0].customer_identifier == "dup");
  BOOST_TEST(snap[0].carried_tokens == 1000);
  BOOST_TEST(t.stats().units_unsealed == 1u);
  m.handler = nullptr;
  clock.advance(1h);
  run_sync(io, t.flush());
  BOOST_TEST(m.accepted_units("dup") == 1);
  BOOST_TEST(run_sync(io, t.snapshot()).empty());
}

BOOST_AUTO_TEST_CASE(record_independent_errors_never_dead_letter) {
  // Errors about the seller's setup, not about any record: the flush throws, every record
  // stays pending, stats() says why; once fixed, everything is billed once.
  const std::vector<std::function<batch_meter_usage_output(const batch_meter_usage_input&)>> failures = {
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw aws_error(400, "InvalidUsageDimensionException", "", "r");
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw aws_error(400, "InvalidCustomerIdentifierException", "", "r");
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw aws_error(400, "InvalidLicenseException", "", "r");
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw aws_error(403, "AccessDeniedException", "", "r");
      },
      // A trailing newline in AWS_SESSION_TOKEN is refused by local validation before sending.
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw boost::system::system_error(make_error_code(errc::invalid_argument),
                                          "session token: control characters");
      },
      [](const batch_meter_usage_input&) -> batch_meter_usage_output {
        throw boost::system::system_error(make_error_code(errc::credentials_unavailable));
      },
  };
  for (std::size_t k = 0; k < failures.size(); ++k) {
    BOOST_TEST_CONTEXT("failure " << k) {
      asio::io_context io;
      fake_metering m;
      manual_clock clock;
      token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
      for (int i = 0; i < 3; ++i) run_sync(io, t.record_usage("c" + std::to_string(i), 2000, 0));
      clock.advance(1h);
      m.handler = failures[k];
      bool threw = false;
      try {
        run_sync(io, t.flush());
      } catch (const boost::system::system_error&) {
        threw = true;
      }
      BOOST_TEST(threw);
      BOOST_TEST(run_sync(io, t.dead_letters()).empty());
      BOOST_TEST(t.stats().records_pending == 3u);
      BOOST_TEST(!t.stats().last_error.empty());
      m.handler = nullptr;
      clock.advance(10min);
      run_sync(io, t.flush());
      for (int i = 0; i < 3; ++i) BOOST_TEST(m.accepted_units("c" + std::to_string(i)) == 2);
      BOOST_TEST(t.stats().records_pending == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(records_that_may_have_reached_aws_age_out_as_dead_letters_in_doubt) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  m.handler = [](const batch_meter_usage_input&) -> batch_meter_usage_output {
    throw aws_error(503, "ServiceUnavailable", "", "r");  // may come after processing
  };
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  run_sync(io, t.record_usage("a", 1000, 0));
  clock.advance(1h);  // 11:00:30; the record is stamped 10:59:59
  run_sync(io, t.flush());
  clock.advance(348min);
  run_sync(io, t.flush());
  BOOST_TEST(run_sync(io, t.dead_letters()).empty());
  clock.advance(2min);
  run_sync(io, t.flush());
  auto dead = run_sync(io, t.dead_letters());
  BOOST_REQUIRE_EQUAL(dead.size(), 1u);
  BOOST_TEST(dead[0].reason.find("expired in doubt") == 0u);
  BOOST_TEST(dead[0].in_doubt);
  BOOST_TEST(dead[0].sends >= 2u);
  BOOST_TEST(dead[0].record.quantity == 1);
  // Re-drive refuses it unless forced; forced, it is billed again in a free hour.
  BOOST_TEST(run_sync(io, t.redrive_dead_letters()) == 0u);
  BOOST_TEST(run_sync(io, t.redrive_dead_letters(true)) == 1u);
  BOOST_TEST(run_sync(io, t.dead_letters()).empty());
  m.handler = nullptr;
  clock.advance(1h);
  run_sync(io, t.flush());
  BOOST_TEST(m.accepted_units("a") == 1);
}

BOOST_AUTO_TEST_CASE(an_outage_longer_than_six_hours_loses_nothing) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  m.handler = [](const batch_meter_usage_input&) -> batch_meter_usage_output {
    throw boost::system::system_error(make_error_code(boost::asio::error::connection_refused));
  };
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  std::int64_t recorded = 0;
  for (int hour = 0; hour < 9; ++hour) {  // nine hourly flushes, none reaches AWS
    run_sync(io, t.record_usage("a", 1000 + hour * 1000, 0));
    recorded += 1000 + hour * 1000;
    clock.advance(1h);
    run_sync(io, t.flush());
  }
  BOOST_TEST(run_sync(io, t.dead_letters()).empty());
  BOOST_TEST(t.stats().units_unsealed > 0u);  // aged-out records went back to open usage
  m.handler = nullptr;
  for (int hour = 0; hour < 3; ++hour) {
    clock.advance(1h);
    run_sync(io, t.flush());
  }
  BOOST_TEST(m.accepted_units("a") * 1000 == recorded);
  BOOST_TEST(m.duplicates == 0);
  BOOST_TEST(run_sync(io, t.dead_letters()).empty());
}

BOOST_AUTO_TEST_CASE(hourly_heartbeats_for_active_subscribers_without_usage) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  memory_subscription_store store(io.get_executor());
  for (auto [id, st] :
       {std::pair{"idle", subscription_status::active}, std::pair{"busy", subscription_status::active},
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
  clock.advance(1h);
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
  clock.advance(1h);
  run_sync(io, t.flush());
  BOOST_TEST(m.accepted_units("a") == 2);
  clock.advance(60s);
  BOOST_TEST(run_sync(io, t.settle("a")) == 1);  // the current hour, stamped now
  BOOST_TEST(m.accepted_units("a") == 3);
  BOOST_TEST(m.duplicates == 0);
  BOOST_TEST(run_sync(io, t.snapshot()).empty());
  BOOST_TEST(run_sync(io, t.settle("nobody")) == 0);
  // Its current hour is taken now: settle never waits, the usage stays open, even when the
  // clock goes backwards.
  run_sync(io, t.record_usage("a", 10, 0));
  BOOST_TEST(run_sync(io, t.settle("a")) == 0);
  clock.advance(-3h);
  BOOST_TEST(run_sync(io, t.settle("a")) == 0);
  BOOST_TEST(run_sync(io, t.snapshot()).at(0).input_tokens == 10);
}

BOOST_AUTO_TEST_CASE(stop_cancels_run_then_flushes_and_refuses_more_usage) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  std::vector<std::string> events;
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        auto run = t.run(std::chrono::hours(1));
        co_await std::move(run);
        events.push_back("run returned, accepted " + std::to_string(m.accepted_units("a")));
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
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
      },
      asio::detached);
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
  o.journal = dir.path() / "billing.journal";
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
    clock.advance(1h);
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
  clock.advance(5s);  // "a"'s new usage began in the current hour: it stays open
  auto out = run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(m.requests.size(), 1u);
  BOOST_REQUIRE_EQUAL(m.requests[0].usage_records.size(), 1u);
  // The pending record goes out exactly as it was first sent.
  auto it = std::find_if(first_sent.usage_records.begin(), first_sent.usage_records.end(),
                         [](const usage_record& r) { return r.customer_identifier == "a"; });
  BOOST_TEST((m.requests[0].usage_records[0] == *it));
}

BOOST_AUTO_TEST_CASE(property_through_the_tracker_billed_plus_unbilled_equals_recorded) {
  // Random streams and flush points (often in the same hour), random throttling: at every
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
        const auto in = static_cast<std::int64_t>(rng() % 4000),
                   out = static_cast<std::int64_t>(rng() % 1000);
        run_sync(io, t.record_usage(id, in, out));
        recorded[id] += in + out;
        continue;
      }
      clock.advance(std::chrono::seconds(rng() % 2400));
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
  o.journal = dir.path() / "billing.journal";
  asio::io_context io;
  fake_metering m;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  int completed = 0;
  for (int i = 0; i < 500; ++i)
    asio::co_spawn(
        io,
        [&, i]() -> awaitable<void> {
          auto op = t.record_usage("c" + std::to_string(i % 10), 1, 0);
          co_await std::move(op);
          ++completed;
        },
        asio::detached);
  io.run();
  BOOST_TEST(completed == 500);
  BOOST_TEST(t.stats().journal_commits >= 1u);
  BOOST_TEST(t.stats().journal_commits <= 5u);  // group commit: not one sync per call
}

BOOST_AUTO_TEST_CASE(a_failed_journal_write_fails_the_callers_and_stops_billing) {
  temp_dir dir;
  manual_clock clock;
  auto o = opts(clock);
  o.journal = dir.path() / "billing.journal";
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
  clock.advance(1h);
  BOOST_TEST(run_sync(io, t->flush()).results.size() == 1u);
  BOOST_TEST(m.accepted_units("a") == 5);
}

BOOST_AUTO_TEST_CASE(a_journal_must_be_a_regular_file) {
  manual_clock clock;
  auto o = opts(clock);
  o.journal = "/dev/null";
  asio::io_context io;
  fake_metering m;
  BOOST_TEST(
      throws_code([&] { token_billing_tracker t(io.get_executor(), "p", m, o); }, errc::invalid_argument));
}

BOOST_AUTO_TEST_CASE(journal_compaction_keeps_the_state) {
  temp_dir dir;
  manual_clock clock;
  auto o = opts(clock);
  o.journal = dir.path() / "billing.journal";
  o.compaction_bytes = 2000;
  {
    asio::io_context io;
    fake_metering m;
    token_billing_tracker t(io.get_executor(), "p", m, o);
    for (int i = 0; i < 200; ++i) run_sync(io, t.record_usage("c" + std::to_string(i % 7), 333, 0));
    clock.advance(1h);
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
  o.journal = dir.path() / "billing.journal";
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
  BOOST_TEST(
      throws_code([&] { token_billing_tracker t(io.get_executor(), "p", m, o); }, errc::journal_corrupt));
  std::ofstream(o.journal, std::ios::binary | std::ios::trunc)
      << "{\"not\": \"a journal\", \"padding\": 1234567890}";
  BOOST_TEST(
      throws_code([&] { token_billing_tracker t(io.get_executor(), "p", m, o); }, errc::journal_corrupt));
  // The file is left as it was: never silently emptied.
  BOOST_TEST(std::filesystem::file_size(o.journal) > 16u);
  // A torn tail is fine: cut the last 5 bytes.
  std::ofstream(o.journal, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() - 5);
  token_billing_tracker t(io.get_executor(), "p", m, o);
  auto snap = run_sync(io, t.snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 1u);
  BOOST_TEST(snap[0].input_tokens == 190);  // the last commit (one call) was torn away
}

BOOST_AUTO_TEST_CASE(same_hour_sequences_bill_every_unit_once_without_a_journal) {
  // Against a fake that deduplicates like AWS (one record per customer, dimension and hour).
  struct step {
    enum kind { use, flush, stop, settle, advance } k;
    std::int64_t n = 0;
  };
  using s = step;
  const std::vector<std::pair<const char*, std::vector<step>>> sequences = {
      {"two and more flushes in one hour",
       {{s::use, 2000},
        {s::advance, 3600},
        {s::flush},
        {s::use, 3000},
        {s::flush},
        {s::advance, 600},
        {s::flush},
        {s::advance, 3600},
        {s::flush}}},
      {"hourly flush, usage, stop() in the same hour",
       {{s::use, 2000}, {s::advance, 3600}, {s::flush}, {s::use, 3000}, {s::advance, 60}, {s::stop}}},
      {"flush, then settle() in the same hour",
       {{s::use, 2500}, {s::advance, 3600}, {s::flush}, {s::use, 1200}, {s::settle}}},
      {"first usage mid-hour, stop() in that hour", {{s::advance, 1700}, {s::use, 4000}, {s::stop}}},
  };
  for (const auto& [name, steps] : sequences) {
    BOOST_TEST_CONTEXT(name) {
      asio::io_context io;
      fake_metering m;
      manual_clock clock;
      token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
      std::int64_t recorded = 0;
      awsmp::time_point first_use{};
      for (const auto& st : steps) {
        switch (st.k) {
          case step::use:
            if (recorded == 0) first_use = *clock.now;
            run_sync(io, t.record_usage("a", st.n, 0));
            recorded += st.n;
            break;
          case step::flush:
            run_sync(io, t.flush());
            break;
          case step::stop:
            run_sync(io, t.stop());
            break;
          case step::settle:
            run_sync(io, t.settle("a"));
            break;
          case step::advance:
            clock.advance(std::chrono::seconds(st.n));
            break;
        }
      }
      const bool settled = std::string(name).find("settle") != std::string::npos;
      BOOST_TEST(m.accepted_units("a") ==
                 (settled ? (recorded + 999) / 1000 : recorded / 1000));  // settle rounds up
      BOOST_TEST(m.duplicates == 0);
      BOOST_TEST(run_sync(io, t.dead_letters()).empty());
      BOOST_TEST(t.stats().units_unbilled == 0u);
      for (const auto& req : m.requests)
        for (const auto& r : req.usage_records)
          BOOST_TEST((r.timestamp >= std::chrono::floor<std::chrono::seconds>(first_use)));
    }
  }
}

BOOST_AUTO_TEST_CASE(stop_in_an_hour_that_has_a_record_reports_units_left_unbilled) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  run_sync(io, t.record_usage("a", 2000, 0));
  BOOST_TEST(run_sync(io, t.bill_now(billed_customer::legacy("a"))) == 2);  // the current hour
  run_sync(io, t.record_usage("a", 3000, 0));
  run_sync(io, t.stop());
  BOOST_TEST(m.accepted_units("a") == 2);
  BOOST_TEST(m.duplicates == 0);
  BOOST_TEST(t.stats().units_unbilled == 3u);
}

BOOST_AUTO_TEST_CASE(quantities_above_int32_split_over_hours_without_duplicates) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock, 1));
  const std::int64_t big = std::int64_t{2147483647} * 2 + 10;
  clock.advance(-3h);
  run_sync(io, t.record_usage("a", big, 0));
  clock.advance(3h);
  run_sync(io, t.stop());
  BOOST_TEST(m.accepted_units("a") == big);
  BOOST_TEST(m.accepted_records("a") == 3u);
  BOOST_TEST(m.duplicates == 0);
}

BOOST_AUTO_TEST_CASE(account_form_records_carry_account_and_license_and_no_product_code) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "", m, opts(clock));  // no product code: account form only
  const auto l1 = billed_customer::account(
      "123456789012", "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef");
  const auto l2 = billed_customer::account(
      "123456789012", "arn:aws:license-manager::123456789012:license:l-fedcba9876543210fedcba9876543210");
  run_sync(io, t.record_usage(l1, 2000, 0));
  run_sync(io, t.record_usage(l2, 3000, 0));
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage("legacy", 1, 0)); }, errc::invalid_argument));
  auto snap = run_sync(io, t.snapshot());
  BOOST_REQUIRE_EQUAL(snap.size(), 2u);
  BOOST_TEST((snap[0].customer == l1));
  BOOST_TEST(snap[0].customer_identifier.empty());
  clock.advance(1h);
  run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(m.requests.size(), 1u);
  BOOST_TEST(m.requests[0].product_code.empty());
  for (const auto& r : m.requests[0].usage_records) {
    BOOST_TEST(r.customer_identifier.empty());
    BOOST_TEST(r.customer_aws_account_id == "123456789012");
  }
  BOOST_TEST(m.accepted_units("123456789012/" + l1.license_arn) == 2);
  BOOST_TEST(m.accepted_units("123456789012/" + l2.license_arn) == 3);
}

BOOST_AUTO_TEST_CASE(both_forms_in_one_tracker_go_in_separate_requests) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "prod-1", m, opts(clock));
  const auto acct = billed_customer::account(
      "123456789012", "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef");
  run_sync(io, t.record_usage(acct, 2000, 0));
  run_sync(io, t.record_usage(billed_customer::legacy("cust"), 1000, 0));
  clock.advance(1h);
  run_sync(io, t.flush());
  BOOST_REQUIRE_EQUAL(m.requests.size(), 2u);
  for (const auto& req : m.requests) {
    BOOST_REQUIRE_EQUAL(req.usage_records.size(), 1u);
    BOOST_TEST(req.product_code == (req.usage_records[0].customer_identifier.empty() ? "" : "prod-1"));
  }
  BOOST_TEST(run_sync(io, t.settle(acct)) == 0);  // nothing left
}

BOOST_AUTO_TEST_CASE(one_identifier_rule_refuses_bad_identities_before_anything_is_recorded) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage(std::string("bad\xff\xfe"), 1, 0)); },
                         errc::invalid_argument));
  billed_customer mixed = billed_customer::account(
      "123456789012", "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef");
  mixed.customer_identifier = "also";
  BOOST_TEST(throws_code([&] { run_sync(io, t.record_usage(mixed, 1, 0)); }, errc::invalid_argument));
  BOOST_TEST(
      throws_code([&] { run_sync(io, t.record_usage(billed_customer::account("12ab", "arn:x"), 1, 0)); },
                  errc::invalid_argument));
  BOOST_TEST(run_sync(io, t.snapshot()).empty());
  BOOST_TEST(t.stats().record_usage_calls == 0u);
}

BOOST_AUTO_TEST_CASE(record_usage_racing_stop_is_billed_or_refused_never_dropped) {
  for (int trial = 0; trial < 20; ++trial) {
    asio::io_context io;
    fake_metering m;
    manual_clock clock;
    token_billing_tracker t(io.get_executor(), "p", m, opts(clock, 1));
    std::atomic<std::int64_t> accepted{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int k = 0; k < 3; ++k)
      threads.emplace_back([&, k] {
        asio::io_context local;
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < 2000; ++i) {
          try {
            run_sync(local, t.record_usage("c" + std::to_string(k), 1, 0));
            ++accepted;
          } catch (const boost::system::system_error&) {
          }
        }
      });
    go = true;
    run_sync(io, t.stop());
    for (auto& th : threads) th.join();
    std::int64_t billed = 0;
    for (int k = 0; k < 3; ++k) billed += m.accepted_units("c" + std::to_string(k));
    BOOST_TEST(billed + static_cast<std::int64_t>(t.stats().units_unbilled) == accepted.load());
  }
}

BOOST_AUTO_TEST_CASE(a_second_tracker_on_the_same_journal_is_refused_even_after_compaction) {
  temp_dir dir;
  manual_clock clock;
  auto o = opts(clock);
  o.journal = dir.path() / "billing.journal";
  o.compaction_bytes = 200;
  asio::io_context io;
  fake_metering m;
  token_billing_tracker t(io.get_executor(), "p", m, o);
  auto refused = [&] {
    try {
      token_billing_tracker second(io.get_executor(), "p", m, o);
    } catch (const boost::system::system_error& e) {
      return e.code() == boost::system::error_code(EWOULDBLOCK, boost::system::system_category());
    }
    return false;
  };
  BOOST_TEST(refused());
  for (int i = 0; i < 20; ++i) run_sync(io, t.record_usage("c" + std::to_string(i), 10, 0));
  clock.advance(1h);
  run_sync(io, t.flush());
  BOOST_TEST(t.stats().journal_compactions >= 1u);  // the path names a new inode now
  BOOST_TEST(refused());
}

BOOST_AUTO_TEST_CASE(redrive_resends_fresh_dead_letters_unchanged) {
  asio::io_context io;
  fake_metering m;
  manual_clock clock;
  bool subscribed = false;
  m.handler = [&](const batch_meter_usage_input& in) {
    if (subscribed) return m.like_aws(in);
    batch_meter_usage_output out;
    for (const auto& r : in.usage_records)
      out.results.push_back({r, "", usage_record_status::customer_not_subscribed});
    return out;
  };
  token_billing_tracker t(io.get_executor(), "p", m, opts(clock));
  run_sync(io, t.record_usage("late", 3000, 0));
  clock.advance(1h);
  run_sync(io, t.flush());
  auto dead = run_sync(io, t.dead_letters());
  BOOST_REQUIRE_EQUAL(dead.size(), 1u);
  BOOST_TEST(!dead[0].in_doubt);
  subscribed = true;
  BOOST_TEST(run_sync(io, t.redrive_dead_letters()) == 1u);
  run_sync(io, t.flush());
  BOOST_TEST(m.accepted_units("late") == 3);
  BOOST_TEST((m.requests.back().usage_records.at(0) == dead[0].record));
}

BOOST_AUTO_TEST_SUITE_END()
