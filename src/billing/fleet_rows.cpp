#include "billing/fleet_rows.hpp"

#include <algorithm>
#include <limits>

#include "core/crc32c.hpp"
#include "core/throw.hpp"
#include "dynamodb/dynamodb_limits.hpp"
#include "state/store_rows.hpp"

namespace awsmp::detail {

using dynamodb::attribute_type;
using dynamodb::attribute_value;
using dynamodb::expression_parameters;
using dynamodb::item;
using dynamodb::transact_write_item;
using dynamodb::transact_write_request;
using dynamodb::update_item_request;

namespace {

constexpr std::string_view kind_share = "fleet-share";
constexpr std::string_view kind_state = "fleet-state";
constexpr std::string_view kind_record = "fleet-record";

[[noreturn]] void corrupt(std::string_view table, std::string_view sk, std::string_view defect) {
  throw_error(errc::store_corrupt, "DynamoDB table " + std::string(table) + ": item '" + std::string(sk) +
                                       "' is not an awsmp fleet item (" + std::string(defect) + ")");
}

// A member the item must have, of the given type.
const attribute_value& member(const item& it, std::string_view name, attribute_type type,
                              std::string_view table, std::string_view sk) {
  const auto found = it.find(std::string(name));
  if (found == it.end()) corrupt(table, sk, std::string(name) + " missing");
  if (found->second.type != type) corrupt(table, sk, std::string(name) + " has the wrong type");
  return found->second;
}

std::int64_t number(const item& it, std::string_view name, std::string_view table, std::string_view sk) {
  const auto& v = member(it, name, attribute_type::n, table, sk);
  try {
    return v.as_int64();
  } catch (const boost::system::system_error&) {
    corrupt(table, sk, std::string(name) + " is not a 64-bit integer");
  }
}

const std::string& text(const item& it, std::string_view name, std::string_view table, std::string_view sk) {
  return member(it, name, attribute_type::s, table, sk).as_string();
}

item base_item(std::string pk, std::string sk, std::string_view kind, std::string_view dimension,
               std::string_view key) {
  item it;
  it[std::string(row_pk)] = attribute_value::string(std::move(pk));
  it[std::string(row_sk)] = attribute_value::string(std::move(sk));
  it[std::string(row_kind)] = attribute_value::string(std::string(kind));
  it["dim"] = attribute_value::string(std::string(dimension));
  it["key"] = attribute_value::string(std::string(key));
  return it;
}

bool valid_instance_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

}  // namespace

std::int64_t fleet_ms(time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

time_point fleet_time(std::int64_t ms) noexcept {
  return time_point(std::chrono::duration_cast<time_point::duration>(std::chrono::milliseconds(ms)));
}

void check_fleet_options(const fleet_options& o) {
  if (o.client == nullptr) throw_invalid_argument("fleet_options.client", "must be set");
  check_table_name("fleet_options.table", o.table);
  if (o.instance_id.empty() || o.instance_id.size() > 64 ||
      !std::all_of(o.instance_id.begin(), o.instance_id.end(), valid_instance_char))
    throw_invalid_argument("fleet_options.instance_id", "must be 1..64 characters of [A-Za-z0-9._-]");
  if (o.lease_duration < std::chrono::seconds(5) || o.lease_duration > std::chrono::hours(1))
    throw_invalid_argument("fleet_options.lease_duration", "must be 5 s..1 h");
  if (o.seal_grace < std::chrono::seconds(0) || o.seal_grace > std::chrono::minutes(30))
    throw_invalid_argument("fleet_options.seal_grace", "must be 0 s..30 min");
  if (o.shards < 1 || o.shards > 1024) throw_invalid_argument("fleet_options.shards", "must be 1..1024");
  if (o.concurrency < 1 || o.concurrency > 256)
    throw_invalid_argument("fleet_options.concurrency", "must be 1..256");
}

std::uint32_t fleet_shard(std::string_view dimension, std::string_view key, std::uint32_t shards) noexcept {
  std::uint32_t crc = crc32c(dimension);
  const char sep = fleet_separator;
  crc = crc32c(std::string_view(&sep, 1), crc);
  crc = crc32c(key, crc);
  return crc % shards;
}

std::string fleet_partition(std::string_view product_code, std::uint32_t shard) {
  return "u#" + std::string(product_code) + "#" + std::to_string(shard);
}

std::string fleet_key_prefix(std::string_view dimension, std::string_view key) {
  std::string s;
  s.reserve(dimension.size() + key.size() + 2);
  s.append(dimension).push_back(fleet_separator);
  s.append(key).push_back(fleet_separator);
  return s;
}

std::string fleet_share_sk(std::string_view dimension, std::string_view key, std::string_view instance) {
  return fleet_key_prefix(dimension, key) + "s" + fleet_separator + std::string(instance);
}

item fleet_share_item(std::string pk, std::string_view dimension, std::string_view key,
                      std::string_view instance, const fleet_push& push, time_point at) {
  item it = base_item(std::move(pk), fleet_share_sk(dimension, key, instance), kind_share, dimension, key);
  it["instance"] = attribute_value::string(std::string(instance));
  it["total"] = attribute_value::number(push.total);
  it["hour"] = attribute_value::number(push.hour);
  it["before"] = attribute_value::number(push.before);
  it["at"] = attribute_value::number(fleet_ms(at));
  return it;
}

std::string fleet_state_sk(std::string_view dimension, std::string_view key) {
  return fleet_key_prefix(dimension, key) + "t";
}

std::string fleet_record_sk(std::string_view dimension, std::string_view key, hour_t hour) {
  // Zero-padded so that a key's records sort by hour.
  std::string h = std::to_string(hour);
  if (h.size() < 10) h.insert(0, 10 - h.size(), '0');
  return fleet_key_prefix(dimension, key) + "r" + fleet_separator + h;
}

item fleet_record_item(std::string pk, std::string_view dimension, std::string_view key, hour_t hour,
                       const usage_record& record) {
  item it = base_item(std::move(pk), fleet_record_sk(dimension, key, hour), kind_record, dimension, key);
  it["hour"] = attribute_value::number(hour);
  it["quantity"] = attribute_value::number(record.quantity);
  it["stamp"] = attribute_value::number(fleet_ms(record.timestamp));
  it["status"] = attribute_value::string(std::string(fleet_status_pending));
  return it;
}

std::int64_t fleet_key::shares_total() const noexcept {
  std::int64_t sum = 0;
  for (const auto& s : shares)
    if (__builtin_add_overflow(sum, s.push.total, &sum)) return std::numeric_limits<std::int64_t>::max();
  return sum;
}

std::int64_t fleet_key::shares_until(hour_t h) const noexcept {
  std::int64_t sum = 0;
  for (const auto& s : shares)
    if (__builtin_add_overflow(sum, s.push.hour <= h ? s.push.total : s.push.before, &sum))
      return std::numeric_limits<std::int64_t>::max();
  return sum;
}

std::int64_t fleet_key::unsealed() const noexcept {
  return std::max<std::int64_t>(0, shares_total() - consumed);
}

std::vector<fleet_key> group_fleet_items(const std::vector<item>& items, std::string_view table) {
  std::vector<fleet_key> keys;
  std::string last_prefix;
  for (const auto& it : items) {
    const std::string& sk = text(it, row_sk, table, "?");
    const std::string& pk = text(it, row_pk, table, sk);
    const std::string& kind = text(it, row_kind, table, sk);
    const std::string& dim = text(it, "dim", table, sk);
    const std::string& key = text(it, "key", table, sk);
    if (sk.rfind(fleet_key_prefix(dim, key), 0) != 0)
      corrupt(table, sk, "sort key does not match dim and key");
    if (keys.empty() || keys.back().key != key || keys.back().dimension != dim || keys.back().pk != pk) {
      // Query returns a partition in sort-key order, so a key's items come together; a key
      // that sorts before the previous one means these items are not one Query's answer.
      std::string prefix = pk + fleet_separator + fleet_key_prefix(dim, key);
      if (!keys.empty() && prefix <= last_prefix) corrupt(table, sk, "items of a key out of order");
      last_prefix = std::move(prefix);
      keys.push_back(fleet_key{pk, dim, key, {}, false, 0, no_hour, {}});
    }
    fleet_key& k = keys.back();
    if (kind == kind_share) {
      fleet_share s{text(it, "instance", table, sk),
                    fleet_push{number(it, "total", table, sk), number(it, "hour", table, sk),
                               number(it, "before", table, sk)},
                    fleet_time(number(it, "at", table, sk))};
      if (s.push.before < 0 || s.push.total < s.push.before) corrupt(table, sk, "totals out of order");
      k.shares.push_back(std::move(s));
    } else if (kind == kind_state) {
      k.has_state = true;
      k.consumed = number(it, "consumed", table, sk);
      k.last_hour = number(it, "hour", table, sk);
      if (k.consumed < 0) corrupt(table, sk, "negative consumed");
    } else if (kind == kind_record) {
      fleet_record_row r;
      r.pk = pk;
      r.sk = sk;
      r.hour = number(it, "hour", table, sk);
      fleet_seal s;
      s.hour = r.hour;
      const std::int64_t q = number(it, "quantity", table, sk);
      if (q < 0 || q > std::numeric_limits<std::int32_t>::max()) corrupt(table, sk, "quantity out of range");
      s.quantity = static_cast<std::int32_t>(q);
      s.stamp = fleet_time(number(it, "stamp", table, sk));
      if (hour_of(s.stamp) != r.hour) corrupt(table, sk, "stamp outside its hour");
      r.record = fleet_usage_record(key, dim, s);
      r.status = text(it, "status", table, sk);
      if (r.status != fleet_status_pending && r.status != fleet_status_dead)
        corrupt(table, sk, "unknown status");
      if (const auto reason = it.find("reason"); reason != it.end()) r.reason = reason->second.as_string();
      if (r.status == fleet_status_dead) {
        const auto doubt = it.find("doubt");
        r.in_doubt = doubt == it.end() || number(it, "doubt", table, sk) != 0;
      }
      k.records.push_back(std::move(r));
    } else {
      corrupt(table, sk, "unknown kind");
    }
  }
  return keys;
}

hour_t fleet_seal_hour(time_point now, std::chrono::seconds grace) noexcept {
  return hour_of(now - grace) - 1;
}

fleet_seal plan_fleet_seal(const fleet_key& k, seal_mode mode, hour_t hour, time_point now,
                           const ledger_policy& p, bool settle) noexcept {
  fleet_seal out;
  const std::int64_t shares = mode == seal_mode::closed_hour ? k.shares_until(hour) : k.shares_total();
  const std::int64_t avail = shares - k.consumed;
  if (avail <= 0) return out;
  account_state a;
  a.input = avail;
  a.last_sealed = k.last_hour;
  // The planner takes its hours from `now`: for a closed hour, the first instant after it.
  const time_point at = mode == seal_mode::closed_hour ? hour_start(hour + 1) : now;
  a.first_usage = mode == seal_mode::closed_hour ? hour : hour_of(now);
  ledger_policy one = p;
  one.max_split_records = 1;
  const seal_plan plan = plan_seal(a, at, one, mode, settle);
  if (plan.deferred || plan.parts.empty() || plan.parts.front().quantity <= 0) return out;
  const std::int64_t billed = plan.consumed_input + plan.consumed_output - plan.carried_delta;
  out.seal = true;
  out.hour = plan.parts.front().hour;
  out.quantity = plan.parts.front().quantity;
  out.stamp = plan.parts.front().stamp;
  out.consumed_after = k.consumed + billed;
  return out;
}

std::optional<std::int64_t> fleet_record_tokens(const usage_record& r,
                                                std::int64_t tokens_per_unit) noexcept {
  std::int64_t tokens = 0;
  if (__builtin_mul_overflow(static_cast<std::int64_t>(r.quantity), tokens_per_unit, &tokens))
    return std::nullopt;
  return tokens;
}

update_item_request fleet_kill_request(std::string_view table, const fleet_record_row& row,
                                       std::string_view reason, bool in_doubt) {
  update_item_request u;
  u.table = std::string(table);
  u.key = key_of(row.pk, row.sk);
  u.update_expression = "SET #s = :dead, #r = :reason, #d = :doubt";
  u.condition_expression = "attribute_exists(#s)";
  u.expression.names = {{"#s", "status"}, {"#r", "reason"}, {"#d", "doubt"}};
  u.expression.values[":dead"] = attribute_value::string(std::string(fleet_status_dead));
  u.expression.values[":reason"] = attribute_value::string(std::string(reason));
  u.expression.values[":doubt"] = attribute_value::number(in_doubt ? 1 : 0);
  return u;
}

update_item_request fleet_revive_request(std::string_view table, const fleet_record_row& row) {
  update_item_request u;
  u.table = std::string(table);
  u.key = key_of(row.pk, row.sk);
  u.update_expression = "SET #s = :pending REMOVE #r, #d";
  u.condition_expression = "#s = :dead";
  u.expression.names = {{"#s", "status"}, {"#r", "reason"}, {"#d", "doubt"}};
  u.expression.values[":pending"] = attribute_value::string(std::string(fleet_status_pending));
  u.expression.values[":dead"] = attribute_value::string(std::string(fleet_status_dead));
  return u;
}

transact_write_request fleet_return_request(std::string_view table, std::string_view dimension,
                                            const fleet_record_row& row, std::string_view status,
                                            std::int64_t tokens) {
  transact_write_request t;
  expression_parameters was;
  was.names["#s"] = "status";
  was.values[":s"] = attribute_value::string(std::string(status));
  t.items.push_back(
      transact_write_item::remove(std::string(table), key_of(row.pk, row.sk), "#s = :s", std::move(was)));
  expression_parameters back;
  back.names["#c"] = "consumed";
  back.values[":t"] = attribute_value::number(tokens);
  t.items.push_back(transact_write_item::update(
      std::string(table), key_of(row.pk, fleet_state_sk(dimension, account_key(row.record))),
      "SET #c = #c - :t", "#c >= :t", std::move(back)));
  return t;
}

usage_record fleet_usage_record(std::string_view key, std::string_view dimension, const fleet_seal& s) {
  usage_record r;
  billed_customer who = customer_of_key(key);
  if (who.is_account()) {
    r.customer_aws_account_id = std::move(who.customer_aws_account_id);
    r.license_arn = std::move(who.license_arn);
  } else {
    r.customer_identifier = std::move(who.customer_identifier);
  }
  r.dimension = std::string(dimension);
  r.quantity = s.quantity;
  r.timestamp = s.stamp;
  return r;
}

}  // namespace awsmp::detail
