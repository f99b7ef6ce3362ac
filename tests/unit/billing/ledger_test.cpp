// The pure billing arithmetic: exact numbers, the minute rule, splitting, batching, results.
#include "billing/usage_ledger.hpp"

#include <awsmp/error.hpp>

#include <boost/test/unit_test.hpp>

#include <random>

using namespace awsmp;
using namespace awsmp::detail;

namespace {

ledger_policy policy(std::int64_t tpu, rounding r = rounding::carry) {
  ledger_policy p;
  p.tokens_per_unit = tpu;
  p.round = r;
  return p;
}

usage_record rec(std::string id, minute_t m, std::int32_t q = 1) {
  usage_record r;
  r.customer_identifier = std::move(id);
  r.dimension = "tokens_1m";
  r.quantity = q;
  r.timestamp = minute_start(m);
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_ledger)

BOOST_AUTO_TEST_CASE(minutes_floor_before_and_after_epoch) {
  BOOST_TEST(minute_of(time_point(std::chrono::seconds(119))) == 1);
  BOOST_TEST(minute_of(time_point(std::chrono::seconds(-1))) == -1);
  BOOST_TEST(minute_start(2).time_since_epoch() == std::chrono::seconds(120));
}

BOOST_AUTO_TEST_CASE(carry_bills_whole_units_and_carries_the_rest) {
  account_state a{1'500'000, 700'000, 300'000, never_sealed};
  auto plan = plan_seal(a, 100, policy(1'000'000), false);
  BOOST_TEST(!plan.deferred);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 1u);
  BOOST_TEST(plan.parts[0].quantity == 2);
  BOOST_TEST(plan.parts[0].minute == 100);
  apply_seal(a, plan);
  BOOST_TEST(a.input == 0);
  BOOST_TEST(a.output == 0);
  BOOST_TEST(a.carried == 500'000);
  BOOST_TEST(a.last_sealed == 100);
}

BOOST_AUTO_TEST_CASE(round_up_reproduces_the_go_original) {
  // The Go package billed ceil(total / tokens_per_unit) at every flush with usage.
  account_state a{1'000, 0, 0, never_sealed};
  auto plan = plan_seal(a, 5, policy(1'000'000, rounding::round_up), false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 1u);
  BOOST_TEST(plan.parts[0].quantity == 1);
  apply_seal(a, plan);
  BOOST_TEST(a.carried == 0);
  a.input = 2'000'001;
  plan = plan_seal(a, 6, policy(1'000'000, rounding::round_up), false);
  BOOST_TEST(plan.units() == 3);
  apply_seal(a, plan);
  plan = plan_seal(a, 7, policy(1'000'000, rounding::round_up), false);
  BOOST_TEST(plan.parts.empty());  // no usage: no record
}

BOOST_AUTO_TEST_CASE(below_one_unit_joins_the_carry_without_a_record) {
  account_state a{400, 500, 50, 10};
  auto plan = plan_seal(a, 10, policy(1'000), false);  // same minute, but no record is needed
  BOOST_TEST(!plan.deferred);
  BOOST_TEST(plan.parts.empty());
  apply_seal(a, plan);
  BOOST_TEST(a.carried == 950);
  BOOST_TEST(a.input + a.output == 0);
  BOOST_TEST(a.last_sealed == 10);
}

BOOST_AUTO_TEST_CASE(minute_rule_defers_a_second_record_in_the_same_minute) {
  account_state a{5'000, 0, 0, 42};
  auto plan = plan_seal(a, 42, policy(1'000), false);
  BOOST_TEST(plan.deferred);
  BOOST_TEST(plan.parts.empty());
  BOOST_TEST(plan.consumed_input == 0);
  plan = plan_seal(a, 43, policy(1'000), false);
  BOOST_TEST(!plan.deferred);
  BOOST_TEST(plan.units() == 5);
  // A clock that went backwards is deferred too (the minute could collide).
  BOOST_TEST(plan_seal(a, 41, policy(1'000), false).deferred);
}

BOOST_AUTO_TEST_CASE(settle_rounds_the_whole_remainder_up) {
  account_state a{1, 0, 999'998, 3};
  auto plan = plan_seal(a, 4, policy(1'000'000), true);
  BOOST_TEST(plan.units() == 1);
  apply_seal(a, plan);
  BOOST_TEST(a.carried == 0);
  BOOST_TEST(plan_seal(a, 5, policy(1'000'000), true).parts.empty());
}

BOOST_AUTO_TEST_CASE(quantities_above_int32_split_over_distinct_earlier_minutes) {
  ledger_policy p = policy(1);
  p.max_quantity = 10;  // the rule with small numbers; the real limit is 2^31-1
  p.max_split_records = 3;
  account_state a{25, 0, 0, never_sealed};
  auto plan = plan_seal(a, 100, p, false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 3u);
  BOOST_TEST(plan.parts[0].minute == 100);
  BOOST_TEST(plan.parts[1].minute == 99);
  BOOST_TEST(plan.parts[2].minute == 98);
  BOOST_TEST(plan.parts[0].quantity == 10);
  BOOST_TEST(plan.parts[2].quantity == 5);
  // Minutes at or before the last seal are never reused; what does not fit stays carried.
  account_state b{25, 0, 0, 98};
  plan = plan_seal(b, 100, p, false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 2u);
  apply_seal(b, plan);
  BOOST_TEST(b.carried == 5);
  BOOST_TEST(b.last_sealed == 100);
}

BOOST_AUTO_TEST_CASE(real_int32_limit) {
  account_state a{std::int64_t{3} * 2147483647 + 5, 0, 0, never_sealed};
  auto plan = plan_seal(a, 1000, policy(1), false);
  BOOST_REQUIRE_EQUAL(plan.parts.size(), 4u);
  for (const auto& part : plan.parts) BOOST_TEST(part.quantity <= 2147483647);
  BOOST_TEST(plan.units() == std::int64_t{3} * 2147483647 + 5);
}

BOOST_AUTO_TEST_CASE(property_billed_units_plus_carry_equal_tokens) {
  std::mt19937_64 rng(20261125);
  for (int trial = 0; trial < 200; ++trial) {
    ledger_policy p = policy(std::uniform_int_distribution<std::int64_t>(1, 5'000)(rng));
    p.max_quantity = std::uniform_int_distribution<std::int64_t>(1, 50)(rng);
    p.max_split_records = 4;
    account_state a;
    std::int64_t total = 0, billed = 0;
    minute_t now = 1000;
    for (int step = 0; step < 300; ++step) {
      const int action = std::uniform_int_distribution<int>(0, 9)(rng);
      if (action < 7) {
        const auto in = std::uniform_int_distribution<std::int64_t>(0, 20'000)(rng);
        const auto out = std::uniform_int_distribution<std::int64_t>(0, 20'000)(rng);
        BOOST_REQUIRE(!total_would_overflow(a, in, out));
        a.input += in;
        a.output += out;
        total += in + out;
      } else {
        now += std::uniform_int_distribution<int>(0, 2)(rng);  // sometimes the same minute
        auto plan = plan_seal(a, now, p, false);
        minute_t prev = now + 1;
        for (const auto& part : plan.parts) {
          BOOST_REQUIRE(part.minute < prev);          // distinct minutes
          BOOST_REQUIRE(part.minute > a.last_sealed);  // never reused
          BOOST_REQUIRE(part.quantity <= p.max_quantity);
          prev = part.minute;
          billed += part.quantity;
        }
        apply_seal(a, plan);
        BOOST_REQUIRE(a.carried >= 0);
      }
      BOOST_REQUIRE_EQUAL(billed * p.tokens_per_unit + a.carried + a.input + a.output, total);
    }
  }
}

BOOST_AUTO_TEST_CASE(overflow_of_a_customer_total_is_detected) {
  account_state a{INT64_MAX - 10, 0, 5, never_sealed};
  BOOST_TEST(!total_would_overflow(a, 5, 0));
  BOOST_TEST(total_would_overflow(a, 6, 0));
  BOOST_TEST(total_would_overflow(a, 0, 6));
}

BOOST_AUTO_TEST_CASE(run_ticks_align_to_the_wall_clock_when_the_interval_divides_an_hour) {
  using namespace std::chrono;
  const awsmp::time_point t = sys_days{year{2026} / 11 / 25} + 10h + 17min + 30s;
  BOOST_TEST((next_tick_delay(t, hours(1)) == nanoseconds(42min + 30s)));
  BOOST_TEST((next_tick_delay(t, minutes(15)) == nanoseconds(12min + 30s)));
  BOOST_TEST((next_tick_delay(t, minutes(1)) == nanoseconds(30s)));
  BOOST_TEST((next_tick_delay(t, minutes(7)) == nanoseconds(7min)));  // 7 does not divide 60: plain interval
  BOOST_TEST((next_tick_delay(sys_days{year{2026} / 11 / 25} + 10h, hours(1)) == nanoseconds(1h)));  // on the hour: a full hour
}

BOOST_AUTO_TEST_CASE(heartbeat_once_per_hour_and_only_without_usage) {
  account_state a;
  BOOST_TEST(heartbeat_due(a, 600));
  a.last_sealed = 600;
  BOOST_TEST(!heartbeat_due(a, 600));
  BOOST_TEST(!heartbeat_due(a, 659));
  BOOST_TEST(heartbeat_due(a, 660));
  a.input = 1;
  BOOST_TEST(!heartbeat_due(a, 700));
}

BOOST_AUTO_TEST_CASE(batches_hold_at_most_25_records_and_stay_below_the_byte_limit) {
  usage_ledger l;
  for (int i = 0; i < 60; ++i) l.add(rec("c" + std::to_string(i), 10));
  auto batches = l.plan_batches("prod", 25, 1024 * 1024);
  BOOST_REQUIRE_EQUAL(batches.size(), 3u);
  BOOST_TEST(batches[0].size() == 25u);
  BOOST_TEST(batches[2].size() == 10u);
  BOOST_TEST(l.plan_batches("prod", 25, 1024 * 1024).empty());  // all in flight
  usage_ledger small;
  for (int i = 0; i < 10; ++i) small.add(rec("c" + std::to_string(i), 10));
  const std::size_t per = estimate_record_bytes(rec("c0", 10));
  const std::size_t limit = estimate_envelope_bytes("prod") + 3 * per + 1;
  auto b = small.plan_batches("prod", 25, limit);
  for (const auto& batch : b) {
    BOOST_TEST(batch.size() <= 3u);
    BOOST_TEST(estimate_envelope_bytes("prod") + batch.size() * per < limit);
  }
}

BOOST_AUTO_TEST_CASE(responses_retire_dead_letter_or_keep_pending) {
  usage_ledger l;
  const auto s1 = l.add(rec("ok", 10));
  const auto s2 = l.add(rec("gone", 10));
  const auto s3 = l.add(rec("dup", 10));
  const auto s4 = l.add(rec("later", 10));
  const auto s5 = l.add(rec("silent", 10));
  auto batches = l.plan_batches("p", 25, 1 << 20);
  BOOST_REQUIRE_EQUAL(batches.size(), 1u);
  auto req = l.make_request("p", batches[0]);
  BOOST_TEST(req.usage_records.size() == 5u);
  batch_meter_usage_output out;
  out.results.push_back({req.usage_records[0], "m1", usage_record_status::success});
  out.results.push_back({req.usage_records[1], "", usage_record_status::customer_not_subscribed});
  out.results.push_back({req.usage_records[2], "", usage_record_status::duplicate_record});
  out.unprocessed_records.push_back(req.usage_records[3]);
  auto o = l.apply_response(batches[0], out);
  BOOST_TEST(o.acknowledged == std::vector<std::uint64_t>{s1});
  BOOST_REQUIRE_EQUAL(o.dead.size(), 2u);
  BOOST_TEST(o.dead[0].first == s2);
  BOOST_TEST(o.dead[0].second == "CustomerNotSubscribed");
  BOOST_TEST(o.dead[1].first == s3);
  BOOST_TEST(o.dead[1].second == "DuplicateRecord");
  BOOST_TEST((o.unprocessed == std::vector<std::uint64_t>{s4, s5}));
  BOOST_TEST(l.pending().size() == 2u);
  BOOST_TEST(l.dead_letters().size() == 2u);
  // Resent unchanged.
  auto again = l.plan_batches("p", 25, 1 << 20);
  auto req2 = l.make_request("p", again.at(0));
  BOOST_TEST((req2.usage_records[0] == req.usage_records[3]));
  BOOST_TEST(l.pending().at(s4).sends == 2u);
}

BOOST_AUTO_TEST_CASE(record_specific_refusals_are_isolated_then_dead_lettered) {
  usage_ledger l;
  const auto s1 = l.add(rec("a", 10));
  const auto s2 = l.add(rec("b", 10));
  auto b = l.plan_batches("p", 25, 1 << 20);
  auto o = l.apply_failure(b[0], send_failure_kind::poison, "InvalidCustomerIdentifierException");
  BOOST_TEST(o.dead.empty());
  auto b2 = l.plan_batches("p", 25, 1 << 20);
  BOOST_REQUIRE_EQUAL(b2.size(), 2u);  // alone now
  o = l.apply_failure(b2[0], send_failure_kind::poison, "InvalidCustomerIdentifierException: bad");
  BOOST_REQUIRE_EQUAL(o.dead.size(), 1u);
  BOOST_TEST(o.dead[0].first == s1);
  BOOST_TEST(l.dead_letters().at(0).reason == "InvalidCustomerIdentifierException: bad");
  o = l.apply_failure(b2[1], send_failure_kind::retry, "timeout");
  BOOST_TEST(o.unprocessed == std::vector<std::uint64_t>{s2});
  BOOST_TEST(l.pending().count(s2) == 1u);
}

BOOST_AUTO_TEST_CASE(records_near_the_six_hour_window_expire) {
  usage_ledger l;
  const time_point now = minute_start(1000);
  l.add(rec("old", 1000 - 350));
  l.add(rec("young", 1000 - 349));
  auto dead = l.expire(now, std::chrono::minutes(350));
  BOOST_REQUIRE_EQUAL(dead.size(), 1u);
  BOOST_TEST(l.dead_letters().at(0).record.customer_identifier == "old");
  BOOST_TEST(l.dead_letters().at(0).reason.find("expired") == 0u);
}

BOOST_AUTO_TEST_CASE(failures_are_classified) {
  BOOST_TEST((classify_send_failure(aws_error(400, "ThrottlingException", "", "")) == send_failure_kind::retry));
  BOOST_TEST((classify_send_failure(aws_error(503, "ServiceUnavailable", "", "")) == send_failure_kind::retry));
  BOOST_TEST((classify_send_failure(aws_error(400, "InvalidProductCodeException", "", "")) == send_failure_kind::fatal));
  BOOST_TEST((classify_send_failure(aws_error(400, "InvalidCustomerIdentifierException", "", "")) ==
              send_failure_kind::poison));
  BOOST_TEST((classify_send_failure(boost::system::system_error(make_error_code(errc::timeout))) ==
              send_failure_kind::retry));
  BOOST_TEST((classify_send_failure(boost::system::system_error(make_error_code(errc::invalid_argument))) ==
              send_failure_kind::poison));
}

BOOST_AUTO_TEST_SUITE_END()
