// The billing planner, sans I/O: each decision as a table of (state, time, I/O result) ->
// expected action, in the style of Boost.MySQL's sansio tests.
#include <awsmp/error.hpp>
#include <boost/asio/error.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "billing/billing_planner.hpp"

using namespace awsmp;
using namespace awsmp::detail;
using namespace std::chrono_literals;

namespace {

// 2026-11-25 10:00:00 UTC, and its hour.
const time_point ten = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 10h;
const hour_t h10 = hour_of(ten);

ledger_policy policy(std::int64_t tpu, rounding r = rounding::carry) {
  ledger_policy p;
  p.tokens_per_unit = tpu;
  p.round = r;
  return p;
}

account_state account(std::int64_t open, std::int64_t carried, hour_t last_sealed, hour_t first_usage) {
  return {open, 0, carried, last_sealed, first_usage};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_planner)

BOOST_AUTO_TEST_CASE(hours_floor_before_and_after_epoch) {
  BOOST_TEST(hour_of(time_point(std::chrono::seconds(7199))) == 1);
  BOOST_TEST(hour_of(time_point(std::chrono::seconds(-1))) == -1);
  BOOST_TEST((hour_start(2).time_since_epoch() == std::chrono::seconds(7200)));
  BOOST_TEST((record_stamp(h10 - 1, ten + 5min) == ten - 1s));        // closed hour: HH:59:59
  BOOST_TEST((record_stamp(h10, ten + 5min + 250ms) == ten + 5min));  // current hour: now (whole seconds)
}

// One row: an account, the time, the mode -> the hours (and quantities) sealed.
struct seal_case {
  const char* name;
  account_state a;
  time_point now;
  seal_mode mode;
  bool settle;
  std::vector<std::pair<hour_t, std::int32_t>> parts;  // expected
  bool deferred;
  std::int64_t carried_after;
};

BOOST_AUTO_TEST_CASE(the_hour_rule_table) {
  const auto closed = seal_mode::closed_hour;
  const auto current = seal_mode::current_hour;
  const std::vector<seal_case> cases = {
      {"hourly flush bills the hour that just ended",
       account(5'500, 0, no_hour, h10 - 1),
       ten + 2s,
       closed,
       false,
       {{h10 - 1, 5}},
       false,
       500},
      {"a second flush in the hour finds it taken",
       account(3'000, 0, h10 - 1, h10 - 1),
       ten + 20min,
       closed,
       false,
       {},
       true,
       0},
      {"usage that began in the current hour waits for it to close",
       account(3'000, 0, no_hour, h10),
       ten + 20min,
       closed,
       false,
       {},
       true,
       0},
      {"stop() bills the current hour after the hourly flush",
       account(3'000, 0, h10 - 1, h10),
       ten + 20min,
       current,
       false,
       {{h10, 3}},
       false,
       0},
      {"stop() in an hour that has a record leaves the units open",
       account(3'000, 0, h10, h10),
       ten + 40min,
       current,
       false,
       {},
       true,
       0},
      {"settle rounds the remainder up in the current hour",
       account(1, 999, h10 - 1, h10),
       ten + 1min,
       current,
       true,
       {{h10, 1}},
       false,
       0},
      {"never before the first usage: no closed hour before it",
       account(3'000, 0, no_hour, h10),
       ten + 1min,
       current,
       false,
       {{h10, 3}},
       false,
       0},
      {"a clock that went backwards finds no hour",
       account(3'000, 0, h10 + 2, h10 + 2),
       ten,
       current,
       false,
       {},
       true,
       0},
      {"below one unit: carried, no hour used",
       account(400, 50, h10 - 1, h10),
       ten + 1min,
       current,
       false,
       {},
       false,
       450},
      {"a stale first usage is limited by AWS's window",
       account(3'000, 0, no_hour, h10 - 30),
       ten + 1min,
       closed,
       false,
       {{h10 - 1, 3}},
       false,
       0},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      const auto plan = plan_seal(c.a, c.now, policy(1'000), c.mode, c.settle);
      BOOST_TEST(plan.deferred == c.deferred);
      BOOST_REQUIRE_EQUAL(plan.parts.size(), c.parts.size());
      for (std::size_t i = 0; i < c.parts.size(); ++i) {
        BOOST_TEST(plan.parts[i].hour == c.parts[i].first);
        BOOST_TEST(plan.parts[i].quantity == c.parts[i].second);
        BOOST_TEST(hour_of(plan.parts[i].stamp) ==
                   plan.parts[i].hour);              // the stamp lies in the hour it bills
        BOOST_TEST((plan.parts[i].stamp <= c.now));  // never in the future
      }
      auto after = c.a;
      apply_seal(after, plan);
      BOOST_TEST(after.carried == c.carried_after);
      if (!plan.parts.empty()) BOOST_TEST(after.last_sealed == plan.parts.front().hour);
    }
  }
}

BOOST_AUTO_TEST_CASE(round_up_option_bills_like_the_go_original) {
  auto a = account(1'000, 0, no_hour, h10 - 1);
  auto plan = plan_seal(a, ten + 1s, policy(1'000'000, rounding::round_up), seal_mode::closed_hour, false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 1u);
  BOOST_TEST(plan.parts[0].quantity == 1);
  apply_seal(a, plan);
  BOOST_TEST(a.carried == 0);
  BOOST_TEST(a.first_usage == no_hour);  // nothing unbilled any more
}

BOOST_AUTO_TEST_CASE(quantities_above_int32_split_over_distinct_free_hours_inside_the_window) {
  ledger_policy p = policy(1);
  p.max_quantity = 10;  // the rule with small numbers; the real limit is 2^31-1
  p.max_split_records = 60;
  auto a = account(25, 0, no_hour, h10 - 10);
  auto plan = plan_seal(a, ten + 5min, p, seal_mode::current_hour, false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 3u);
  BOOST_TEST(plan.parts[0].hour == h10);
  BOOST_TEST(plan.parts[1].hour == h10 - 1);
  BOOST_TEST(plan.parts[2].hour == h10 - 2);
  BOOST_TEST(plan.parts[2].quantity == 5);
  // Hours at or before the last seal, before the first usage or outside the window are never
  // used: what does not fit stays carried and is reported.
  auto b = account(100, 0, h10 - 2, h10 - 10);
  plan = plan_seal(b, ten + 5min, p, seal_mode::closed_hour, false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 1u);  // only h10-1 is free and closed
  BOOST_TEST(plan.unplaced_units == 90);
  apply_seal(b, plan);
  BOOST_TEST(b.carried == 90);
  BOOST_TEST(b.last_sealed == h10 - 1);
  auto c = account(1'000, 0, no_hour, h10 - 20);
  plan = plan_seal(c, ten + 5min, p, seal_mode::current_hour, false);
  BOOST_TEST(plan.parts.size() == std::size_t(split_window_hours + 1));
  BOOST_TEST(plan.parts.back().hour == h10 - split_window_hours);
}

BOOST_AUTO_TEST_CASE(real_int32_limit) {
  auto a = account(std::int64_t{3} * 2147483647 + 5, 0, no_hour, h10 - 5);
  auto plan = plan_seal(a, ten, policy(1), seal_mode::current_hour, false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 4u);
  for (const auto& part : plan.parts) BOOST_TEST(part.quantity <= 2147483647);
  BOOST_TEST(plan.units() == std::int64_t{3} * 2147483647 + 5);
}

BOOST_AUTO_TEST_CASE(property_billed_units_plus_carry_equal_tokens_and_hours_never_repeat) {
  const std::uint64_t seed = 20261125;
  BOOST_TEST_MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 200; ++trial) {
    ledger_policy p = policy(std::uniform_int_distribution<std::int64_t>(1, 5'000)(rng));
    p.max_quantity = std::uniform_int_distribution<std::int64_t>(1, 50)(rng);
    account_state a;
    std::int64_t total = 0, billed = 0;
    time_point now = ten;
    std::vector<hour_t> used;
    for (int step = 0; step < 300; ++step) {
      const int action = std::uniform_int_distribution<int>(0, 9)(rng);
      if (action < 7) {
        const auto in = std::uniform_int_distribution<std::int64_t>(0, 20'000)(rng);
        BOOST_REQUIRE(!total_would_overflow(a, in, 0));
        if (a.input == 0 && a.output == 0 && a.carried == 0 && in > 0) a.first_usage = hour_of(now);
        a.input += in;
        total += in;
      } else {
        now += std::chrono::minutes(std::uniform_int_distribution<int>(0, 90)(rng));  // often the same hour
        const auto mode = action == 9 ? seal_mode::current_hour : seal_mode::closed_hour;
        auto plan = plan_seal(a, now, p, mode, false);
        for (const auto& part : plan.parts) {
          BOOST_REQUIRE(std::find(used.begin(), used.end(), part.hour) == used.end());  // one record per hour
          BOOST_REQUIRE(part.hour > a.last_sealed);
          BOOST_REQUIRE(part.hour >= a.first_usage);  // never before the first usage
          BOOST_REQUIRE(hour_of(part.stamp) == part.hour);
          BOOST_REQUIRE(part.stamp <= now);
          BOOST_REQUIRE(part.quantity <= p.max_quantity);
          used.push_back(part.hour);
          billed += part.quantity;
        }
        apply_seal(a, plan);
        BOOST_REQUIRE(a.carried >= 0);
      }
      BOOST_REQUIRE_EQUAL(billed * p.tokens_per_unit + a.carried + a.input + a.output, total);
    }
  }
}

BOOST_AUTO_TEST_CASE(refunds_return_units_and_keep_the_hour_taken) {
  auto a = account(0, 0, h10, no_hour);
  BOOST_TEST(refund(a, 5'000, ten + 3min));
  BOOST_TEST(a.carried == 5'000);
  BOOST_TEST(a.first_usage == h10);
  BOOST_TEST(a.last_sealed == h10);
  // The next seal uses a later hour.
  auto plan = plan_seal(a, ten + 1h + 1s, policy(1'000), seal_mode::closed_hour, false);
  BOOST_TEST(plan.deferred);
  plan = plan_seal(a, ten + 1h + 1s, policy(1'000), seal_mode::current_hour, false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 1u);
  BOOST_TEST(plan.parts[0].hour == h10 + 1);
  auto full = account(INT64_MAX - 1, 0, no_hour, h10);
  BOOST_TEST(!refund(full, 5, ten));
  BOOST_TEST(full.carried == 0);
}

BOOST_AUTO_TEST_CASE(overflow_of_a_customer_total_is_detected) {
  account_state a{INT64_MAX - 10, 0, 5, no_hour, no_hour};
  BOOST_TEST(!total_would_overflow(a, 5, 0));
  BOOST_TEST(total_would_overflow(a, 6, 0));
  BOOST_TEST(total_would_overflow(a, 0, 6));
}

BOOST_AUTO_TEST_CASE(run_ticks_align_to_the_wall_clock_when_the_interval_divides_an_hour) {
  using namespace std::chrono;
  const awsmp::time_point t = ten + 17min + 30s;
  BOOST_TEST((next_tick_delay(t, hours(1)) == nanoseconds(42min + 30s)));
  BOOST_TEST((next_tick_delay(t, minutes(15)) == nanoseconds(12min + 30s)));
  BOOST_TEST((next_tick_delay(t, minutes(1)) == nanoseconds(30s)));
  BOOST_TEST((next_tick_delay(t, minutes(7)) == nanoseconds(7min)));
  BOOST_TEST((next_tick_delay(ten, hours(1)) == nanoseconds(1h)));
}

BOOST_AUTO_TEST_CASE(heartbeat_table) {
  struct row {
    const char* name;
    account_state a;
    time_point now;
    bool due;
  };
  const std::vector<row> rows = {
      {"never sealed, no usage", account(0, 0, no_hour, no_hour), ten + 1s, true},
      {"the closed hour has a record", account(0, 0, h10 - 1, no_hour), ten + 1s, false},
      {"the current hour has one, the closed one not", account(0, 0, h10 - 2, no_hour), ten + 1s, true},
      {"open usage is billed by the seal instead", account(5, 0, no_hour, h10), ten + 1s, false},
      {"a carried remainder does not stop it", account(0, 7, h10 - 3, h10 - 3), ten + 1s, true},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      const auto plan = plan_heartbeat(r.a, r.now);
      BOOST_TEST(plan.parts.empty() == !r.due);
      if (r.due) {
        BOOST_TEST(plan.parts[0].hour == h10 - 1);
        BOOST_TEST(plan.parts[0].quantity == 0);
        BOOST_TEST((plan.parts[0].stamp == ten - 1s));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(failure_table) {
  namespace ae = boost::asio::error;
  using bse = boost::system::system_error;
  struct row {
    const char* name;
    std::function<send_failure()> classify;
    send_failure_kind kind;
    bool maybe_delivered;
  };
  const std::vector<row> rows = {
      {"throttled", [] { return classify_send_failure(aws_error(400, "ThrottlingException", "", "")); },
       send_failure_kind::retry, false},
      {"5xx may follow processing",
       [] { return classify_send_failure(aws_error(503, "ServiceUnavailable", "", "")); },
       send_failure_kind::retry, true},
      {"product code",
       [] { return classify_send_failure(aws_error(400, "InvalidProductCodeException", "", "")); },
       send_failure_kind::fatal, false},
      {"dimension",
       [] { return classify_send_failure(aws_error(400, "InvalidUsageDimensionException", "", "")); },
       send_failure_kind::fatal, false},
      {"license", [] { return classify_send_failure(aws_error(400, "InvalidLicenseException", "", "")); },
       send_failure_kind::fatal, false},
      {"customer identifier",
       [] { return classify_send_failure(aws_error(400, "InvalidCustomerIdentifierException", "", "")); },
       send_failure_kind::fatal, false},
      {"access", [] { return classify_send_failure(aws_error(403, "AccessDeniedException", "", "")); },
       send_failure_kind::fatal, false},
      {"timestamp",
       [] { return classify_send_failure(aws_error(400, "TimestampOutOfBoundsException", "", "")); },
       send_failure_kind::poison, false},
      {"local validation (a session token with a newline)",
       [] { return classify_send_failure(bse(make_error_code(errc::invalid_argument))); },
       send_failure_kind::fatal, false},
      {"no credentials",
       [] { return classify_send_failure(bse(make_error_code(errc::credentials_unavailable))); },
       send_failure_kind::fatal, false},
      {"timeout", [] { return classify_send_failure(bse(make_error_code(errc::timeout))); },
       send_failure_kind::retry, true},
      {"connection refused",
       [] { return classify_send_failure(bse(make_error_code(ae::connection_refused))); },
       send_failure_kind::retry, false},
      {"host not found", [] { return classify_send_failure(bse(make_error_code(ae::host_not_found))); },
       send_failure_kind::retry, false},
      {"connection reset", [] { return classify_send_failure(bse(make_error_code(ae::connection_reset))); },
       send_failure_kind::retry, true},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      const auto f = r.classify();
      BOOST_TEST((f.kind == r.kind));
      BOOST_TEST(f.maybe_delivered == r.maybe_delivered);
    }
  }
}

BOOST_AUTO_TEST_CASE(answer_age_and_redrive_tables) {
  using rs = usage_record_status;
  BOOST_TEST((on_status(rs::success, false) == record_action::retire));
  BOOST_TEST((on_status(rs::success, true) == record_action::retire));
  BOOST_TEST((on_status(rs::customer_not_subscribed, false) == record_action::dead));
  BOOST_TEST((on_status(rs::duplicate_record, false) == record_action::unseal));  // another writer's hour
  BOOST_TEST((on_status(rs::duplicate_record, true) ==
              record_action::dead_in_doubt));  // a resend after a lost answer

  const auto age = std::chrono::minutes(350);
  BOOST_TEST((on_age(ten - 349min, false, ten, age) == record_action::keep));
  BOOST_TEST((on_age(ten - 350min, false, ten, age) == record_action::unseal));
  BOOST_TEST((on_age(ten - 350min, true, ten, age) == record_action::dead_in_doubt));

  BOOST_TEST((on_redrive(ten - 1h, true, false, ten, age) == record_action::keep));
  BOOST_TEST((on_redrive(ten - 1h, true, true, ten, age) == record_action::resend));
  BOOST_TEST((on_redrive(ten - 1h, false, false, ten, age) == record_action::resend));
  BOOST_TEST((on_redrive(ten - 7h, false, false, ten, age) == record_action::unseal));
}

BOOST_AUTO_TEST_CASE(keys_of_both_forms_round_trip_and_never_meet) {
  const auto legacy = billed_customer::legacy("cust-1");
  const auto acct =
      billed_customer::account("123456789012", "arn:aws:license-manager::123456789012:license:l-1");
  BOOST_TEST(account_key(legacy) == "cust-1");
  BOOST_TEST(account_key(acct).front() == '\x01');
  BOOST_TEST((customer_of_key(account_key(legacy)) == legacy));
  BOOST_TEST((customer_of_key(account_key(acct)) == acct));
  usage_record r;
  r.customer_aws_account_id = acct.customer_aws_account_id;
  r.license_arn = acct.license_arn;
  BOOST_TEST(account_key(r) == account_key(acct));
  const auto other =
      billed_customer::account("123456789012", "arn:aws:license-manager::123456789012:license:l-2");
  BOOST_TEST(account_key(other) != account_key(acct));  // two licenses of one account: two customers
}

BOOST_AUTO_TEST_SUITE_END()
