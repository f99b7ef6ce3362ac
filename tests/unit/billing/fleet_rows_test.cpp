// The fleet table's pure part: which hour a seal bills and how much, and the strict decoding of
// the table's items (anything not written by awsmp is store_corrupt, never skipped).
#include "billing/fleet_rows.hpp"

#include <algorithm>
#include <awsmp/credentials.hpp>
#include <awsmp/dynamodb_client.hpp>
#include <awsmp/error.hpp>
#include <awsmp/sigv4.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>
#include <limits>
#include <optional>

#include "state/store_rows.hpp"

using namespace awsmp;
using namespace awsmp::detail;
using dynamodb::attribute_value;
using dynamodb::item;

namespace {

constexpr hour_t h0 = 498778;  // 2026-11-25T10Z

time_point at(hour_t h, int minute, int second = 0) {
  return hour_start(h) + std::chrono::minutes(minute) + std::chrono::seconds(second);
}

fleet_key key_with(std::vector<fleet_push> shares, std::int64_t consumed = 0, hour_t last = no_hour) {
  fleet_key k;
  k.pk = fleet_partition("prod", 0);
  k.dimension = "tokens_1m";
  k.key = "cust-1";
  for (std::size_t i = 0; i < shares.size(); ++i)
    k.shares.push_back(fleet_share{"i-" + std::to_string(i), shares[i], at(shares[i].hour, 1)});
  k.has_state = last != no_hour;
  k.consumed = consumed;
  k.last_hour = last;
  return k;
}

// cust-1's record of 7 units for hour h0.
usage_record seven_units_of_h0() {
  usage_record rec;
  rec.customer_identifier = "cust-1";
  rec.dimension = "tokens_1m";
  rec.quantity = 7;
  rec.timestamp = at(h0, 59, 59);
  return rec;
}

BOOST_AUTO_TEST_SUITE(fleet_rows)

BOOST_AUTO_TEST_CASE(closed_hour_seals_bill_what_was_pushed_by_then) {
  ledger_policy carry;
  carry.tokens_per_unit = 100;
  ledger_policy up = carry;
  up.round = rounding::round_up;
  struct row {
    const char* name;
    fleet_key k;
    hour_t hour;
    ledger_policy p;
    bool seal;
    std::int32_t quantity;
    std::int64_t consumed_after;
  };
  const std::vector<row> rows = {
      {"nothing pushed", key_with({}), h0, carry, false, 0, 0},
      {"one share of the hour", key_with({{250, h0, 0}}), h0, carry, true, 2, 200},
      {"shares of two instances add up", key_with({{250, h0, 0}, {170, h0, 0}}), h0, carry, true, 4, 400},
      {"a share pushed after the hour counts its earlier total only", key_with({{250, h0 + 1, 120}}), h0,
       carry, true, 1, 100},
      {"usage pushed only after the hour is not billed in it", key_with({{250, h0 + 1, 0}}), h0, carry, false,
       0, 0},
      {"the carry of earlier seals joins", key_with({{350, h0, 0}}, 200, h0 - 1), h0, carry, true, 1, 300},
      {"below one unit: no record, nothing consumed", key_with({{99, h0, 0}}), h0, carry, false, 0, 0},
      {"round_up bills the remainder and consumes it", key_with({{250, h0, 0}}), h0, up, true, 3, 250},
      {"an hour already sealed is not sealed again", key_with({{900, h0, 0}}, 100, h0), h0, carry, false, 0,
       100},
      {"a later hour sealed: nothing older", key_with({{900, h0, 0}}, 100, h0 + 1), h0, carry, false, 0, 100},
      {"more consumed than pushed by then (a restart claimed its tokens later)",
       key_with({{500, h0 + 1, 0}, {100, h0, 0}}, 300, h0 - 1), h0, carry, false, 0, 300},
  };
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      const auto s = plan_fleet_seal(r.k, seal_mode::closed_hour, r.hour, at(h0 + 1, 7), r.p, false);
      BOOST_TEST(s.seal == r.seal);
      if (!r.seal) continue;
      BOOST_TEST(s.hour == r.hour);
      BOOST_TEST(s.quantity == r.quantity);
      BOOST_TEST(s.consumed_after == r.consumed_after);
      BOOST_TEST((s.stamp == hour_start(r.hour + 1) - std::chrono::seconds(1)));  // HH:59:59
    }
  }
}

BOOST_AUTO_TEST_CASE(current_hour_seals_bill_every_share_now) {
  ledger_policy p;
  p.tokens_per_unit = 100;
  const time_point now = at(h0, 40, 12);
  // settle: every share (pushed in any hour), rounded up, stamped now.
  auto s =
      plan_fleet_seal(key_with({{250, h0, 0}, {30, h0 + 1, 0}}), seal_mode::current_hour, h0, now, p, true);
  BOOST_TEST(s.seal);
  BOOST_TEST(s.hour == h0);
  BOOST_TEST(s.quantity == 3);
  BOOST_TEST(s.consumed_after == 280);
  BOOST_TEST((s.stamp == now));
  // bill_now: whole units only, the remainder stays.
  s = plan_fleet_seal(key_with({{250, h0, 0}}), seal_mode::current_hour, h0, now, p, false);
  BOOST_TEST(s.quantity == 2);
  BOOST_TEST(s.consumed_after == 200);
  // The current hour already has a record: no free hour, nothing changes.
  s = plan_fleet_seal(key_with({{950, h0, 0}}, 200, h0), seal_mode::current_hour, h0, now, p, true);
  BOOST_TEST(!s.seal);
}

BOOST_AUTO_TEST_CASE(the_sealing_hour_waits_for_the_grace) {
  using std::chrono::seconds;
  BOOST_TEST(fleet_seal_hour(at(h0 + 1, 4, 59), seconds(300)) == h0 - 1);
  BOOST_TEST(fleet_seal_hour(at(h0 + 1, 5, 0), seconds(300)) == h0);
  BOOST_TEST(fleet_seal_hour(at(h0 + 1, 0, 0), seconds(0)) == h0);
}

BOOST_AUTO_TEST_CASE(items_round_trip_and_group_by_key) {
  const std::string pk = fleet_partition("prod", 3);
  usage_record rec = seven_units_of_h0();
  const std::string account = account_key(
      billed_customer::account("123456789012", "arn:aws:license-manager::123456789012:license:l-1"));
  std::vector<item> items = {
      fleet_record_item(pk, "tokens_1m", "cust-1", h0, rec),
      fleet_share_item(pk, "tokens_1m", "cust-1", "i-0", fleet_push{40, h0, 10}, at(h0, 3)),
      fleet_share_item(pk, "tokens_1m", "cust-1", "i-1", fleet_push{2, h0 + 1, 2}, at(h0 + 1, 3)),
      fleet_share_item(pk, "tokens_1m", account, "i-0", fleet_push{9, h0, 0}, at(h0, 3)),
  };
  // Query order is sort-key order.
  std::sort(items.begin(), items.end(),
            [](const item& a, const item& b) { return a.at("sk").as_string() < b.at("sk").as_string(); });
  const auto keys = group_fleet_items(items, "t");
  BOOST_REQUIRE_EQUAL(keys.size(), 2u);
  const auto& legacy = keys[0].key == "cust-1" ? keys[0] : keys[1];
  BOOST_TEST(legacy.shares.size() == 2u);
  BOOST_TEST(legacy.shares_total() == 42);
  BOOST_TEST(legacy.shares_until(h0) == 42 - 2 + 2);  // i-1 pushed in h0+1 with 2 before it
  BOOST_REQUIRE_EQUAL(legacy.records.size(), 1u);
  BOOST_TEST((legacy.records[0].record == rec));
  BOOST_TEST(legacy.records[0].status == "pending");
  const auto& acc = keys[0].key == "cust-1" ? keys[1] : keys[0];
  BOOST_TEST(customer_of_key(acc.key).is_account());
}

BOOST_AUTO_TEST_CASE(dead_letters_carry_their_doubt_and_move_only_from_the_status_they_had) {
  const std::string pk = fleet_partition("prod", 1);
  usage_record rec = seven_units_of_h0();
  const item pending = fleet_record_item(pk, "tokens_1m", "cust-1", h0, rec);
  const auto dead = [&](std::optional<std::int64_t> doubt) {
    item it = pending;
    it["status"] = attribute_value::string("dead");
    it["reason"] = attribute_value::string("CustomerNotSubscribed");
    if (doubt) it["doubt"] = attribute_value::number(*doubt);
    return group_fleet_items({it}, "t").at(0).records.at(0);
  };
  struct row {
    const char* name;
    std::optional<std::int64_t> doubt;
    bool in_doubt;
  };
  for (const row& r :
       std::vector<row>{{"refused by AWS", 0, false},
                        {"maybe delivered", 1, true},
                        {"written before doubt existed: nobody can tell", std::nullopt, true}}) {
    BOOST_TEST_CONTEXT(r.name) {
      const auto d = dead(r.doubt);
      BOOST_TEST(d.status == "dead");
      BOOST_TEST(d.reason == "CustomerNotSubscribed");
      BOOST_TEST(d.in_doubt == r.in_doubt);
    }
  }
  BOOST_TEST(!group_fleet_items({pending}, "t").at(0).records.at(0).in_doubt);
  item text_doubt = pending;
  text_doubt["status"] = attribute_value::string("dead");
  text_doubt["doubt"] = attribute_value::string("yes");
  BOOST_CHECK_THROW(group_fleet_items({text_doubt}, "t"), boost::system::system_error);

  const auto row0 = dead(0);
  const auto kill = fleet_kill_request("t", row0, "InvalidCustomerIdentifier", true);
  BOOST_TEST(kill.condition_expression == "attribute_exists(#s)");
  BOOST_TEST(kill.expression.values.at(":reason").as_string() == "InvalidCustomerIdentifier");
  BOOST_TEST(kill.expression.values.at(":doubt").as_int64() == 1);
  const auto revive = fleet_revive_request("t", row0);
  BOOST_TEST(revive.condition_expression == "#s = :dead");
  BOOST_TEST(revive.update_expression == "SET #s = :pending REMOVE #r, #d");
  const auto back = fleet_return_request("t", "tokens_1m", row0, "dead", 700);
  BOOST_REQUIRE_EQUAL(back.items.size(), 2u);
  BOOST_TEST(back.items[0].expression.values.at(":s").as_string() == "dead");
  BOOST_TEST(back.items[1].attributes.at("sk").as_string() == fleet_state_sk("tokens_1m", "cust-1"));
  BOOST_TEST(back.items[1].condition_expression == "#c >= :t");
  BOOST_TEST(back.items[1].expression.values.at(":t").as_int64() == 700);

  BOOST_TEST(fleet_record_tokens(rec, 100).value() == 700);
  rec.quantity = std::numeric_limits<std::int32_t>::max();
  BOOST_TEST(!fleet_record_tokens(rec, std::numeric_limits<std::int64_t>::max() / 2).has_value());
}

BOOST_AUTO_TEST_CASE(foreign_or_damaged_items_are_store_corrupt) {
  const std::string pk = fleet_partition("prod", 0);
  const item share = fleet_share_item(pk, "tokens_1m", "cust-1", "i-0", fleet_push{40, h0, 10}, at(h0, 3));
  usage_record rec = seven_units_of_h0();
  const item record = fleet_record_item(pk, "tokens_1m", "cust-1", h0, rec);
  struct row {
    const char* name;
    item it;
  };
  std::vector<row> rows;
  const auto with = [](item it, const std::string& name, attribute_value v) {
    it[name] = std::move(v);
    return it;
  };
  const auto without = [](item it, const std::string& name) {
    it.erase(name);
    return it;
  };
  rows.push_back({"no kind", without(share, "kind")});
  rows.push_back({"unknown kind", with(share, "kind", attribute_value::string("subscription"))});
  rows.push_back({"total as a string", with(share, "total", attribute_value::string("40"))});
  rows.push_back({"total not an integer", with(share, "total", attribute_value::number_text("4.5"))});
  rows.push_back({"before above total", with(share, "before", attribute_value::number(41))});
  rows.push_back({"negative before", with(share, "before", attribute_value::number(-1))});
  rows.push_back({"sort key of another key", with(share, "key", attribute_value::string("cust-2"))});
  rows.push_back({"no hour", without(share, "hour")});
  rows.push_back({"quantity out of range", with(record, "quantity", attribute_value::number(1ll << 31))});
  rows.push_back({"stamp outside its hour", with(record, "stamp", attribute_value::number(0))});
  rows.push_back({"unknown status", with(record, "status", attribute_value::string("maybe"))});
  for (const auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      try {
        group_fleet_items({r.it}, "awsmp-fleet");
        BOOST_ERROR("accepted");
      } catch (const boost::system::system_error& e) {
        BOOST_TEST((e.code() == make_error_code(errc::store_corrupt)));
        BOOST_TEST(std::string(e.what()).find("awsmp-fleet") != std::string::npos);
      }
    }
  }
  // Items of one key split by another key: not one Query's answer.
  const item other = fleet_share_item(pk, "tokens_1m", "cust-2", "i-0", fleet_push{1, h0, 0}, at(h0, 3));
  BOOST_CHECK_THROW(group_fleet_items({share, other, record}, "awsmp-fleet"), boost::system::system_error);
}

BOOST_AUTO_TEST_CASE(options_are_checked_with_the_field_and_the_rule) {
  asio::io_context io;
  static_credentials_provider creds{credentials{"AKID", "secret", "", std::nullopt}};
  sigv4_signer signer{creds, "us-east-1", "dynamodb"};
  dynamodb::dynamodb_client client(io.get_executor(), signer, client_options{});
  fleet_options good;
  good.client = &client;
  good.instance_id = "web-1.eu_a";
  BOOST_CHECK_NO_THROW(check_fleet_options(good));
  struct row {
    const char* field;
    void (*mutate)(fleet_options&);
  };
  const row rows[] = {
      {"client", [](fleet_options& o) { o.client = nullptr; }},
      {"instance_id", [](fleet_options& o) { o.instance_id = std::string(65, 'a'); }},
      {"instance_id", [](fleet_options& o) { o.instance_id = "a/b"; }},
      {"table", [](fleet_options& o) { o.table = "ab"; }},
      {"lease_duration", [](fleet_options& o) { o.lease_duration = std::chrono::hours(2); }},
      {"seal_grace", [](fleet_options& o) { o.seal_grace = std::chrono::seconds(-1); }},
      {"shards", [](fleet_options& o) { o.shards = 1025; }},
      {"concurrency", [](fleet_options& o) { o.concurrency = 0; }},
  };
  for (const auto& r : rows) {
    fleet_options o = good;
    r.mutate(o);
    try {
      check_fleet_options(o);
      BOOST_ERROR(std::string("accepted a bad ") + r.field);
    } catch (const boost::system::system_error& e) {
      BOOST_TEST(std::string(e.what()).find(r.field) != std::string::npos, e.what());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
