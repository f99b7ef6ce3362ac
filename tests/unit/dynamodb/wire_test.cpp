// The exact request body of each DynamoDB operation, and the decoding of its answers.
#include <awsmp/error.hpp>
#include <boost/test/unit_test.hpp>

#include "dynamodb/dynamodb_wire.hpp"

using namespace awsmp;
using namespace awsmp::dynamodb;
using namespace awsmp::detail;

namespace {

attribute_value S(std::string s) {
  return attribute_value::string(std::move(s));
}
attribute_value N(std::int64_t n) {
  return attribute_value::number(n);
}

const key_schema hash_range{{"pk", attribute_type::s}, key_attribute{"sk", attribute_type::s}};

auto has_code(errc c) {
  return [c](const boost::system::system_error& e) { return e.code() == make_error_code(c); };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dynamodb_requests)

BOOST_AUTO_TEST_CASE(get_item_body) {
  get_item_request r;
  r.table = "awsmp-subs";
  r.key = {{"pk", S("a")}, {"sk", S("b")}};
  BOOST_TEST(encode_get_item(r, &hash_range) ==
             R"j({"TableName":"awsmp-subs","Key":{"pk":{"S":"a"},"sk":{"S":"b"}}})j");
  r.consistent_read = true;
  r.projection_expression = "#v";
  r.names = {{"#v", "value"}};
  BOOST_TEST(
      encode_get_item(r, &hash_range) ==
      R"j({"TableName":"awsmp-subs","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ConsistentRead":true,"ProjectionExpression":"#v","ExpressionAttributeNames":{"#v":"value"}})j");
}

BOOST_AUTO_TEST_CASE(put_item_body) {
  put_item_request r;
  r.table = "t-1";
  r.attributes = {{"pk", S("a")}, {"sk", S("b")}, {"n", N(3)}};
  r.condition_expression = "attribute_not_exists(pk) OR #n < :n";
  r.expression.names = {{"#n", "n"}};
  r.expression.values = {{":n", N(3)}};
  r.return_old_item = true;
  r.return_item_on_condition_failure = true;
  BOOST_TEST(
      encode_put_item(r, &hash_range) ==
      R"j({"TableName":"t-1","Item":{"n":{"N":"3"},"pk":{"S":"a"},"sk":{"S":"b"}},"ConditionExpression":"attribute_not_exists(pk) OR #n < :n","ExpressionAttributeNames":{"#n":"n"},"ExpressionAttributeValues":{":n":{"N":"3"}},"ReturnValues":"ALL_OLD","ReturnValuesOnConditionCheckFailure":"ALL_OLD"})j");
}

BOOST_AUTO_TEST_CASE(update_item_body) {
  update_item_request r;
  r.table = "t-1";
  r.key = {{"pk", S("a")}, {"sk", S("b")}};
  r.update_expression = "ADD #t :d";
  r.condition_expression = "#t < :max";
  r.expression.names = {{"#t", "total"}};
  r.expression.values = {{":d", N(5)}, {":max", N(100)}};
  r.returns = return_values::updated_new;
  BOOST_TEST(
      encode_update_item(r, &hash_range) ==
      R"j({"TableName":"t-1","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"UpdateExpression":"ADD #t :d","ConditionExpression":"#t < :max","ExpressionAttributeNames":{"#t":"total"},"ExpressionAttributeValues":{":d":{"N":"5"},":max":{"N":"100"}},"ReturnValues":"UPDATED_NEW"})j");
}

BOOST_AUTO_TEST_CASE(delete_item_body) {
  delete_item_request r;
  r.table = "t-1";
  r.key = {{"pk", S("a")}, {"sk", S("b")}};
  r.condition_expression = "attribute_exists(pk)";
  BOOST_TEST(
      encode_delete_item(r, &hash_range) ==
      R"j({"TableName":"t-1","Key":{"pk":{"S":"a"},"sk":{"S":"b"}},"ConditionExpression":"attribute_exists(pk)"})j");
}

BOOST_AUTO_TEST_CASE(query_body) {
  query_request r;
  r.table = "t-1";
  r.index_name = "by-status";
  r.key_condition_expression = "#s = :s";
  r.expression.names = {{"#s", "status"}};
  r.expression.values = {{":s", S("active")}};
  r.scan_index_forward = false;
  r.limit = 10;
  r.exclusive_start_key = item{{"pk", S("a")}};
  BOOST_TEST(
      encode_query(r) ==
      R"j({"TableName":"t-1","IndexName":"by-status","KeyConditionExpression":"#s = :s","ExpressionAttributeNames":{"#s":"status"},"ExpressionAttributeValues":{":s":{"S":"active"}},"ScanIndexForward":false,"Limit":10,"ExclusiveStartKey":{"pk":{"S":"a"}}})j");
}

BOOST_AUTO_TEST_CASE(batch_write_item_body_groups_by_table_in_order) {
  std::vector<write_request> w = {write_request::put("t-1", {{"pk", S("a")}, {"sk", S("1")}}),
                                  write_request::remove("t-2", {{"id", N(9)}}),
                                  write_request::put("t-1", {{"pk", S("b")}, {"sk", S("1")}})};
  BOOST_TEST(
      encode_batch_write_item(w, {}) ==
      R"j({"RequestItems":{"t-1":[{"PutRequest":{"Item":{"pk":{"S":"a"},"sk":{"S":"1"}}}},{"PutRequest":{"Item":{"pk":{"S":"b"},"sk":{"S":"1"}}}}],"t-2":[{"DeleteRequest":{"Key":{"id":{"N":"9"}}}}]}})j");
}

BOOST_AUTO_TEST_CASE(transact_write_items_body) {
  transact_write_request r;
  r.client_request_token = "tok-1";
  expression_parameters p;
  p.values = {{":h", N(3)}};
  r.items.push_back(
      transact_write_item::put("t-1", {{"pk", S("a")}, {"sk", S("1")}}, "attribute_not_exists(pk)"));
  r.items.push_back(
      transact_write_item::update("t-1", {{"pk", S("a")}, {"sk", S("2")}}, "SET h = :h", "h < :h", p));
  r.items.push_back(transact_write_item::remove("t-2", {{"id", N(1)}}));
  r.items.push_back(transact_write_item::condition_check("t-2", {{"id", N(2)}}, "attribute_exists(id)"));
  BOOST_TEST(
      encode_transact_write_items(r, {}) ==
      R"j({"TransactItems":[{"Put":{"TableName":"t-1","Item":{"pk":{"S":"a"},"sk":{"S":"1"}},"ConditionExpression":"attribute_not_exists(pk)"}},{"Update":{"TableName":"t-1","Key":{"pk":{"S":"a"},"sk":{"S":"2"}},"UpdateExpression":"SET h = :h","ConditionExpression":"h < :h","ExpressionAttributeValues":{":h":{"N":"3"}}}},{"Delete":{"TableName":"t-2","Key":{"id":{"N":"1"}}}},{"ConditionCheck":{"TableName":"t-2","Key":{"id":{"N":"2"}},"ConditionExpression":"attribute_exists(id)"}}],"ClientRequestToken":"tok-1"})j");
}

BOOST_AUTO_TEST_CASE(create_table_describe_table_and_ttl_bodies) {
  create_table_request c;
  c.table = "awsmp-ents";
  c.key = hash_range;
  c.indexes.push_back({"by-n", {{"n", attribute_type::n}, std::nullopt}});
  BOOST_TEST(
      encode_create_table(c) ==
      R"j({"TableName":"awsmp-ents","AttributeDefinitions":[{"AttributeName":"n","AttributeType":"N"},{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST","GlobalSecondaryIndexes":[{"IndexName":"by-n","KeySchema":[{"AttributeName":"n","KeyType":"HASH"}],"Projection":{"ProjectionType":"ALL"}}]})j");
  BOOST_TEST(encode_describe_table("awsmp-ents") == R"j({"TableName":"awsmp-ents"})j");
  BOOST_TEST(
      encode_update_time_to_live("awsmp-ents", "expires", true) ==
      R"j({"TableName":"awsmp-ents","TimeToLiveSpecification":{"Enabled":true,"AttributeName":"expires"}})j");
}

BOOST_AUTO_TEST_CASE(answers_decode) {
  BOOST_TEST(!decode_get_item("{}").has_value());
  const auto got = decode_get_item(R"j({"Item":{"pk":{"S":"a"},"v":{"N":"2"}}})j");
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->at("v").as_int64() == 2);

  const auto w = decode_write(R"j({"Attributes":{"total":{"N":"8"}}})j");
  BOOST_TEST(!w.condition_failed);
  BOOST_TEST(w.attributes->at("total").as_int64() == 8);

  const auto failed = decode_condition_failed(
      R"j({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"pk":{"S":"a"}}})j");
  BOOST_TEST(failed.condition_failed);
  BOOST_TEST(failed.attributes->at("pk").as_string() == "a");

  const auto page = decode_query(
      R"j({"Count":2,"Items":[{"pk":{"S":"a"}},{"pk":{"S":"b"}}],"LastEvaluatedKey":{"pk":{"S":"b"}},"ScannedCount":2})j");
  BOOST_TEST(page.items.size() == 2u);
  BOOST_TEST(page.last_evaluated_key->at("pk").as_string() == "b");
  BOOST_TEST(!decode_query(R"j({"Count":0,"Items":[]})j").last_evaluated_key.has_value());

  const auto unprocessed = decode_batch_write_item(
      R"j({"UnprocessedItems":{"t-1":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},{"DeleteRequest":{"Key":{"pk":{"S":"b"}}}}]}})j");
  BOOST_REQUIRE(unprocessed.size() == 2u);
  BOOST_TEST((unprocessed[0] == write_request::put("t-1", {{"pk", S("a")}})));
  BOOST_TEST((unprocessed[1] == write_request::remove("t-1", {{"pk", S("b")}})));
  BOOST_TEST(decode_batch_write_item(R"j({"UnprocessedItems":{}})j").empty());

  const auto reasons = decode_transaction_canceled(
      R"j({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]","CancellationReasons":[{"Code":"None"},{"Code":"ConditionalCheckFailed","Message":"The conditional request failed","Item":{"pk":{"S":"x"}}}]})j");
  BOOST_REQUIRE(reasons.size() == 2u);
  BOOST_TEST(reasons[0].code == "None");
  BOOST_TEST(reasons[1].code == "ConditionalCheckFailed");
  BOOST_TEST(reasons[1].attributes->at("pk").as_string() == "x");
  transact_write_result tr;
  tr.cancelled = true;
  tr.reasons = reasons;
  BOOST_TEST(tr.condition_failed());
  tr.reasons[1].code = "TransactionConflict";
  BOOST_TEST(!tr.condition_failed());

  const auto d = decode_table_description(
      R"j({"Table":{"TableName":"t-1","TableStatus":"ACTIVE","ItemCount":4,"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}]}})j");
  BOOST_TEST(d.name == "t-1");
  BOOST_TEST(d.status == "ACTIVE");
  BOOST_TEST(d.item_count == 4);
  BOOST_TEST((d.key == key_schema{{"pk", attribute_type::s}, key_attribute{"sk", attribute_type::n}}));
}

BOOST_AUTO_TEST_CASE(undecodable_answers_are_malformed_messages) {
  for (const char* body : {"", "[]", "not json", R"j({"Item":{"pk":{"Q":"a"}}})j", R"j({"Item":[]})j"}) {
    BOOST_TEST_CONTEXT(body) {
      BOOST_CHECK_EXCEPTION(decode_get_item(body), boost::system::system_error,
                            has_code(errc::malformed_message));
    }
  }
  BOOST_CHECK_EXCEPTION(decode_query(R"j({"Items":{}})j"), boost::system::system_error,
                        has_code(errc::malformed_message));
  BOOST_CHECK_EXCEPTION(decode_batch_write_item(R"j({"UnprocessedItems":{"t":[{"Other":{}}]}})j"),
                        boost::system::system_error, has_code(errc::malformed_message));
  BOOST_CHECK_EXCEPTION(decode_table_description(R"j({"Table":{"TableName":"t"}})j"),
                        boost::system::system_error, has_code(errc::malformed_message));
}

BOOST_AUTO_TEST_SUITE_END()
