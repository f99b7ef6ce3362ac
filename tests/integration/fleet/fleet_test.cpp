// Fleet metering in one process: three token_billing_trackers in fleet mode share a DynamoDB
// table on moto and bill the emulator (hour identity, like AWS). Clocks are settable, so hours
// pass without waiting; each instance may run up to 2 minutes off the emulator's clock.
#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/fleet_ledger.hpp>
#include <awsmp/metering_client.hpp>
#include <awsmp/prometheus.hpp>
#include <awsmp/sigv4.hpp>
#include <awsmp/testing/marketplace_emulator.hpp>
#include <awsmp/token_billing_tracker.hpp>
#include <boost/test/unit_test.hpp>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "billing/fleet_rows.hpp"
#include "fleet_support.hpp"

namespace {

using namespace awsmp;
using namespace awsmp::test;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(fleet)

BOOST_AUTO_TEST_CASE(three_instances_bill_one_record_per_customer_and_hour) {
  fleet_world w(3);
  std::mt19937 rng(20261130);
  // Distinct powers of two per customer: a unit counted twice or lost changes the total in a
  // way no other combination can hide.
  std::map<std::string, int> next_bit;
  std::map<std::string, std::int64_t> recorded;
  for (int step = 0; step < 24; ++step) {  // 8 hours in 20-minute steps
    for (int call = 0; call < 3; ++call) {
      const int i = static_cast<int>(rng() % w.customers.size());
      const auto& who = w.customers[i];
      const std::string name = to_string(who);
      if (next_bit[name] >= 29) continue;
      const std::int64_t amount = std::int64_t{1} << next_bit[name]++;
      const std::size_t inst = rng() % 3;
      w.run(w.instance(inst).tracker->record_usage(who, amount, 0));
      recorded[name] += amount;
    }
    for (std::size_t inst = 0; inst < 3; ++inst)
      if (rng() % 3 != 0) w.run(w.instance(inst).tracker->flush());
    w.advance(20min);
  }
  w.advance(2h);
  w.flush_all();
  w.flush_all();  // the lease holder's turn came in the first round; now every share is sealed

  for (const auto& who : w.customers)
    BOOST_TEST(w.emulator_total(who) == recorded[to_string(who)], to_string(who));
  w.check_one_record_per_hour();
  const auto st = w.status();
  BOOST_TEST(st.unsealed_tokens == 0);
  BOOST_TEST(st.pending.empty());
  BOOST_TEST(st.dead_letters.empty());
  BOOST_TEST(st.instances.size() == 3u);
  std::uint64_t acquisitions = 0, sealed = 0;
  for (std::size_t inst = 0; inst < 3; ++inst) {
    const auto fs = *w.instance(inst).tracker->stats().fleet;
    acquisitions += fs.lease_acquisitions;
    sealed += fs.hours_sealed;
  }
  BOOST_TEST(acquisitions >= 1u);
  BOOST_TEST(sealed == w.emu->accepted_records().size());

  // Operators alarm on the metrics: a real fleet instance's counters come out as awsmp_fleet_*.
  metrics_sources m;
  m.tracker = w.instance(0).tracker->stats();
  const std::string text = prometheus_text(m);
  const auto fs0 = *m.tracker->fleet;
  BOOST_TEST(text.find("\nawsmp_fleet_hours_sealed_total " + std::to_string(fs0.hours_sealed) + "\n") !=
             std::string::npos);
  BOOST_TEST(text.find("\nawsmp_fleet_pushes_total " + std::to_string(fs0.pushes) + "\n") !=
             std::string::npos);
  BOOST_TEST(fs0.pushes > 0u);
}

BOOST_AUTO_TEST_CASE(a_push_writes_at_most_one_item_per_key_it_touched) {
  fleet_world w(1);
  auto& in = w.instance(0);
  const auto writes = [&] { return in.tracker->stats().fleet->share_writes; };
  // New keys: one write each (not a failed update, a read and a create).
  for (const auto& who : w.customers) w.run(in.tracker->record_usage(who, 10, 0));
  w.run(in.tracker->flush());
  BOOST_TEST(writes() == w.customers.size());
  // The same hour, two keys touched: two writes; nothing touched: none.
  w.run(in.tracker->record_usage(w.customers[0], 5, 0));
  w.run(in.tracker->record_usage(w.customers[1], 5, 0));
  w.run(in.tracker->flush());
  BOOST_TEST(writes() == w.customers.size() + 2);
  w.run(in.tracker->flush());
  BOOST_TEST(writes() == w.customers.size() + 2);
  // A later hour: one write moves the share (its total becomes `before`).
  w.advance(1h);
  w.run(in.tracker->record_usage(w.customers[2], 5, 0));
  w.run(in.tracker->flush());
  BOOST_TEST(writes() == w.customers.size() + 3);
  BOOST_TEST(in.tracker->stats().fleet->dynamodb_failures == 0u);
  // A restart in the same hour does not know the shares: a touched key costs one failed write
  // and one read, then the right form.
  w.restart(0);
  w.run(w.instance(0).tracker->record_usage(w.customers[2], 5, 0));
  w.run(w.instance(0).tracker->flush());
  BOOST_TEST(w.instance(0).tracker->stats().fleet->dynamodb_failures == 0u);
  w.advance(2h);
  w.flush_all();
  w.flush_all();
  BOOST_TEST(w.emulator_total(w.customers[0]) == 15);
  BOOST_TEST(w.emulator_total(w.customers[2]) == 20);
  w.check_one_record_per_hour();
}

BOOST_AUTO_TEST_CASE(a_share_pushed_after_its_hour_was_sealed_moves_to_a_later_hour) {
  fleet_world w(2);
  const auto who = w.customers[0];
  w.run(w.instance(0).tracker->record_usage(who, 1000, 0));
  w.run(w.instance(1).tracker->record_usage(who, 24, 0));  // instance 1 stays silent for a while
  w.run(w.instance(0).tracker->flush());
  w.advance(1h + 10min);
  w.run(w.instance(0).tracker->flush());  // instance 0 takes the lease and seals the hour
  BOOST_REQUIRE_EQUAL(w.emu->accepted_records().size(), 1u);
  BOOST_TEST(w.emu->accepted_records()[0].record.quantity == 1000);
  w.run(w.instance(1).tracker->flush());  // its late share arrives; it does not hold the lease
  w.advance(1h);
  w.run(w.instance(0).tracker->flush());
  BOOST_REQUIRE_EQUAL(w.emu->accepted_records().size(), 2u);
  const auto records = w.emu->accepted_records();  // a copy: the emulator returns its ledger by value
  const auto& late = records[1].record;
  BOOST_TEST(late.quantity == 24);
  BOOST_TEST(detail_hour(late.timestamp) == detail_hour(records[0].record.timestamp) + 1);
  BOOST_TEST(w.emu->stats().records_duplicate == 0u);
}

BOOST_AUTO_TEST_CASE(the_lease_passes_on_when_its_holder_dies_and_a_restart_replays_without_double_billing) {
  fleet_world w(3);
  const auto who = w.customers[1];
  std::int64_t recorded = 0;
  for (std::size_t inst = 0; inst < 3; ++inst) {
    w.run(w.instance(inst).tracker->record_usage(who, 100 + static_cast<std::int64_t>(inst), 0));
    recorded += 100 + static_cast<std::int64_t>(inst);
  }
  w.flush_all();
  w.advance(1h + 6min);
  w.run(w.instance(0).tracker->flush());
  BOOST_REQUIRE(w.instance(0).tracker->stats().fleet->lease_held);
  // Instance 0 dies holding the lease (no stop(): its journal is all that is left).
  w.run(w.instance(0).tracker->record_usage(who, 7, 0));
  recorded += 7;
  w.crash(0);
  w.run(w.instance(1).tracker->record_usage(who, 11, 0));
  recorded += 11;
  w.advance(1min);
  w.run(w.instance(1).tracker->flush());
  BOOST_TEST(!w.instance(1).tracker->stats().fleet->lease_held);  // the dead holder's lease still runs
  w.advance(5min);
  w.run(w.instance(1).tracker->flush());
  BOOST_TEST(w.instance(1).tracker->stats().fleet->lease_held);
  // Instance 0 comes back from its journal: it pushes its totals again (the 7 tokens are new).
  w.restart(0);
  w.flush_all();  // its share now claims the 7 tokens for the current hour
  w.advance(2h);
  w.flush_all();
  w.flush_all();
  BOOST_TEST(w.emulator_total(who) == recorded);
  w.check_one_record_per_hour();
  const auto st0 = *w.instance(0).tracker->stats().fleet;
  BOOST_TEST(st0.share_writes >= 1u);
}

BOOST_AUTO_TEST_CASE(an_instance_cut_off_from_dynamodb_longer_than_the_lease_loses_nothing) {
  fleet_world w(3);
  const auto who = w.customers[2];
  std::int64_t recorded = 0;
  w.run(w.instance(2).tracker->record_usage(who, 64, 0));
  recorded += 64;
  w.advance(1h + 6min);
  w.run(w.instance(2).tracker->flush());  // pushes and takes the lease
  BOOST_REQUIRE(w.instance(2).tracker->stats().fleet->lease_held);
  w.cut_off(2);  // from now on its DynamoDB calls fail (connection refused)
  for (int i = 0; i < 4; ++i) {
    w.run(w.instance(2).tracker->record_usage(who, 128 << i, 0));
    recorded += 128 << i;
    w.run(w.instance(2).tracker->flush());
    w.run(w.instance(0).tracker->record_usage(who, 1 << i, 0));
    recorded += 1 << i;
    w.run(w.instance(0).tracker->flush());
    w.advance(30min);
  }
  BOOST_TEST(w.instance(2).tracker->stats().fleet->dynamodb_failures >= 4u);
  BOOST_TEST(w.instance(0).tracker->stats().fleet->lease_held);  // it took over after the lease ran out
  w.reconnect(2);
  w.flush_all();
  w.advance(2h);
  w.flush_all();
  w.flush_all();
  BOOST_TEST(w.emulator_total(who) == recorded);
  w.check_one_record_per_hour();
}

BOOST_AUTO_TEST_CASE(a_compacted_journal_replays_its_totals_after_a_crash) {
  fleet_world w(2);
  w.compaction_bytes = 1;  // every flush compacts the journal
  w.restart(0);
  const auto who = w.customers[3];
  std::int64_t recorded = 0;
  for (int i = 0; i < 6; ++i) {
    w.run(w.instance(0).tracker->record_usage(who, std::int64_t{1} << i, 0));
    recorded += std::int64_t{1} << i;
    w.run(w.instance(0).tracker->flush());  // pushes the share, then compacts
  }
  BOOST_TEST(w.instance(0).tracker->stats().journal_compactions >= 1u);
  w.crash(0);
  w.restart(0);  // replays the compacted journal: its cumulative totals must come back whole
  w.run(w.instance(0).tracker->record_usage(who, 64, 0));
  recorded += 64;
  w.flush_all();
  w.advance(2h);
  w.flush_all();
  w.flush_all();
  BOOST_TEST(w.emulator_total(who) == recorded);
  w.check_one_record_per_hour();
  BOOST_TEST(w.status().unsealed_tokens == 0);
}

BOOST_AUTO_TEST_CASE(settle_and_stop_in_both_identity_forms) {
  fleet_world w(2);
  const auto legacy = w.customers[0];
  const auto account = w.customers[3];
  BOOST_REQUIRE(account.is_account());
  w.run(w.instance(0).tracker->record_usage(legacy, 1500, 0));
  w.run(w.instance(1).tracker->record_usage(legacy, 700, 0));
  w.run(w.instance(1).tracker->record_usage(account, 300, 0));
  w.run(w.instance(0).tracker->flush());
  w.run(w.instance(1).tracker->flush());
  // settle bills everything the table has now, in the current hour, rounded up to whole units.
  const auto units = w.run(w.instance(0).tracker->settle(legacy));
  BOOST_TEST(units == 2200);
  BOOST_TEST(w.emulator_total(legacy) == 2200);
  // A second settle in the same hour has no free hour: the new usage waits for the fleet.
  w.run(w.instance(1).tracker->record_usage(legacy, 5, 0));
  BOOST_TEST(w.run(w.instance(1).tracker->settle(legacy)) == 0);
  // stop() pushes what is left and gives the lease up; the other instance seals it in the next
  // free hour (the settle took this one).
  w.run(w.instance(1).tracker->stop());
  w.advance(2h + 6min);
  w.flush_all();
  w.flush_all();
  BOOST_TEST(w.emulator_total(legacy) == 2205);
  BOOST_TEST(w.emulator_total(account) == 300);
  w.check_one_record_per_hour();
}

// A subscriber to add to the emulator once its refused record is dead (before that, AWS answers
// CustomerNotSubscribed for it).
testing::emulated_customer late_subscriber(const std::string& id) {
  testing::emulated_customer c;
  c.registration_token = "token-" + id;
  c.identity.customer_identifier = id;
  c.identity.product_code = fleet_world::product;
  c.identity.customer_aws_account_id = "323456789012";
  return c;
}

BOOST_AUTO_TEST_CASE(dead_letters_are_redriven_from_any_instance_once_their_cause_is_fixed) {
  fleet_world w(2);
  const auto late = billed_customer::legacy("cust-late");
  w.run(w.instance(0).tracker->record_usage(late, 70, 0));
  w.run(w.instance(0).tracker->record_usage(w.customers[0], 30, 0));
  w.run(w.instance(0).tracker->flush());
  w.advance(1h + 10min);
  w.run(w.instance(0).tracker->flush());  // holds the lease, seals the hour; AWS refuses cust-late
  BOOST_TEST(w.emulator_total(w.customers[0]) == 30);
  auto st = w.status();
  BOOST_REQUIRE_EQUAL(st.dead_letters.size(), 1u);
  BOOST_TEST(st.dead_letters[0].record.customer_identifier == "cust-late");
  BOOST_TEST(st.dead_letters[0].reason == "CustomerNotSubscribed");
  BOOST_TEST(!st.dead_letters[0].in_doubt);  // AWS answered: it billed nothing
  const auto letters = w.run(w.instance(0).tracker->dead_letters());
  BOOST_REQUIRE_EQUAL(letters.size(), 1u);
  BOOST_TEST(!letters[0].in_doubt);

  // A record whose answer was lost may have been billed: kept unless forced. (The tracker marks
  // such a record in doubt when it ages out; here the mark is written directly.)
  const auto& refused = st.dead_letters[0].record;
  dynamodb::update_item_request doubt;
  doubt.table = fleet_world::table;
  doubt.key = {
      {"pk", dynamodb::attribute_value::string(detail::fleet_partition(
                 fleet_world::product, detail::fleet_shard(fleet_world::dimension, "cust-late", 4)))},
      {"sk", dynamodb::attribute_value::string(detail::fleet_record_sk(fleet_world::dimension, "cust-late",
                                                                       detail_hour(refused.timestamp)))}};
  doubt.condition_expression = "attribute_exists(pk)";
  doubt.update_expression = "SET doubt = :one";
  doubt.expression.values[":one"] = dynamodb::attribute_value::number(1);
  w.run(w.instance(1).dynamo->update_item(doubt));
  BOOST_TEST(w.run(w.instance(1).tracker->redrive_dead_letters()) == 0u);
  BOOST_REQUIRE_EQUAL(w.run(w.instance(1).tracker->dead_letters()).size(), 1u);
  BOOST_TEST(w.run(w.instance(1).tracker->dead_letters())[0].in_doubt);

  // The subscription is fixed; any instance may redrive (instance 1 does not hold the lease),
  // and a second redrive finds nothing left to move.
  w.emu->add_customer(late_subscriber("cust-late"));
  BOOST_TEST(w.run(w.instance(1).tracker->redrive_dead_letters(true)) == 1u);
  BOOST_TEST(w.run(w.instance(1).tracker->redrive_dead_letters(true)) == 0u);
  st = w.status();
  BOOST_TEST(st.dead_letters.empty());
  BOOST_TEST(st.pending.size() == 1u);
  // The holder swept this hour already; the redrive's mark on the lease makes it look again.
  w.run(w.instance(0).tracker->flush());
  BOOST_TEST(w.emulator_total(late) == 70);
  st = w.status();
  BOOST_TEST(st.pending.empty());
  BOOST_TEST(st.unsealed_tokens == 0);
  w.check_one_record_per_hour();
}

BOOST_AUTO_TEST_CASE(a_dead_letter_too_old_to_resend_is_billed_again_in_a_later_hour) {
  fleet_world w(2);
  const auto old = billed_customer::legacy("cust-old");
  w.run(w.instance(1).tracker->record_usage(old, 40, 0));
  w.run(w.instance(1).tracker->flush());
  w.advance(1h + 10min);
  w.run(w.instance(0).tracker->flush());  // seals and sends: refused
  BOOST_REQUIRE_EQUAL(w.status().dead_letters.size(), 1u);
  const auto refused_hour = detail_hour(w.status().dead_letters[0].record.timestamp);
  w.advance(6h);  // outside AWS's window: resending it unchanged would be refused again
  w.run(w.instance(0).tracker->flush());
  w.emu->add_customer(late_subscriber("cust-old"));

  // What an operator runs (`awsmp fleet redrive`): bad settings are refused before any call.
  fleet_options f;
  f.table = fleet_world::table;
  f.shards = 4;
  fleet_redrive_options bad;
  bad.tokens_per_unit = 0;
  BOOST_CHECK_THROW(w.run(redrive_fleet_dead_letters(*w.instance(1).dynamo, f, fleet_world::product, bad,
                                                     w.clock_at(0s)())),
                    boost::system::system_error);
  fleet_redrive_options r;
  r.dimension = fleet_world::dimension;
  r.tokens_per_unit = 1;
  const auto result =
      w.run(redrive_fleet_dead_letters(*w.instance(1).dynamo, f, fleet_world::product, r, w.clock_at(0s)()));
  BOOST_TEST(result.returned == 1u);
  BOOST_TEST(result.resent == 0u);
  BOOST_TEST(result.kept.empty());
  auto st = w.status();
  BOOST_TEST(st.dead_letters.empty());
  BOOST_TEST(st.unsealed_tokens == 40);   // back on the key
  w.run(w.instance(0).tracker->flush());  // the mark: the holder seals it in this closed hour
  BOOST_TEST(w.emulator_total(old) == 40);
  const auto records = w.emu->accepted_records();
  BOOST_REQUIRE_EQUAL(records.size(), 1u);
  BOOST_TEST(detail_hour(records[0].record.timestamp) > refused_hour);
  BOOST_TEST(w.status().unsealed_tokens == 0);
  w.check_one_record_per_hour();
}

BOOST_AUTO_TEST_CASE(a_seal_round_longer_than_the_lease_renews_it) {
  fleet_world w(1);
  // A clock that moves 25 s at every read: the seal round below lasts minutes by this clock,
  // longer than the 60 s lease, so the holder must renew it as it goes.
  auto ticks = std::make_shared<std::atomic<std::int64_t>>(0);
  const clock_function base = w.clock_at(std::chrono::seconds(0));
  token_billing_options o = w.options_for(0);
  o.journal = w.dir / "journal-ticking";
  o.fleet->instance_id = "ticking";
  o.fleet->lease_duration = 60s;
  o.clock = [base, ticks] { return base() + std::chrono::seconds(25 * ticks->fetch_add(1)); };
  token_billing_tracker t(w.io.get_executor(), fleet_world::product, *w.instance(0).metering, o);
  for (const auto& who : w.customers) w.run(t.record_usage(who, 3, 0));
  w.run(t.flush());  // pushed in their hour (a share pushed later is billed in a later hour)
  w.advance(1h + 10min);
  const time_point before = o.clock();
  w.run(t.flush());
  BOOST_REQUIRE_EQUAL(w.emu->accepted_records().size(), w.customers.size());
  fleet_options f;
  f.table = fleet_world::table;
  f.shards = 4;
  const auto st = w.run(read_fleet_status(*w.instance(0).dynamo, f, fleet_world::product, before));
  BOOST_TEST(st.lease_holder == "ticking");
  BOOST_REQUIRE(st.lease_expires.has_value());
  // Taken once at the start of the round, the lease would end 60 s after it; renewed, it ends
  // 60 s after the round's last renewal, minutes later by this clock.
  BOOST_TEST((*st.lease_expires - before > std::chrono::seconds(60 + 150)));
  BOOST_TEST(t.stats().fleet->lease_acquisitions == 1u);
}

BOOST_AUTO_TEST_CASE(bad_fleet_options_are_refused_before_anything_is_sent) {
  fleet_world w(1);
  const auto make = [&](auto mutate) {
    token_billing_options o = w.options_for(0);
    mutate(o);
    token_billing_tracker t(w.io.get_executor(), fleet_world::product, *w.instance(0).metering, o);
  };
  const auto refused = [&](auto mutate, const std::string& field) {
    try {
      make(mutate);
      BOOST_ERROR("accepted: " + field);
    } catch (const boost::system::system_error& e) {
      BOOST_TEST(std::string(e.what()).find(field) != std::string::npos, e.what());
    }
  };
  refused([](token_billing_options& o) { o.journal.clear(); }, "journal");
  refused([](token_billing_options& o) { o.fleet->instance_id = "a b"; }, "instance_id");
  refused([](token_billing_options& o) { o.fleet->instance_id.clear(); }, "instance_id");
  refused([](token_billing_options& o) { o.fleet->table = "x"; }, "table");
  refused([](token_billing_options& o) { o.fleet->shards = 0; }, "shards");
  refused([](token_billing_options& o) { o.fleet->lease_duration = 1s; }, "lease_duration");
  refused([](token_billing_options& o) { o.fleet->seal_grace = 31min; }, "seal_grace");
  refused([](token_billing_options& o) { o.fleet->client = nullptr; }, "client");
  BOOST_TEST(w.emu->stats().requests == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
