// The ledger's bookkeeping: batching per identity form, answers (retire, unseal, dead letter,
// in doubt, keep), isolation, ageing and re-drive, with exact records.
#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>

#include "billing/usage_ledger.hpp"

using namespace awsmp;
using namespace awsmp::detail;
using namespace std::chrono_literals;

namespace {

const time_point ten = std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 10h;

usage_record rec(std::string id, time_point stamp, std::int32_t q = 1) {
  usage_record r;
  r.customer_identifier = std::move(id);
  r.dimension = "tokens_1m";
  r.quantity = q;
  r.timestamp = stamp;
  return r;
}

usage_record acct_rec(std::string license, time_point stamp, std::int32_t q = 1) {
  usage_record r;
  r.customer_aws_account_id = "123456789012";
  r.license_arn = std::move(license);
  r.dimension = "tokens_1m";
  r.quantity = q;
  r.timestamp = stamp;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(billing_ledger)

BOOST_AUTO_TEST_CASE(batches_hold_at_most_25_records_and_stay_below_the_byte_limit) {
  usage_ledger l;
  for (int i = 0; i < 60; ++i) l.add(rec("c" + std::to_string(i), ten));
  auto batches = l.plan_batches("prod", 25, 1024 * 1024);
  BOOST_REQUIRE_EQUAL(batches.size(), 3u);
  BOOST_TEST(batches[0].seqs.size() == 25u);
  BOOST_TEST(batches[2].seqs.size() == 10u);
  BOOST_TEST(l.plan_batches("prod", 25, 1024 * 1024).empty());  // all in flight
  usage_ledger small;
  for (int i = 0; i < 10; ++i) small.add(rec("c" + std::to_string(i), ten));
  const std::size_t per = estimate_record_bytes(rec("c0", ten));
  const std::size_t limit = estimate_envelope_bytes("prod") + 3 * per + 1;
  for (const auto& batch : small.plan_batches("prod", 25, limit)) {
    BOOST_TEST(batch.seqs.size() <= 3u);
    BOOST_TEST(estimate_envelope_bytes("prod") + batch.seqs.size() * per < limit);
  }
}

BOOST_AUTO_TEST_CASE(account_form_records_go_in_their_own_requests_without_a_product_code) {
  usage_ledger l;
  l.add(rec("legacy-1", ten));
  l.add(acct_rec("arn:l-1", ten));
  l.add(acct_rec("arn:l-2", ten));  // a second license of the same account: another customer
  l.add(rec("legacy-2", ten));
  auto batches = l.plan_batches("prod", 25, 1 << 20);
  BOOST_REQUIRE_EQUAL(batches.size(), 2u);
  for (const auto& b : batches) {
    const auto req = l.make_request("prod", b);
    BOOST_TEST(req.usage_records.size() == 2u);
    for (const auto& r : req.usage_records) {
      BOOST_TEST(b.account_form == r.customer_identifier.empty());
      // LicenseArn never travels with ProductCode; the legacy form always carries it.
      BOOST_TEST(req.product_code == (b.account_form ? "" : "prod"));
    }
  }
}

BOOST_AUTO_TEST_CASE(answers_table) {
  usage_ledger l;
  const auto ok = l.add(rec("ok", ten));
  const auto gone = l.add(rec("gone", ten));
  const auto taken = l.add(rec("taken", ten));
  const auto later = l.add(rec("later", ten));
  const auto silent = l.add(rec("silent", ten));
  auto batches = l.plan_batches("p", 25, 1 << 20);
  BOOST_REQUIRE_EQUAL(batches.size(), 1u);
  auto req = l.make_request("p", batches[0]);
  batch_meter_usage_output out;
  out.results.push_back({req.usage_records[0], "m1", usage_record_status::success});
  out.results.push_back({req.usage_records[1], "", usage_record_status::customer_not_subscribed});
  out.results.push_back({req.usage_records[2], "", usage_record_status::duplicate_record});
  out.unprocessed_records.push_back(req.usage_records[3]);
  auto o = l.apply_response(batches[0], out);
  BOOST_TEST(o.acknowledged == std::vector<std::uint64_t>{ok});
  BOOST_REQUIRE_EQUAL(o.dead.size(), 1u);
  BOOST_TEST(o.dead[0].seq == gone);
  BOOST_TEST(o.dead[0].reason == "CustomerNotSubscribed");
  BOOST_TEST(!o.dead[0].in_doubt);
  // DuplicateRecord on a first transmission: another writer holds the hour; no dead letter.
  BOOST_REQUIRE_EQUAL(o.unsealed.size(), 1u);
  BOOST_TEST(o.unsealed[0].seq == taken);
  BOOST_TEST((o.unprocessed == std::vector<std::uint64_t>{later, silent}));
  BOOST_TEST(l.pending().size() == 2u);
  BOOST_TEST(l.dead_letters().size() == 1u);
  BOOST_TEST(!l.pending().at(later).maybe_delivered);  // UnprocessedRecords: AWS did not bill it
  BOOST_TEST(l.pending().at(silent).maybe_delivered);  // not mentioned: it may have been billed
  // Resent unchanged; a DuplicateRecord now (after a possibly delivered send) is in doubt.
  auto again = l.plan_batches("p", 25, 1 << 20);
  auto req2 = l.make_request("p", again.at(0));
  BOOST_TEST((req2.usage_records[0] == req.usage_records[3]));
  BOOST_TEST(l.pending().at(later).sends == 2u);
  batch_meter_usage_output out2;
  out2.results.push_back({req2.usage_records[0], "m2", usage_record_status::success});
  out2.results.push_back({req2.usage_records[1], "", usage_record_status::duplicate_record});
  o = l.apply_response(again[0], out2);
  BOOST_TEST(o.acknowledged == std::vector<std::uint64_t>{later});
  BOOST_REQUIRE_EQUAL(o.dead.size(), 1u);
  BOOST_TEST(o.dead[0].seq == silent);
  BOOST_TEST(o.dead[0].in_doubt);
  BOOST_TEST(o.dead[0].sends == 2u);
  BOOST_TEST(l.dead_letters().back().letter.in_doubt);
  BOOST_TEST(l.dead_letters().back().letter.sends == 2u);
}

BOOST_AUTO_TEST_CASE(record_specific_refusals_are_isolated_then_dead_lettered) {
  usage_ledger l;
  const auto s1 = l.add(rec("a", ten));
  const auto s2 = l.add(rec("b", ten));
  auto b = l.plan_batches("p", 25, 1 << 20);
  l.make_request("p", b[0]);
  auto o = l.apply_failure(b[0], {send_failure_kind::poison, false}, "InvalidTagException");
  BOOST_TEST(o.dead.empty());
  auto b2 = l.plan_batches("p", 25, 1 << 20);
  BOOST_REQUIRE_EQUAL(b2.size(), 2u);  // alone now
  o = l.apply_failure(b2[0], {send_failure_kind::poison, false}, "InvalidTagException: bad");
  BOOST_REQUIRE_EQUAL(o.dead.size(), 1u);
  BOOST_TEST(o.dead[0].seq == s1);
  BOOST_TEST(l.dead_letters().at(0).letter.reason == "InvalidTagException: bad");
  o = l.apply_failure(b2[1], {send_failure_kind::retry, true}, "timeout");
  BOOST_TEST(o.unprocessed == std::vector<std::uint64_t>{s2});
  BOOST_TEST(l.pending().at(s2).maybe_delivered);
}

BOOST_AUTO_TEST_CASE(fatal_failures_keep_every_record_pending) {
  usage_ledger l;
  l.add(rec("a", ten));
  auto b = l.plan_batches("p", 25, 1 << 20);
  l.make_request("p", b[0]);
  auto o = l.apply_failure(b[0], {send_failure_kind::fatal, false}, "InvalidUsageDimensionException");
  BOOST_TEST(o.dead.empty());
  BOOST_TEST(l.pending().size() == 1u);
  BOOST_TEST(!l.pending().begin()->second.maybe_delivered);
}

BOOST_AUTO_TEST_CASE(ageing_unseals_what_never_left_and_dead_letters_what_may_have) {
  usage_ledger l;
  const auto never = l.add(rec("never-sent", ten - 350min));
  const auto maybe = l.add(rec("maybe", ten - 350min));
  const auto young = l.add(rec("young", ten - 349min));
  auto b = l.plan_batches("p", 25, 1 << 20);
  l.make_request("p", b[0]);
  l.apply_failure(b[0], {send_failure_kind::retry, false}, "connection refused");
  // One of them went out and its answer was lost.
  planned_batch only_maybe{false, {maybe}};
  l.apply_failure(only_maybe, {send_failure_kind::retry, true}, "timeout");
  auto o = l.expire(ten, 350min);
  BOOST_REQUIRE_EQUAL(o.unsealed.size(), 1u);
  BOOST_TEST(o.unsealed[0].seq == never);
  BOOST_REQUIRE_EQUAL(o.dead.size(), 1u);
  BOOST_TEST(o.dead[0].seq == maybe);
  BOOST_TEST(o.dead[0].in_doubt);
  BOOST_TEST(o.dead[0].sends == 1u);
  BOOST_TEST(l.pending().size() == 1u);
  BOOST_TEST(l.pending().count(young) == 1u);
}

BOOST_AUTO_TEST_CASE(redrive_refuses_in_doubt_unless_forced_and_rebills_what_aged_out) {
  usage_ledger l;
  l.restore_dead(7, {rec("fresh", ten - 1h), "CustomerNotSubscribed"});
  dead_letter doubt{rec("doubt", ten - 1h), "expired in doubt"};
  doubt.in_doubt = true;
  doubt.sends = 3;
  l.restore_dead(8, doubt);
  l.restore_dead(9, {rec("old", ten - 7h), "CustomerNotSubscribed"});
  auto moves = l.redrive(false, ten, 350min);
  BOOST_REQUIRE_EQUAL(moves.size(), 2u);
  BOOST_TEST(moves[0].old_seq == 7u);
  BOOST_TEST(moves[0].new_seq != 0u);  // resent unchanged
  BOOST_TEST((l.pending().at(moves[0].new_seq).record == rec("fresh", ten - 1h)));
  BOOST_TEST(moves[1].old_seq == 9u);
  BOOST_TEST(moves[1].new_seq == 0u);  // outside the window: billed again in a free hour
  BOOST_REQUIRE_EQUAL(l.dead_letters().size(), 1u);
  BOOST_TEST(l.dead_letters()[0].seq == 8u);
  moves = l.redrive(true, ten, 350min);
  BOOST_REQUIRE_EQUAL(moves.size(), 1u);
  const auto& p = l.pending().at(moves[0].new_seq);
  BOOST_TEST(p.maybe_delivered);
  BOOST_TEST(p.sends == 3u);
  BOOST_TEST(l.dead_letters().empty());
}

BOOST_AUTO_TEST_SUITE_END()
