// dynamodb_client against moto_server on loopback: every operation end to end, and the places
// where moto is more lenient than AWS (which is why the client enforces AWS's limits itself).
#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>

#include "dynamodb_backend.hpp"
#include "transport/aws_json_client.hpp"

using namespace awsmp;
using namespace awsmp::dynamodb;
using awsmp::test::run_sync;

namespace {

attribute_value S(std::string s) {
  return attribute_value::string(std::move(s));
}
attribute_value N(std::int64_t n) {
  return attribute_value::number(n);
}

struct moto_fixture {
  asio::io_context ctx;
  awsmp::test::moto_server moto;
  awsmp::test::moto_client c{ctx, moto};
  dynamodb_client& client = c.client;

  moto_fixture() {
    create_table_request t;
    t.table = "ledger";
    t.key = key_schema{{"pk", attribute_type::s}, key_attribute{"sk", attribute_type::n}};
    const auto d = run_sync(ctx, client.create_table(std::move(t)));
    BOOST_REQUIRE(d.name == "ledger");
  }

  item key(std::string pk, std::int64_t sk) { return item{{"pk", S(std::move(pk))}, {"sk", N(sk)}}; }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(dynamodb_client_moto, moto_fixture)

BOOST_AUTO_TEST_CASE(tables_describe_and_ttl) {
  const auto d = run_sync(ctx, client.describe_table("ledger"));
  BOOST_REQUIRE(d.has_value());
  BOOST_TEST(d->status == "ACTIVE");
  BOOST_TEST((d->key == key_schema{{"pk", attribute_type::s}, key_attribute{"sk", attribute_type::n}}));
  BOOST_TEST(!run_sync(ctx, client.describe_table("no-such-table")).has_value());
  run_sync(ctx, client.update_time_to_live("ledger", "ttl", true));
}

BOOST_AUTO_TEST_CASE(conditional_writes_are_results) {
  put_item_request p;
  p.table = "ledger";
  p.attributes = key("a", 1);
  p.attributes["total"] = N(5);
  p.attributes["blob"] = attribute_value::binary(std::string("\x00\x01\xfe", 3));
  p.attributes["tags"] = attribute_value::string_set({"x", "y"});
  p.attributes["doc"] = attribute_value::map_value(
      {{"l", attribute_value::list_value({N(1), S("two"), attribute_value::null_value()})}});
  p.condition_expression = "attribute_not_exists(pk)";
  auto first = p;
  BOOST_TEST(!run_sync(ctx, client.put_item(std::move(first))).condition_failed);
  auto again = p;
  BOOST_TEST(run_sync(ctx, client.put_item(std::move(again))).condition_failed, "the item exists now");

  get_item_request g;
  g.table = "ledger";
  g.key = key("a", 1);
  g.consistent_read = true;
  const auto got = run_sync(ctx, client.get_item(std::move(g)));
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST((*got == p.attributes), "every type round-trips through DynamoDB");

  update_item_request u;
  u.table = "ledger";
  u.key = key("a", 1);
  u.update_expression = "ADD #t :d";
  u.condition_expression = "#t < :max";
  u.expression.names = {{"#t", "total"}};
  u.expression.values = {{":d", N(3)}, {":max", N(6)}};
  u.returns = return_values::updated_new;
  auto u1 = u;
  const auto r1 = run_sync(ctx, client.update_item(std::move(u1)));
  BOOST_TEST(!r1.condition_failed);
  BOOST_TEST(r1.attributes->at("total").as_int64() == 8);
  auto u2 = u;
  BOOST_TEST(run_sync(ctx, client.update_item(std::move(u2))).condition_failed, "8 is not < 6");

  delete_item_request d;
  d.table = "ledger";
  d.key = key("a", 1);
  d.condition_expression = "#t = :v";
  d.expression.names = {{"#t", "total"}};
  d.expression.values = {{":v", N(7)}};
  auto d1 = d;
  BOOST_TEST(run_sync(ctx, client.delete_item(std::move(d1))).condition_failed);
  d.expression.values = {{":v", N(8)}};
  d.return_old_item = true;
  const auto gone = run_sync(ctx, client.delete_item(std::move(d)));
  BOOST_TEST(!gone.condition_failed);
  BOOST_TEST(gone.attributes->at("total").as_int64() == 8);
}

BOOST_AUTO_TEST_CASE(batch_write_and_paginated_query) {
  std::vector<write_request> w;
  for (int i = 0; i < 25; ++i) w.push_back(write_request::put("ledger", key("p", i)));
  const auto r = run_sync(ctx, client.batch_write_item(std::move(w)));
  BOOST_TEST(r.unprocessed.empty());
  BOOST_TEST(r.calls == 1);

  query_request q;
  q.table = "ledger";
  q.key_condition_expression = "pk = :p AND sk >= :from";
  q.expression.values = {{":p", S("p")}, {":from", N(5)}};
  q.limit = 7;  // forces 3 pages for 20 items
  q.consistent_read = true;
  auto first_page = q;
  const auto page = run_sync(ctx, client.query(std::move(first_page)));
  BOOST_TEST(page.items.size() == 7u);
  BOOST_TEST(page.last_evaluated_key.has_value());
  const auto all = run_sync(ctx, client.query_all(std::move(q)));
  BOOST_REQUIRE(all.size() == 20u);
  for (std::size_t i = 0; i < all.size(); ++i)
    BOOST_TEST(all[i].at("sk").as_int64() == static_cast<std::int64_t>(i + 5));
}

BOOST_AUTO_TEST_CASE(transactions_commit_or_report_the_failed_condition) {
  transact_write_request t;
  t.items.push_back(transact_write_item::put("ledger", key("t", 1), "attribute_not_exists(pk)"));
  t.items.push_back(transact_write_item::put("ledger", key("t", 2), "attribute_not_exists(pk)"));
  auto first = t;
  BOOST_TEST(!run_sync(ctx, client.transact_write_items(std::move(first))).cancelled);

  transact_write_request second;
  second.items.push_back(transact_write_item::put("ledger", key("t", 3)));
  second.items.push_back(
      transact_write_item::condition_check("ledger", key("t", 1), "attribute_not_exists(pk)"));
  const auto r = run_sync(ctx, client.transact_write_items(std::move(second)));
  BOOST_TEST(r.cancelled);
  BOOST_TEST(r.condition_failed());
  BOOST_REQUIRE(r.reasons.size() == 2u);
  BOOST_TEST(r.reasons[0].code == "None");
  BOOST_TEST(r.reasons[1].code == "ConditionalCheckFailed");
  get_item_request g;
  g.table = "ledger";
  g.key = key("t", 3);
  BOOST_TEST(!run_sync(ctx, client.get_item(std::move(g))).has_value(),
             "a cancelled transaction wrote nothing");
}

// moto is more lenient than AWS: these requests, which AWS refuses, moto accepts. The client
// refuses them itself (limits_test.cpp), so a test against moto cannot miss a limit.
BOOST_AUTO_TEST_CASE(moto_accepts_what_aws_refuses) {
  detail::aws_json_client raw(ctx.get_executor(), c.signer, awsmp::test::moto_client::options_for(moto),
                              "unused", "application/x-amz-json-1.0");
  std::string batch = R"({"RequestItems":{"ledger":[)";
  for (int i = 0; i < 26; ++i)
    batch += std::string(i ? "," : "") + R"({"PutRequest":{"Item":{"pk":{"S":"m"},"sk":{"N":")" +
             std::to_string(i) + R"("}}}})";
  batch += "]}}";
  std::string target = "DynamoDB_20120810.BatchWriteItem";
  const std::string answer = run_sync(ctx, raw.call(target, batch));
  BOOST_TEST(answer.find("UnprocessedItems") != std::string::npos,
             "moto wrote a 26-request BatchWriteItem: " << answer);

  // A partition key of 2049 bytes (AWS: at most 2048).
  const std::string long_key =
      R"({"TableName":"ledger","Item":{"pk":{"S":")" + std::string(2049, 'k') + R"("},"sk":{"N":"1"}}})";
  std::string put_target = "DynamoDB_20120810.PutItem";
  bool moto_refused = false;
  try {
    run_sync(ctx, raw.call(put_target, long_key));
  } catch (const aws_error&) {
    moto_refused = true;
  }
  BOOST_TEST_MESSAGE("moto " << (moto_refused ? "refuses" : "accepts") << " a 2049-byte partition key");
}

BOOST_AUTO_TEST_SUITE_END()
