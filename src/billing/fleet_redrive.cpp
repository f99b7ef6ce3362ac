// The fleet's dead letters moved back (docs/fleet.md, protocol step 7): the same decision as a
// tracker without a fleet (billing_planner's on_redrive), written to the shared table with
// conditions, so that any instance or `awsmp fleet redrive` may run it at any time.
#include <awsmp/fleet_ledger.hpp>

#include "billing/billing_planner.hpp"
#include "billing/fleet_ledger.hpp"
#include "billing/fleet_rows.hpp"
#include "core/log_line.hpp"
#include "core/throw.hpp"
#include "state/store_rows.hpp"
#include "wire/rules.hpp"

namespace awsmp {

using namespace dynamodb;

awaitable<fleet_redrive_result> redrive_fleet_dead_letters(dynamodb_client& client, fleet_options options,
                                                           std::string product_code,
                                                           fleet_redrive_options redrive, time_point now) {
  options.client = &client;
  if (options.instance_id.empty()) options.instance_id = "redrive";
  detail::check_fleet_options(options);
  detail::check_identifier("fleet_redrive_options.dimension", redrive.dimension);
  if (redrive.tokens_per_unit < 1)
    detail::throw_invalid_argument("fleet_redrive_options.tokens_per_unit", "must be >= 1");
  detail::check_dead_letter_age("fleet_redrive_options.dead_letter_age", redrive.dead_letter_age);
  if (product_code.empty()) detail::throw_invalid_argument("product_code", "must not be empty");
  client.set_key_schema(options.table, detail::store_key_schema());

  fleet_redrive_result out;
  for (std::uint32_t shard = 0; shard < options.shards; ++shard) {
    const auto keys = co_await detail::read_fleet_shard(client, options.table, product_code, shard);
    for (const auto& k : keys) {
      if (k.dimension != redrive.dimension) continue;
      for (const auto& r : k.records) {
        if (r.status != detail::fleet_status_dead) continue;
        const fleet_record kept{r.record, r.status, r.reason, r.in_doubt};
        const auto action =
            detail::on_redrive(r.record.timestamp, r.in_doubt, redrive.force, now, redrive.dead_letter_age);
        if (action == detail::record_action::resend) {
          if ((co_await client.update_item(detail::fleet_revive_request(options.table, r)))
                  .condition_failed) {
            out.kept.push_back(kept);  // another redrive moved it first
            continue;
          }
          ++out.resent;
          detail::log(log_level::info,
                      "fleet: dead letter " + r.sk + " is pending again; the lease holder resends it");
          continue;
        }
        const auto tokens = action == detail::record_action::unseal
                                ? detail::fleet_record_tokens(r.record, redrive.tokens_per_unit)
                                : std::nullopt;
        if (!tokens) {
          out.kept.push_back(kept);
          continue;
        }
        const auto result = co_await client.transact_write_items(
            detail::fleet_return_request(options.table, k.dimension, r, detail::fleet_status_dead, *tokens));
        if (result.cancelled) {
          out.kept.push_back(kept);
          continue;
        }
        ++out.returned;
        detail::log(log_level::info, "fleet: dead letter " + r.sk + " (" + std::to_string(r.record.quantity) +
                                         " units) is too old to resend; its tokens go back to the key");
      }
    }
  }
  if (out.resent + out.returned > 0) {
    // The holder skips rounds once an hour is sealed and answered; the mark makes its next
    // round read the table again: it sends what was revived and seals what was returned.
    // Only on an existing lease: a new holder reads everything anyway.
    update_item_request mark;
    mark.table = options.table;
    mark.key = detail::key_of(std::string(detail::fleet_lease_pk), std::string(detail::fleet_lease_sk));
    mark.update_expression = "SET #r = :now";
    mark.condition_expression = "attribute_exists(#h)";
    mark.expression.names = {{"#r", std::string(detail::fleet_lease_redriven)}, {"#h", "holder"}};
    mark.expression.values[":now"] = attribute_value::number(detail::fleet_ms(now));
    try {
      co_await client.update_item(std::move(mark));
    } catch (const std::exception& e) {
      detail::log(log_level::warning,
                  "fleet: marking the lease after a redrive failed (the holder "
                  "sends the records at its next hourly sweep): " +
                      detail::describe_failure(e));
    }
  }
  co_return out;
}

}  // namespace awsmp
