#include "state/store_rows.hpp"

#include <boost/system/system_error.hpp>

#include "core/throw.hpp"
#include "state/store_support.hpp"

namespace awsmp::detail {

using dynamodb::attribute_type;
using dynamodb::attribute_value;
using dynamodb::item;

namespace {

constexpr std::string_view kind_subscription = "subscription";
constexpr std::string_view kind_subscription_alias = "subscription-alias";
constexpr std::string_view kind_entitlement = "entitlement";
constexpr std::string_view kind_entitlement_alias = "entitlement-alias";

[[noreturn]] void corrupt(std::string_view table, std::string_view why) {
  std::string message = "DynamoDB table ";
  message += table;
  message += ": ";
  message += why;
  throw_error(errc::store_corrupt, message);
}

const attribute_value& required(const item& row, std::string_view name, attribute_type type,
                                std::string_view table) {
  auto it = row.find(std::string(name));
  if (it == row.end()) corrupt(table, "a row lacks attribute " + std::string(name) + " (not an awsmp row)");
  if (it->second.type != type)
    corrupt(table,
            "attribute " + std::string(name) + " is not of type " + std::string(dynamodb::to_string(type)));
  return it->second;
}

std::string text(const item& row, std::string_view name, std::string_view table) {
  return required(row, name, attribute_type::s, table).scalar;
}

std::int64_t integer(const item& row, std::string_view name, std::string_view table) {
  const auto& v = required(row, name, attribute_type::n, table);
  try {
    return v.as_int64();
  } catch (const boost::system::system_error&) {
    corrupt(table, "attribute " + std::string(name) + " is not an int64");
  }
}

// Runs a store_support validation on decoded data: what we could not have written is corrupt.
template <class Fn>
void validated(std::string_view table, Fn fn) {
  try {
    fn();
  } catch (const boost::system::system_error& e) {
    if (e.code() != make_error_code(errc::invalid_argument)) throw;
    corrupt(table, std::string("a row breaks the rule book (") + e.what() + ")");
  }
}

void allow_only(const item& row, std::initializer_list<std::string_view> names, std::string_view table) {
  for (const auto& [name, v] : row) {
    bool known = false;
    for (auto n : names) known = known || n == name;
    if (!known) corrupt(table, "a row has the unknown attribute " + name.substr(0, 64));
  }
}

std::string entitlement_sk(const entitlement& ent) {
  return std::string(dimension_prefix) + ent.dimension;
}

std::string entitlement_alias_sk(const entitlement& ent) {
  return entitlement_sk(ent) + alias_separator + store_key(ent.customer());
}

void put_ttl(item& row, time_point expires_at, std::chrono::seconds retention) {
  if (expires_at == never_expires) return;
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(expires_at.time_since_epoch()).count();
  if (seconds <= 0) return;  // before the epoch: nothing DynamoDB's TTL could act on
  row.emplace(row_ttl, attribute_value::number(seconds + retention.count()));
}

}  // namespace

dynamodb::key_schema store_key_schema() {
  return dynamodb::key_schema{{std::string(row_pk), attribute_type::s},
                              dynamodb::key_attribute{std::string(row_sk), attribute_type::s}};
}

awaitable<void> ensure_store_table(dynamodb::dynamodb_client& client, std::string table,
                                   std::vector<dynamodb::global_secondary_index> indexes) {
  std::string name = table;
  auto existing = co_await client.describe_table(std::move(name));
  if (existing) {
    if (!(existing->key == store_key_schema()))
      throw_error(errc::store_corrupt,
                  "DynamoDB table " + table + " exists with another key schema (not an awsmp store)");
    co_return;
  }
  dynamodb::create_table_request request;
  request.table = table;
  request.key = store_key_schema();
  request.indexes = std::move(indexes);
  co_await client.create_table(std::move(request));
}

awaitable<std::optional<item>> read_row(dynamodb::dynamodb_client& client, std::string table, item key) {
  dynamodb::get_item_request read;
  read.table = std::move(table);
  read.key = std::move(key);
  read.consistent_read = true;
  co_return co_await client.get_item(std::move(read));
}

row_condition unchanged_since(const std::optional<item>& row, std::string_view table) {
  row_condition c;
  if (!row) {
    c.expression = "attribute_not_exists(pk)";
    return c;
  }
  c.expression = "#rev = :rev";
  c.parameters.names = {{"#rev", std::string(row_rev)}};
  c.parameters.values = {{":rev", attribute_value::string(revision_of(*row, table))}};
  return c;
}

void throw_cancelled(std::string_view table, const dynamodb::transact_write_result& r) {
  std::string codes;
  for (const auto& reason : r.reasons) codes += (codes.empty() ? "" : ", ") + reason.code;
  throw_error(errc::service_error,
              "DynamoDB table " + std::string(table) + ": transaction cancelled [" + codes + "]");
}

void throw_lost_races(std::string_view table, std::string_view what) {
  throw_error(errc::service_error, "DynamoDB table " + std::string(table) +
                                       ": too many concurrent writers to one " + std::string(what));
}

attribute_value time_value(time_point t) {
  return attribute_value::number(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

time_point time_of(const attribute_value& v, std::string_view field) {
  try {
    return time_point(
        std::chrono::duration_cast<time_point::duration>(std::chrono::nanoseconds(v.as_int64())));
  } catch (const boost::system::system_error&) {
    throw_error(errc::store_corrupt, std::string(field) + ": not a time in nanoseconds since the epoch");
  }
}

item key_of(std::string pk, std::string sk) {
  return item{{std::string(row_pk), attribute_value::string(std::move(pk))},
              {std::string(row_sk), attribute_value::string(std::move(sk))}};
}

std::string revision_of(const item& row, std::string_view table) {
  return text(row, row_rev, table);
}

namespace {
item subscription_fields(const subscription& sub, const std::string& rev) {
  item row;
  row.emplace("customer_identifier", attribute_value::string(sub.customer_identifier));
  row.emplace("product_code", attribute_value::string(sub.product_code));
  row.emplace("customer_aws_account_id", attribute_value::string(sub.customer_aws_account_id));
  row.emplace("license_arn", attribute_value::string(sub.license_arn));
  row.emplace("status", attribute_value::string(std::string(to_string(sub.status))));
  row.emplace("subscribed_at", time_value(sub.subscribed_at));
  if (sub.unsubscribed_at) row.emplace("unsubscribed_at", time_value(*sub.unsubscribed_at));
  row.emplace(row_rev, attribute_value::string(rev));
  return row;
}
}  // namespace

item subscription_row(const subscription& sub, const std::string& rev) {
  item row = subscription_fields(sub, rev);
  row.merge(key_of(store_key(sub.customer()), std::string(subscription_sk)));
  row.emplace(row_kind, attribute_value::string(std::string(kind_subscription)));
  row.emplace(status_attribute, attribute_value::string(std::string(to_string(sub.status))));
  return row;
}

item subscription_alias_row(const subscription& sub, const std::string& rev) {
  item row = subscription_fields(sub, rev);
  row.merge(key_of(std::string(by_identifier_prefix) + sub.customer_identifier, store_key(sub.customer())));
  row.emplace(row_kind, attribute_value::string(std::string(kind_subscription_alias)));
  return row;
}

subscription subscription_from_row(const item& row, std::string_view table) {
  const std::string kind = text(row, row_kind, table);
  const bool alias = kind == kind_subscription_alias;
  if (!alias && kind != kind_subscription)
    corrupt(table, "a row of kind '" + kind.substr(0, 64) + "' is not a subscription");
  allow_only(row,
             {row_pk, row_sk, row_kind, row_rev, status_attribute, "customer_identifier", "product_code",
              "customer_aws_account_id", "license_arn", "status", "subscribed_at", "unsubscribed_at"},
             table);
  subscription sub;
  sub.customer_identifier = text(row, "customer_identifier", table);
  sub.product_code = text(row, "product_code", table);
  sub.customer_aws_account_id = text(row, "customer_aws_account_id", table);
  sub.license_arn = text(row, "license_arn", table);
  const std::string status = text(row, "status", table);
  validated(table, [&] { sub.status = from_string<subscription_status>(status); });
  sub.subscribed_at = time_of(required(row, "subscribed_at", attribute_type::n, table), "subscribed_at");
  if (auto it = row.find("unsubscribed_at"); it != row.end()) {
    if (it->second.type != attribute_type::n) corrupt(table, "attribute unsubscribed_at is not of type N");
    sub.unsubscribed_at = time_of(it->second, "unsubscribed_at");
  }
  text(row, row_rev, table);
  validated(table, [&] { validate_subscription(sub); });
  // The key must be the one these fields give: a row copied under another key is foreign.
  const item expected = alias ? subscription_alias_row(sub, "") : subscription_row(sub, "");
  if (text(row, row_pk, table) != expected.at(std::string(row_pk)).scalar ||
      text(row, row_sk, table) != expected.at(std::string(row_sk)).scalar)
    corrupt(table, "a subscription row is stored under a key its fields do not give");
  if (alias && !sub.customer().is_account()) corrupt(table, "an alias row of a legacy-form subscription");
  if (!alias && text(row, status_attribute, table) != status)
    corrupt(table, "a row's index status differs from its status");
  return sub;
}

namespace {
item entitlement_fields(const entitlement& ent, const std::string& rev, std::chrono::seconds retention) {
  item row;
  row.emplace("customer_identifier", attribute_value::string(ent.customer_identifier));
  row.emplace("product_code", attribute_value::string(ent.product_code));
  row.emplace("dimension", attribute_value::string(ent.dimension));
  row.emplace("value", attribute_value::number(ent.value));
  row.emplace("expires_at", time_value(ent.expires_at));
  row.emplace("customer_aws_account_id", attribute_value::string(ent.customer_aws_account_id));
  row.emplace("license_arn", attribute_value::string(ent.license_arn));
  row.emplace(row_rev, attribute_value::string(rev));
  put_ttl(row, ent.expires_at, retention);
  return row;
}
}  // namespace

item entitlement_row(const entitlement& ent, const std::string& rev, std::chrono::seconds retention) {
  item row = entitlement_fields(ent, rev, retention);
  row.merge(key_of(store_key(ent.customer()), entitlement_sk(ent)));
  row.emplace(row_kind, attribute_value::string(std::string(kind_entitlement)));
  return row;
}

item entitlement_alias_row(const entitlement& ent, const std::string& rev, std::chrono::seconds retention) {
  item row = entitlement_fields(ent, rev, retention);
  row.merge(key_of(std::string(by_identifier_prefix) + ent.customer_identifier, entitlement_alias_sk(ent)));
  row.emplace(row_kind, attribute_value::string(std::string(kind_entitlement_alias)));
  return row;
}

entitlement entitlement_from_row(const item& row, std::string_view table) {
  const std::string kind = text(row, row_kind, table);
  const bool alias = kind == kind_entitlement_alias;
  if (!alias && kind != kind_entitlement)
    corrupt(table, "a row of kind '" + kind.substr(0, 64) + "' is not an entitlement");
  allow_only(row,
             {row_pk, row_sk, row_kind, row_rev, row_ttl, "customer_identifier", "product_code", "dimension",
              "value", "expires_at", "customer_aws_account_id", "license_arn"},
             table);
  entitlement ent;
  ent.customer_identifier = text(row, "customer_identifier", table);
  ent.product_code = text(row, "product_code", table);
  ent.dimension = text(row, "dimension", table);
  ent.value = integer(row, "value", table);
  ent.expires_at = time_of(required(row, "expires_at", attribute_type::n, table), "expires_at");
  ent.customer_aws_account_id = text(row, "customer_aws_account_id", table);
  ent.license_arn = text(row, "license_arn", table);
  text(row, row_rev, table);
  if (auto it = row.find(std::string(row_ttl)); it != row.end() && it->second.type != attribute_type::n)
    corrupt(table, "attribute ttl is not of type N");
  validated(table, [&] { validate_entitlement(ent); });
  const std::string pk =
      alias ? std::string(by_identifier_prefix) + ent.customer_identifier : store_key(ent.customer());
  const std::string sk = alias ? entitlement_alias_sk(ent) : entitlement_sk(ent);
  if (text(row, row_pk, table) != pk || text(row, row_sk, table) != sk)
    corrupt(table, "an entitlement row is stored under a key its fields do not give");
  if (alias && !ent.customer().is_account()) corrupt(table, "an alias row of a legacy-form entitlement");
  return ent;
}

}  // namespace awsmp::detail
