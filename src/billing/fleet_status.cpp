// The fleet table seen from outside a tracker: creating it and reading its state for
// `awsmp fleet status`.
#include <algorithm>
#include <awsmp/fleet_ledger.hpp>
#include <map>

#include "billing/fleet_ledger.hpp"
#include "core/throw.hpp"
#include "dynamodb/dynamodb_limits.hpp"
#include "state/store_rows.hpp"

namespace awsmp {

using namespace dynamodb;

awaitable<void> create_fleet_table(dynamodb_client& client, std::string table) {
  detail::check_table_name("table", table);
  co_await detail::ensure_store_table(client, std::move(table), {});
}

awaitable<fleet_status> read_fleet_status(dynamodb_client& client, fleet_options options,
                                          std::string product_code, time_point now) {
  options.client = &client;
  if (options.instance_id.empty()) options.instance_id = "status";
  detail::check_fleet_options(options);
  client.set_key_schema(options.table, detail::store_key_schema());
  fleet_status st;

  get_item_request lease;
  lease.table = options.table;
  lease.key = detail::key_of(std::string(detail::fleet_lease_pk), std::string(detail::fleet_lease_sk));
  lease.consistent_read = true;
  if (const auto it = co_await client.get_item(std::move(lease))) {
    const auto holder = it->find("holder");
    const auto expires = it->find("expires");
    if (holder == it->end() || expires == it->end())
      detail::throw_error(errc::store_corrupt,
                          "DynamoDB table " + options.table + ": the lease item is not awsmp's");
    const auto until = detail::fleet_time(expires->second.as_int64());
    if (until > now) {
      st.lease_holder = holder->second.as_string();
      st.lease_expires = until;
    }
  }

  std::map<std::string, fleet_instance> instances;
  for (std::uint32_t shard = 0; shard < options.shards; ++shard) {
    const auto keys = co_await detail::read_fleet_shard(client, options.table, product_code, shard);
    for (const auto& k : keys) {
      if (!k.shares.empty()) ++st.keys;
      if (k.has_state) st.newest_sealed_hour = std::max<std::int64_t>(st.newest_sealed_hour, k.last_hour);
      if (const auto left = k.unsealed(); left > 0) {
        ++st.keys_unsealed;
        st.unsealed_tokens += left;
      }
      for (const auto& s : k.shares) {
        auto& in = instances[s.instance];
        in.instance_id = s.instance;
        in.last_push = std::max(in.last_push, s.at);
        ++in.keys;
        in.tokens += s.push.total;
      }
      for (const auto& r : k.records)
        (r.status == detail::fleet_status_dead ? st.dead_letters : st.pending)
            .push_back(fleet_record{r.record, r.status, r.reason, r.in_doubt});
    }
  }
  for (auto& [id, in] : instances) {
    in.lag = std::chrono::duration_cast<std::chrono::seconds>(now - in.last_push);
    st.instances.push_back(std::move(in));
  }
  co_return st;
}

}  // namespace awsmp
