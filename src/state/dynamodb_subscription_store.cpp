#include <algorithm>
#include <awsmp/dynamodb_subscription_store.hpp>

#include "core/crypto.hpp"
#include "core/throw.hpp"
#include "dynamodb/dynamodb_limits.hpp"
#include "state/store_rows.hpp"
#include "state/store_support.hpp"
#include "wire/rules.hpp"

namespace awsmp::dynamodb {

namespace {

bool preferred(const subscription& a, const subscription& b) {
  const bool a_active = a.status == subscription_status::active;
  const bool b_active = b.status == subscription_status::active;
  if (a_active != b_active) return a_active;
  return a.subscribed_at > b.subscribed_at;
}

std::string own_pk(const billed_customer& who) {
  return detail::store_key(who);
}

std::string alias_pk(const std::string& customer_identifier) {
  return std::string(detail::by_identifier_prefix) + customer_identifier;
}

}  // namespace

dynamodb_subscription_store::dynamodb_subscription_store(dynamodb_client& client, std::string table)
    : client_(client), table_(std::move(table)) {
  detail::check_table_name("table", table_);
  client_.set_key_schema(table_, detail::store_key_schema());
}

awaitable<void> dynamodb_subscription_store::create_table(dynamodb_client& client, std::string table) {
  global_secondary_index by_status;
  by_status.name = std::string(detail::status_index);
  by_status.key = key_schema{{std::string(detail::status_attribute), attribute_type::s},
                             key_attribute{std::string(detail::row_pk), attribute_type::s}};
  std::vector<global_secondary_index> indexes{by_status};
  co_await detail::ensure_store_table(client, std::move(table), std::move(indexes));
}

awaitable<void> dynamodb_subscription_store::put(subscription sub) {
  detail::validate_subscription(sub);
  const billed_customer who = sub.customer();
  if (!who.is_account()) {
    put_item_request request;
    request.table = table_;
    request.attributes = detail::subscription_row(sub, detail::random_uuid());
    co_await client_.put_item(std::move(request));
    co_return;
  }
  for (int race = 0; race < detail::max_write_races; ++race) {
    const auto old_row = co_await detail::read_row(
        client_, table_, detail::key_of(own_pk(who), std::string(detail::subscription_sk)));
    std::optional<subscription> old;
    if (old_row) old = detail::subscription_from_row(*old_row, table_);

    transact_write_request tx;
    const std::string rev = detail::random_uuid();
    auto condition = detail::unchanged_since(old_row, table_);
    tx.items.push_back(transact_write_item::put(table_, detail::subscription_row(sub, rev),
                                                std::move(condition.expression),
                                                std::move(condition.parameters)));
    if (!sub.customer_identifier.empty())
      tx.items.push_back(transact_write_item::put(table_, detail::subscription_alias_row(sub, rev)));
    if (old && !old->customer_identifier.empty() && old->customer_identifier != sub.customer_identifier)
      tx.items.push_back(transact_write_item::remove(
          table_, detail::key_of(alias_pk(old->customer_identifier), own_pk(who))));
    const transact_write_result result = co_await client_.transact_write_items(std::move(tx));
    if (!result.cancelled) co_return;
    if (!result.condition_failed()) detail::throw_cancelled(table_, result);
  }
  detail::throw_lost_races(table_, "subscription");
}

awaitable<std::optional<subscription>> dynamodb_subscription_store::get(billed_customer who) {
  detail::check_billed_customer("customer", who);
  const auto row = co_await detail::read_row(
      client_, table_, detail::key_of(own_pk(who), std::string(detail::subscription_sk)));
  if (row) co_return detail::subscription_from_row(*row, table_);
  if (who.is_account()) co_return std::nullopt;

  query_request q;
  q.table = table_;
  q.key_condition_expression = "pk = :pk";
  q.expression.values = {{":pk", attribute_value::string(alias_pk(who.customer_identifier))}};
  q.consistent_read = true;
  const auto rows = co_await client_.query_all(std::move(q));
  std::optional<subscription> best;
  for (const auto& r : rows) {
    subscription candidate = detail::subscription_from_row(r, table_);
    if (candidate.customer_identifier != who.customer_identifier)
      detail::throw_error(errc::store_corrupt,
                          "DynamoDB table " + table_ + ": an alias row names another customer");
    if (!best || preferred(candidate, *best)) best = std::move(candidate);
  }
  co_return best;
}

awaitable<std::vector<subscription>> dynamodb_subscription_store::list(subscription_status status) {
  query_request q;
  q.table = table_;
  q.index_name = std::string(detail::status_index);
  q.key_condition_expression = "#s = :s";
  q.expression.names = {{"#s", std::string(detail::status_attribute)}};
  q.expression.values = {{":s", attribute_value::string(std::string(to_string(status)))}};
  const auto rows = co_await client_.query_all(std::move(q));
  std::vector<subscription> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    subscription s = detail::subscription_from_row(r, table_);
    if (s.status != status)
      detail::throw_error(errc::store_corrupt, "DynamoDB table " + table_ + ": index row of another status");
    out.push_back(std::move(s));
  }
  // The index is ordered by its own key; the interface promises the order of the store key.
  std::sort(out.begin(), out.end(),
            [](const subscription& a, const subscription& b) { return a.customer() < b.customer(); });
  co_return out;
}

awaitable<void> dynamodb_subscription_store::erase(billed_customer who) {
  detail::check_billed_customer("customer", who);
  if (!who.is_account()) {
    delete_item_request del;
    del.table = table_;
    del.key = detail::key_of(own_pk(who), std::string(detail::subscription_sk));
    co_await client_.delete_item(std::move(del));
    // Every account-form row of this customer identifier goes too, with its alias row.
    query_request q;
    q.table = table_;
    q.key_condition_expression = "pk = :pk";
    q.expression.values = {{":pk", attribute_value::string(alias_pk(who.customer_identifier))}};
    q.consistent_read = true;
    const auto aliases = co_await client_.query_all(std::move(q));
    for (const auto& alias : aliases) {
      const subscription s = detail::subscription_from_row(alias, table_);
      billed_customer account = s.customer();
      co_await erase(std::move(account));
    }
    co_return;
  }
  for (int race = 0; race < detail::max_write_races; ++race) {
    const auto row = co_await detail::read_row(
        client_, table_, detail::key_of(own_pk(who), std::string(detail::subscription_sk)));
    if (!row) co_return;
    const subscription old = detail::subscription_from_row(*row, table_);
    transact_write_request tx;
    auto condition = detail::unchanged_since(row, table_);
    tx.items.push_back(
        transact_write_item::remove(table_, detail::key_of(own_pk(who), std::string(detail::subscription_sk)),
                                    std::move(condition.expression), std::move(condition.parameters)));
    if (!old.customer_identifier.empty())
      tx.items.push_back(transact_write_item::remove(
          table_, detail::key_of(alias_pk(old.customer_identifier), own_pk(who))));
    const transact_write_result result = co_await client_.transact_write_items(std::move(tx));
    if (!result.cancelled) co_return;
    if (!result.condition_failed()) detail::throw_cancelled(table_, result);
  }
  detail::throw_lost_races(table_, "subscription");
}

}  // namespace awsmp::dynamodb
