#include "dynamodb/dynamodb_wire.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "core/throw.hpp"
#include "dynamodb/attribute_codec.hpp"
#include "dynamodb/dynamodb_limits.hpp"

namespace awsmp::detail {

using namespace awsmp::dynamodb;
namespace json = boost::json;

namespace {

std::string field(std::string_view a, std::string_view b) {
  std::string out(a);
  out += '.';
  out += b;
  return out;
}

void put_expression(json::object& o, std::string_view name, const std::string& expression,
                    std::string_view where) {
  check_expression(field(where, name), expression);
  if (!expression.empty()) o.emplace(name, expression);
}

void put_parameters(json::object& o, const expression_parameters& p, std::string_view where) {
  check_expression_parameters(field(where, "expression"), p);
  if (!p.names.empty()) {
    json::object names;
    for (const auto& [k, v] : p.names) names.emplace(k, v);
    o.emplace("ExpressionAttributeNames", std::move(names));
  }
  if (!p.values.empty()) o.emplace("ExpressionAttributeValues", item_to_json(p.values));
}

std::string_view return_values_name(return_values r) {
  switch (r) {
    case return_values::none:
      return "NONE";
    case return_values::all_old:
      return "ALL_OLD";
    case return_values::updated_old:
      return "UPDATED_OLD";
    case return_values::all_new:
      return "ALL_NEW";
    case return_values::updated_new:
      return "UPDATED_NEW";
  }
  return "NONE";
}

[[noreturn]] void malformed(std::string_view why) {
  throw_error(errc::malformed_message, std::string("DynamoDB answer: ") + std::string(why));
}

// 32 levels of AttributeValue nesting are 64 levels of JSON below the answer's own members;
// the codec refuses anything deeper than DynamoDB allows.
json::parse_options answer_parse_options() {
  json::parse_options o;
  o.max_depth = 2 * dynamodb_max_depth + 16;
  return o;
}

json::value parse_answer(std::string_view body, boost::system::error_code& ec) {
  return json::parse(body, ec, {}, answer_parse_options());
}

json::object parse_object(std::string_view body) {
  boost::system::error_code ec;
  json::value v = parse_answer(body, ec);
  if (ec) malformed("not JSON");
  if (!v.is_object()) malformed("not a JSON object");
  return std::move(v.get_object());
}

const json::value* member(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  return it == o.end() ? nullptr : &it->value();
}

std::string string_member(const json::object& o, std::string_view name) {
  const auto* v = member(o, name);
  if (v == nullptr) return {};
  if (!v->is_string()) malformed(std::string(name) + " is not a string");
  return std::string(v->get_string());
}

std::string_view key_type_name(attribute_type t) {
  if (t != attribute_type::s && t != attribute_type::n && t != attribute_type::b)
    throw_invalid_argument("key", "key attributes must be of type S, N or B");
  return to_string(t);
}

attribute_type key_type_from(std::string_view s) {
  if (s == "S") return attribute_type::s;
  if (s == "N") return attribute_type::n;
  if (s == "B") return attribute_type::b;
  malformed("AttributeType is not S, N or B");
}

json::array key_schema_json(const key_schema& k) {
  json::array a;
  a.push_back(json::object{{"AttributeName", k.partition_key.name}, {"KeyType", "HASH"}});
  if (k.sort_key) a.push_back(json::object{{"AttributeName", k.sort_key->name}, {"KeyType", "RANGE"}});
  return a;
}

void check_key_schema(std::string_view where, const key_schema& k) {
  for (const auto* a : {&k.partition_key, k.sort_key ? &*k.sort_key : nullptr}) {
    if (a == nullptr) continue;
    if (a->name.empty() || a->name.size() > dynamodb_max_key_name_bytes)
      throw_invalid_argument(field(where, "key"), "a key attribute name must be 1..255 bytes");
    key_type_name(a->type);
  }
  if (k.sort_key && k.sort_key->name == k.partition_key.name)
    throw_invalid_argument(field(where, "key"), "the sort key must differ from the partition key");
}

// The identity of the item a write targets, for the "one action per item" rule; empty when it
// cannot be known (a put into a table whose key schema was never declared).
std::string target_of(std::string_view table, const item& attributes, bool is_key, const key_schema* schema) {
  item key;
  if (is_key) {
    key = attributes;
  } else {
    if (schema == nullptr) return {};
    for (const auto* k : {&schema->partition_key, schema->sort_key ? &*schema->sort_key : nullptr}) {
      if (k == nullptr) continue;
      if (auto it = attributes.find(k->name); it != attributes.end()) key.emplace(it->first, it->second);
    }
  }
  std::string id(table);
  id += '\n';
  id += json::serialize(item_to_json(key));
  return id;
}

key_schema schema_from(const json::value* key_schema_json, const json::value* definitions) {
  if (key_schema_json == nullptr || !key_schema_json->is_array()) malformed("KeySchema missing");
  std::map<std::string, attribute_type, std::less<>> types;
  if (definitions != nullptr) {
    if (!definitions->is_array()) malformed("AttributeDefinitions is not an array");
    for (const auto& d : definitions->get_array()) {
      if (!d.is_object()) malformed("AttributeDefinitions entry is not an object");
      types[string_member(d.get_object(), "AttributeName")] =
          key_type_from(string_member(d.get_object(), "AttributeType"));
    }
  }
  key_schema k;
  bool has_hash = false;
  for (const auto& e : key_schema_json->get_array()) {
    if (!e.is_object()) malformed("KeySchema entry is not an object");
    key_attribute a;
    a.name = string_member(e.get_object(), "AttributeName");
    auto t = types.find(a.name);
    a.type = t == types.end() ? attribute_type::s : t->second;
    const std::string kind = string_member(e.get_object(), "KeyType");
    if (kind == "HASH") {
      k.partition_key = a;
      has_hash = true;
    } else if (kind == "RANGE") {
      k.sort_key = a;
    } else {
      malformed("KeyType is not HASH or RANGE");
    }
  }
  if (!has_hash) malformed("KeySchema has no HASH key");
  return k;
}

}  // namespace

namespace {

// TableName and Key of a single-item operation, both checked first.
json::object keyed_request(const std::string& table, const item& key, const key_schema* schema) {
  check_table_name("table", table);
  check_key("key", key, schema);
  json::object o;
  o.emplace("TableName", table);
  o.emplace("Key", item_to_json(key));
  return o;
}

// The condition part every single-item write shares.
void put_condition(json::object& o, const std::string& condition, const expression_parameters& parameters,
                   std::string_view operation) {
  put_expression(o, "ConditionExpression", condition, operation);
  put_parameters(o, parameters, operation);
}

void put_return_on_failure(json::object& o, bool return_item_on_condition_failure) {
  if (return_item_on_condition_failure) o.emplace("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
}

}  // namespace

std::string encode_get_item(const get_item_request& r, const key_schema* schema) {
  json::object o = keyed_request(r.table, r.key, schema);
  if (r.consistent_read) o.emplace("ConsistentRead", true);
  put_expression(o, "ProjectionExpression", r.projection_expression, "get_item");
  expression_parameters p;
  p.names = r.names;
  put_parameters(o, p, "get_item");
  return json::serialize(o);
}

std::string encode_put_item(const put_item_request& r, const key_schema* schema) {
  check_table_name("table", r.table);
  check_item("item", r.attributes, schema);
  json::object o;
  o.emplace("TableName", r.table);
  o.emplace("Item", item_to_json(r.attributes));
  put_condition(o, r.condition_expression, r.expression, "put_item");
  if (r.return_old_item) o.emplace("ReturnValues", "ALL_OLD");
  put_return_on_failure(o, r.return_item_on_condition_failure);
  return json::serialize(o);
}

std::string encode_update_item(const update_item_request& r, const key_schema* schema) {
  json::object o = keyed_request(r.table, r.key, schema);
  put_expression(o, "UpdateExpression", r.update_expression, "update_item");
  put_condition(o, r.condition_expression, r.expression, "update_item");
  if (r.returns != return_values::none) o.emplace("ReturnValues", return_values_name(r.returns));
  put_return_on_failure(o, r.return_item_on_condition_failure);
  return json::serialize(o);
}

std::string encode_delete_item(const delete_item_request& r, const key_schema* schema) {
  json::object o = keyed_request(r.table, r.key, schema);
  put_condition(o, r.condition_expression, r.expression, "delete_item");
  if (r.return_old_item) o.emplace("ReturnValues", "ALL_OLD");
  put_return_on_failure(o, r.return_item_on_condition_failure);
  return json::serialize(o);
}

std::string encode_query(const query_request& r) {
  check_table_name("table", r.table);
  if (!r.index_name.empty()) check_table_name("index_name", r.index_name);
  if (r.key_condition_expression.empty())
    throw_invalid_argument("query.key_condition_expression", "is required");
  if (r.limit < 0) throw_invalid_argument("query.limit", "must be positive (0: no limit)");
  json::object o;
  o.emplace("TableName", r.table);
  if (!r.index_name.empty()) o.emplace("IndexName", r.index_name);
  put_expression(o, "KeyConditionExpression", r.key_condition_expression, "query");
  put_expression(o, "FilterExpression", r.filter_expression, "query");
  put_expression(o, "ProjectionExpression", r.projection_expression, "query");
  put_parameters(o, r.expression, "query");
  if (r.consistent_read) o.emplace("ConsistentRead", true);
  if (!r.scan_index_forward) o.emplace("ScanIndexForward", false);
  if (r.limit > 0) o.emplace("Limit", r.limit);
  if (r.exclusive_start_key) {
    check_key("query.exclusive_start_key", *r.exclusive_start_key, nullptr);
    o.emplace("ExclusiveStartKey", item_to_json(*r.exclusive_start_key));
  }
  return json::serialize(o);
}

std::string encode_batch_write_item(const std::vector<write_request>& requests,
                                    const key_schema_lookup& schemas) {
  if (requests.empty()) throw_invalid_argument("batch_write_item", "needs at least 1 request");
  if (requests.size() > dynamodb_max_batch_write_requests)
    throw_invalid_argument("batch_write_item", "at most 25 put or delete requests per BatchWriteItem");
  json::object tables;
  std::set<std::string> targets;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& w = requests[i];
    const std::string where = "batch_write_item[" + std::to_string(i) + "]";
    check_table_name(where + ".table", w.table);
    const auto schema = schemas ? schemas(w.table) : std::nullopt;
    const key_schema* s = schema ? &*schema : nullptr;
    json::object entry;
    if (w.action == write_request::kind::put) {
      check_item(where + ".item", w.attributes, s);
      entry.emplace("PutRequest", json::object{{"Item", item_to_json(w.attributes)}});
    } else {
      check_key(where + ".key", w.attributes, s);
      entry.emplace("DeleteRequest", json::object{{"Key", item_to_json(w.attributes)}});
    }
    bytes += item_size(w.attributes);
    const std::string target = target_of(w.table, w.attributes, w.action == write_request::kind::remove, s);
    if (!target.empty() && !targets.insert(target).second)
      throw_invalid_argument(where, "a BatchWriteItem must not write the same item twice");
    auto it = tables.find(w.table);
    if (it == tables.end()) it = tables.emplace(w.table, json::array{}).first;
    it->value().get_array().push_back(std::move(entry));
  }
  if (bytes > dynamodb_max_batch_write_bytes)
    throw_invalid_argument("batch_write_item", "at most 16 MB per BatchWriteItem");
  json::object o;
  o.emplace("RequestItems", std::move(tables));
  return json::serialize(o);
}

std::string encode_transact_write_items(const transact_write_request& r, const key_schema_lookup& schemas) {
  if (r.items.empty()) throw_invalid_argument("transact_write_items", "needs at least 1 action");
  if (r.items.size() > dynamodb_max_transaction_actions)
    throw_invalid_argument("transact_write_items", "at most 100 actions per TransactWriteItems");
  check_client_token("transact_write_items.client_request_token", r.client_request_token);
  json::array actions;
  actions.reserve(r.items.size());
  std::set<std::string> targets;
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < r.items.size(); ++i) {
    const auto& t = r.items[i];
    const std::string where = "transact_write_items[" + std::to_string(i) + "]";
    check_table_name(where + ".table", t.table);
    const auto schema = schemas ? schemas(t.table) : std::nullopt;
    const key_schema* s = schema ? &*schema : nullptr;
    json::object body;
    body.emplace("TableName", t.table);
    std::string_view name;
    switch (t.action) {
      case transact_write_item::kind::put:
        name = "Put";
        check_item(where + ".item", t.attributes, s);
        body.emplace("Item", item_to_json(t.attributes));
        break;
      case transact_write_item::kind::update:
        name = "Update";
        check_key(where + ".key", t.attributes, s);
        if (t.update_expression.empty())
          throw_invalid_argument(where + ".update_expression", "is required for an Update");
        body.emplace("Key", item_to_json(t.attributes));
        put_expression(body, "UpdateExpression", t.update_expression, where);
        break;
      case transact_write_item::kind::remove:
        name = "Delete";
        check_key(where + ".key", t.attributes, s);
        body.emplace("Key", item_to_json(t.attributes));
        break;
      case transact_write_item::kind::condition_check:
        name = "ConditionCheck";
        check_key(where + ".key", t.attributes, s);
        if (t.condition_expression.empty())
          throw_invalid_argument(where + ".condition_expression", "is required for a ConditionCheck");
        body.emplace("Key", item_to_json(t.attributes));
        break;
    }
    put_expression(body, "ConditionExpression", t.condition_expression, where);
    put_parameters(body, t.expression, where);
    if (t.return_item_on_condition_failure) body.emplace("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
    bytes += item_size(t.attributes);
    const std::string target =
        target_of(t.table, t.attributes, t.action != transact_write_item::kind::put, s);
    if (!target.empty() && !targets.insert(target).second)
      throw_invalid_argument(where, "two actions of one transaction must not target the same item");
    json::object action;
    action.emplace(name, std::move(body));
    actions.push_back(std::move(action));
  }
  if (bytes > dynamodb_max_transaction_bytes)
    throw_invalid_argument("transact_write_items", "at most 4 MB per transaction");
  json::object o;
  o.emplace("TransactItems", std::move(actions));
  o.emplace("ClientRequestToken", r.client_request_token);
  return json::serialize(o);
}

std::string encode_create_table(const create_table_request& r) {
  check_table_name("table", r.table);
  check_key_schema("create_table", r.key);
  std::map<std::string, attribute_type> definitions;
  auto define = [&](const key_attribute& a, std::string_view where) {
    auto [it, inserted] = definitions.emplace(a.name, a.type);
    if (!inserted && it->second != a.type)
      throw_invalid_argument(where, "one attribute declared with two types");
  };
  define(r.key.partition_key, "create_table.key");
  if (r.key.sort_key) define(*r.key.sort_key, "create_table.key");
  std::set<std::string> index_names;
  for (const auto& g : r.indexes) {
    check_table_name("create_table.index.name", g.name);
    if (!index_names.insert(g.name).second)
      throw_invalid_argument("create_table.index.name", "index names must be unique");
    check_key_schema("create_table.index", g.key);
    define(g.key.partition_key, "create_table.index.key");
    if (g.key.sort_key) define(*g.key.sort_key, "create_table.index.key");
  }
  json::array defs;
  for (const auto& [name, type] : definitions)
    defs.push_back(json::object{{"AttributeName", name}, {"AttributeType", key_type_name(type)}});
  json::object o;
  o.emplace("TableName", r.table);
  o.emplace("AttributeDefinitions", std::move(defs));
  o.emplace("KeySchema", key_schema_json(r.key));
  o.emplace("BillingMode", "PAY_PER_REQUEST");
  if (!r.indexes.empty()) {
    json::array gsis;
    for (const auto& g : r.indexes)
      gsis.push_back(json::object{{"IndexName", g.name},
                                  {"KeySchema", key_schema_json(g.key)},
                                  {"Projection", json::object{{"ProjectionType", "ALL"}}}});
    o.emplace("GlobalSecondaryIndexes", std::move(gsis));
  }
  return json::serialize(o);
}

std::string encode_describe_table(std::string_view table) {
  check_table_name("table", table);
  json::object o;
  o.emplace("TableName", table);
  return json::serialize(o);
}

std::string encode_update_time_to_live(std::string_view table, std::string_view attribute, bool enabled) {
  check_table_name("table", table);
  if (attribute.empty() || attribute.size() > dynamodb_max_key_name_bytes)
    throw_invalid_argument("time_to_live.attribute", "must be 1..255 bytes");
  json::object o;
  o.emplace("TableName", table);
  o.emplace("TimeToLiveSpecification", json::object{{"Enabled", enabled}, {"AttributeName", attribute}});
  return json::serialize(o);
}

std::optional<item> decode_get_item(std::string_view body) {
  const auto o = parse_object(body);
  const auto* v = member(o, "Item");
  if (v == nullptr) return std::nullopt;
  return item_from_json(*v, "GetItem.Item");
}

write_result decode_write(std::string_view body) {
  const auto o = parse_object(body);
  write_result r;
  if (const auto* v = member(o, "Attributes")) r.attributes = item_from_json(*v, "Attributes");
  return r;
}

write_result decode_condition_failed(std::string_view body) {
  write_result r;
  r.condition_failed = true;
  boost::system::error_code ec;
  json::value v = parse_answer(body, ec);
  // The details are optional: a failed condition is known from the error type alone.
  if (!ec && v.is_object())
    if (const auto* i = member(v.get_object(), "Item"))
      r.attributes = item_from_json(*i, "ConditionalCheckFailed.Item");
  return r;
}

query_page decode_query(std::string_view body) {
  const auto o = parse_object(body);
  query_page page;
  if (const auto* items = member(o, "Items")) {
    if (!items->is_array()) malformed("Items is not an array");
    page.items.reserve(items->get_array().size());
    for (const auto& i : items->get_array()) page.items.push_back(item_from_json(i, "Query.Items"));
  }
  if (const auto* k = member(o, "LastEvaluatedKey"))
    page.last_evaluated_key = item_from_json(*k, "Query.LastEvaluatedKey");
  return page;
}

std::vector<write_request> decode_batch_write_item(std::string_view body) {
  const auto o = parse_object(body);
  std::vector<write_request> out;
  const auto* u = member(o, "UnprocessedItems");
  if (u == nullptr) return out;
  if (!u->is_object()) malformed("UnprocessedItems is not an object");
  for (const auto& [table, list] : u->get_object()) {
    if (!list.is_array()) malformed("UnprocessedItems entry is not an array");
    for (const auto& w : list.get_array()) {
      if (!w.is_object()) malformed("a WriteRequest is not an object");
      const auto& wo = w.get_object();
      if (const auto* p = member(wo, "PutRequest"); p && p->is_object() && member(p->get_object(), "Item")) {
        out.push_back(write_request::put(
            std::string(table), item_from_json(*member(p->get_object(), "Item"), "UnprocessedItems")));
      } else if (const auto* d = member(wo, "DeleteRequest");
                 d && d->is_object() && member(d->get_object(), "Key")) {
        out.push_back(write_request::remove(
            std::string(table), item_from_json(*member(d->get_object(), "Key"), "UnprocessedItems")));
      } else {
        malformed("a WriteRequest is neither a PutRequest nor a DeleteRequest");
      }
    }
  }
  return out;
}

std::vector<cancellation_reason> decode_transaction_canceled(std::string_view body) {
  std::vector<cancellation_reason> out;
  boost::system::error_code ec;
  json::value v = parse_answer(body, ec);
  if (ec || !v.is_object()) return out;
  const auto* reasons = member(v.get_object(), "CancellationReasons");
  if (reasons == nullptr) return out;
  if (!reasons->is_array()) malformed("CancellationReasons is not an array");
  for (const auto& r : reasons->get_array()) {
    if (!r.is_object()) malformed("a CancellationReason is not an object");
    cancellation_reason c;
    c.code = string_member(r.get_object(), "Code");
    c.message = string_member(r.get_object(), "Message");
    if (const auto* i = member(r.get_object(), "Item"))
      c.attributes = item_from_json(*i, "CancellationReasons.Item");
    out.push_back(std::move(c));
  }
  return out;
}

table_description decode_table_description(std::string_view body) {
  const auto o = parse_object(body);
  const auto* t = member(o, "TableDescription");
  if (t == nullptr) t = member(o, "Table");
  if (t == nullptr || !t->is_object()) malformed("no TableDescription");
  const auto& to = t->get_object();
  table_description d;
  d.name = string_member(to, "TableName");
  d.status = string_member(to, "TableStatus");
  const auto* definitions = member(to, "AttributeDefinitions");
  d.key = schema_from(member(to, "KeySchema"), definitions);
  if (const auto* count = member(to, "ItemCount")) {
    if (!count->is_int64() && !count->is_uint64()) malformed("ItemCount is not an integer");
    d.item_count = count->is_int64() ? count->get_int64() : static_cast<std::int64_t>(count->get_uint64());
  }
  if (const auto* gsis = member(to, "GlobalSecondaryIndexes")) {
    if (!gsis->is_array()) malformed("GlobalSecondaryIndexes is not an array");
    for (const auto& g : gsis->get_array()) {
      if (!g.is_object()) malformed("a GlobalSecondaryIndex is not an object");
      global_secondary_index index;
      index.name = string_member(g.get_object(), "IndexName");
      index.key = schema_from(member(g.get_object(), "KeySchema"), definitions);
      d.indexes.push_back(std::move(index));
    }
  }
  return d;
}

}  // namespace awsmp::detail
