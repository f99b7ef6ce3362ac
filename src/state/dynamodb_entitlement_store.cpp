#include <awsmp/dynamodb_entitlement_store.hpp>

#include "core/crypto.hpp"
#include "core/throw.hpp"
#include "dynamodb/dynamodb_limits.hpp"
#include "state/store_rows.hpp"
#include "state/store_support.hpp"
#include "wire/rules.hpp"

namespace awsmp::dynamodb {

namespace {

std::string own_pk(const billed_customer& who) {
  return detail::store_key(who);
}
std::string own_sk(const std::string& dimension) {
  return std::string(detail::dimension_prefix) + dimension;
}
std::string alias_pk(const std::string& customer_identifier) {
  return std::string(detail::by_identifier_prefix) + customer_identifier;
}
std::string alias_sk(const std::string& dimension, const billed_customer& who) {
  return own_sk(dimension) + detail::alias_separator + detail::store_key(who);
}

query_request partition_query(const std::string& table, std::string pk, std::string sk_prefix) {
  query_request q;
  q.table = table;
  q.key_condition_expression = "pk = :pk AND begins_with(sk, :prefix)";
  q.expression.values = {{":pk", attribute_value::string(std::move(pk))},
                         {":prefix", attribute_value::string(std::move(sk_prefix))}};
  q.consistent_read = true;
  return q;
}

}  // namespace

dynamodb_entitlement_store::dynamodb_entitlement_store(dynamodb_client& client, std::string table,
                                                       std::chrono::seconds expired_retention)
    : client_(client), table_(std::move(table)), retention_(expired_retention) {
  detail::check_table_name("table", table_);
  if (retention_.count() < 0) detail::throw_invalid_argument("expired_retention", "must not be negative");
  client_.set_key_schema(table_, detail::store_key_schema());
}

awaitable<void> dynamodb_entitlement_store::create_table(dynamodb_client& client, std::string table) {
  std::string name = table;
  std::vector<global_secondary_index> no_indexes;
  co_await detail::ensure_store_table(client, std::move(name), std::move(no_indexes));
  std::string attribute(detail::row_ttl);
  co_await client.update_time_to_live(std::move(table), std::move(attribute), true);
}

awaitable<void> dynamodb_entitlement_store::put(entitlement ent) {
  detail::validate_entitlement(ent);
  const billed_customer who = ent.customer();
  if (!who.is_account()) {
    put_item_request request;
    request.table = table_;
    request.attributes = detail::entitlement_row(ent, detail::random_uuid(), retention_);
    co_await client_.put_item(std::move(request));
    co_return;
  }
  for (int race = 0; race < detail::max_write_races; ++race) {
    const auto old_row =
        co_await detail::read_row(client_, table_, detail::key_of(own_pk(who), own_sk(ent.dimension)));
    std::optional<entitlement> old;
    if (old_row) old = detail::entitlement_from_row(*old_row, table_);

    transact_write_request tx;
    const std::string rev = detail::random_uuid();
    auto condition = detail::unchanged_since(old_row, table_);
    tx.items.push_back(transact_write_item::put(table_, detail::entitlement_row(ent, rev, retention_),
                                                std::move(condition.expression),
                                                std::move(condition.parameters)));
    if (!ent.customer_identifier.empty())
      tx.items.push_back(
          transact_write_item::put(table_, detail::entitlement_alias_row(ent, rev, retention_)));
    if (old && !old->customer_identifier.empty() && old->customer_identifier != ent.customer_identifier)
      tx.items.push_back(transact_write_item::remove(
          table_, detail::key_of(alias_pk(old->customer_identifier), alias_sk(ent.dimension, who))));
    const transact_write_result result = co_await client_.transact_write_items(std::move(tx));
    if (!result.cancelled) co_return;
    if (!result.condition_failed()) detail::throw_cancelled(table_, result);
  }
  detail::throw_lost_races(table_, "entitlement");
}

awaitable<std::optional<entitlement>> dynamodb_entitlement_store::get(billed_customer who,
                                                                      std::string dimension) {
  detail::check_billed_customer("customer", who);
  detail::check_identifier("dimension", dimension);
  const auto row = co_await detail::read_row(client_, table_, detail::key_of(own_pk(who), own_sk(dimension)));
  if (row) co_return detail::entitlement_from_row(*row, table_);
  if (who.is_account()) co_return std::nullopt;
  // Legacy lookup of an account-form row: the first license in key order.
  query_request q =
      partition_query(table_, alias_pk(who.customer_identifier), own_sk(dimension) + detail::alias_separator);
  q.limit = 1;
  const query_page page = co_await client_.query(std::move(q));
  if (page.items.empty()) co_return std::nullopt;
  entitlement found = detail::entitlement_from_row(page.items.front(), table_);
  if (found.customer_identifier != who.customer_identifier || found.dimension != dimension)
    detail::throw_error(errc::store_corrupt,
                        "DynamoDB table " + table_ + ": an alias row names another entitlement");
  co_return found;
}

awaitable<std::vector<entitlement>> dynamodb_entitlement_store::list(billed_customer who) {
  detail::check_billed_customer("customer", who);
  query_request own = partition_query(table_, own_pk(who), std::string(detail::dimension_prefix));
  const auto rows = co_await client_.query_all(std::move(own));
  std::vector<entitlement> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(detail::entitlement_from_row(r, table_));
  if (!who.is_account()) {
    query_request aliases =
        partition_query(table_, alias_pk(who.customer_identifier), std::string(detail::dimension_prefix));
    const auto alias_rows = co_await client_.query_all(std::move(aliases));
    for (const auto& r : alias_rows) {
      entitlement e = detail::entitlement_from_row(r, table_);
      if (e.customer_identifier != who.customer_identifier)
        detail::throw_error(errc::store_corrupt,
                            "DynamoDB table " + table_ + ": an alias row names another customer");
      out.push_back(std::move(e));
    }
  }
  co_return out;
}

awaitable<void> dynamodb_entitlement_store::erase(billed_customer who, std::string dimension) {
  detail::check_billed_customer("customer", who);
  detail::check_identifier("dimension", dimension);
  if (!who.is_account()) {
    delete_item_request del;
    del.table = table_;
    del.key = detail::key_of(own_pk(who), own_sk(dimension));
    co_await client_.delete_item(std::move(del));
    query_request q = partition_query(table_, alias_pk(who.customer_identifier),
                                      own_sk(dimension) + detail::alias_separator);
    const auto aliases = co_await client_.query_all(std::move(q));
    for (const auto& alias : aliases) {
      const entitlement e = detail::entitlement_from_row(alias, table_);
      billed_customer account = e.customer();
      std::string dim = e.dimension;
      co_await erase(std::move(account), std::move(dim));
    }
    co_return;
  }
  for (int race = 0; race < detail::max_write_races; ++race) {
    const auto row =
        co_await detail::read_row(client_, table_, detail::key_of(own_pk(who), own_sk(dimension)));
    if (!row) co_return;
    const entitlement old = detail::entitlement_from_row(*row, table_);
    transact_write_request tx;
    auto condition = detail::unchanged_since(row, table_);
    tx.items.push_back(transact_write_item::remove(table_, detail::key_of(own_pk(who), own_sk(dimension)),
                                                   std::move(condition.expression),
                                                   std::move(condition.parameters)));
    if (!old.customer_identifier.empty())
      tx.items.push_back(transact_write_item::remove(
          table_, detail::key_of(alias_pk(old.customer_identifier), alias_sk(dimension, who))));
    const transact_write_result result = co_await client_.transact_write_items(std::move(tx));
    if (!result.cancelled) co_return;
    if (!result.condition_failed()) detail::throw_cancelled(table_, result);
  }
  detail::throw_lost_races(table_, "entitlement");
}

}  // namespace awsmp::dynamodb
